// The scale-out flags on the command line (cli/dist_flags.h), torch-free: malformed values are
// usage errors (exit 2) naming the flag or variable, and a build without the learned library
// (which holds c10d) says so on one line, exit 1, for every verb that scales.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::CommandResult;
using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::RunCli;
using ::mmap_opt::testing::RunProgram;
using ::mmap_opt::testing::SourcePath;
using ::testing::HasSubstr;

const std::string kExample = SourcePath("data/examples/mlp_inference.txtpb");
const std::string kSmoke = SourcePath("data/corpus/smoke");

TEST(DistFlagsCliTest, MalformedLaunchSettingsAreUsageErrors) {
  struct Case {
    std::vector<std::string> env;
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{}, {"--world-size", "3", "--rank", "3"}, "--rank: 3 is not in [0, 2]"},
      {{}, {"--world-size", "0"}, "--world-size: 0 is not in [1, 4096]"},
      {{}, {"--world-size", "2", "--master", "host"}, "--master: 'host' is not HOST:PORT"},
      {{}, {"--world-size", "2", "--master", "h:99999"}, "--master's port: '99999'"},
      {{"WORLD_SIZE=two"}, {}, "WORLD_SIZE: 'two' is not a whole number"},
      {{"WORLD_SIZE=2", "MASTER_PORT=0"}, {}, "MASTER_PORT: '0' is not a whole number in [1,"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.env;
    args.insert(args.end(), {MMAP_OPT_BINARY, "bench", "--corpus", kSmoke, "--out", MakeTempDir()});
    args.insert(args.end(), c.args.begin(), c.args.end());
    CommandResult result = RunProgram("/usr/bin/env", args);
    EXPECT_EQ(result.exit_code, 2) << c.says << ": " << result.err;
    EXPECT_THAT(result.err, HasSubstr(c.says));
  }
  CommandResult greedy =
      RunCli({"solve", kExample, "--agent", "greedy", "--world-size", "2", "--rank", "1"});
  EXPECT_EQ(greedy.exit_code, 2);
  EXPECT_THAT(greedy.err, HasSubstr("for the muzero and hybrid agents, not 'greedy'"));
}

TEST(DistFlagsCliTest, WithoutTheLearnedLibraryScaleOutSaysSo) {
  const std::string missing = MakeTempDir() + "/libmmap_opt_learned.so";
  const std::string env = "MMAP_OPT_LEARNED_LIBRARY=" + missing;
  const std::vector<std::string> world = {"--world-size", "2", "--rank", "1"};
  const std::vector<std::vector<std::string>> verbs = {
      {"train", "--corpus", kSmoke, "-o", MakeTempDir() + "/m.pt"},
      {"solve", kExample, "--agent", "muzero"},
      {"bench", "--corpus", kSmoke, "--agents", "heuristic", "--out", MakeTempDir()},
  };
  for (std::vector<std::string> verb : verbs) {
    verb.insert(verb.begin(), {env, MMAP_OPT_BINARY});
    verb.insert(verb.end(), world.begin(), world.end());
    CommandResult result = RunProgram("/usr/bin/env", verb);
    EXPECT_EQ(result.exit_code, 1) << verb[2] << ": " << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_THAT(result.err, HasSubstr("this build has no learned agents")) << verb[2];
  }
}

}  // namespace
}  // namespace mmap_opt
