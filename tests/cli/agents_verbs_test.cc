// Whole-command tests of the agents' verbs: solve with each agent, play --trace, bad input.
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::CommandResult;
using ::mmap_opt::testing::ExpectCleanFailure;
using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::RunCli;
using ::mmap_opt::testing::RunProgram;
using ::mmap_opt::testing::SourcePath;
using ::mmap_opt::testing::WriteTestFile;
using ::testing::HasSubstr;

const std::string kExample = SourcePath("data/examples/mlp_inference.txtpb");

// The goldens name the example by its path relative to the repository root.
std::string Relative(const std::string& out) {
  return absl::StrReplaceAll(out, {{kExample, "data/examples/mlp_inference.txtpb"}});
}

TEST(AgentsVerbsTest, SolveWithTheHeuristicMatchesGolden) {
  const std::string dir = MakeTempDir();
  CommandResult result = RunCli({"solve", kExample, "--agent", "heuristic"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Relative(result.out),
            ReadTestFile(SourcePath("tests/testdata/agents_solve_heuristic_mlp.golden")));
}

// heuristic-tuned reports what it tuned; on this small program nothing beats the heuristic,
// and it says so. A negative budget is a bad command line.
TEST(AgentsVerbsTest, SolveWithTheTunedHeuristicMatchesGolden) {
  CommandResult result =
      RunCli({"solve", kExample, "--agent", "heuristic-tuned", "--tune-steps", "50"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Relative(result.out),
            ReadTestFile(SourcePath("tests/testdata/agents_solve_tuned_mlp.golden")));
  CommandResult bad = RunCli({"solve", kExample, "--agent", "heuristic-tuned", "--tune-steps", "-1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--tune-steps"));
}

TEST(AgentsVerbsTest, EveryAgentWritesAValidAssignment) {
  const std::string dir = MakeTempDir();
  for (const char* agent : {"none", "greedy", "heuristic", "heuristic-tuned", "heuristic-game", "random"}) {
    const std::string out = dir + "/" + agent + ".pb";
    CommandResult solved = RunCli({"solve", kExample, "--agent", agent, "--seed", "4", "-o", out});
    ASSERT_EQ(solved.exit_code, 0) << agent << ": " << solved.err;
    CommandResult scored = RunCli({"score", kExample, out, "--json"});
    EXPECT_EQ(scored.exit_code, 0) << agent << ": " << scored.err;
    EXPECT_THAT(scored.out, HasSubstr("\"valid\":true")) << agent;
  }
}

// The learned agents and train live in a library the binary opens on first use: without one
// (here: the variable names a file that is not there) each says so on one line, exit 1, and
// `bench --agents all` runs what the build has.
TEST(AgentsVerbsTest, WithoutTheLearnedLibraryLearnedVerbsSaySo) {
  const std::string missing = MakeTempDir() + "/libmmap_opt_learned.so";
  const std::string env = "MMAP_OPT_LEARNED_LIBRARY=" + missing;
  for (const char* agent : {"muzero", "mcts", "hybrid"}) {
    CommandResult result =
        RunProgram("/usr/bin/env", {env, MMAP_OPT_BINARY, "solve", kExample, "--agent", agent});
    ExpectCleanFailure(result, missing);
    EXPECT_THAT(result.err, HasSubstr("this build has no learned agents")) << agent;
  }
  CommandResult train = RunProgram(
      "/usr/bin/env", {env, MMAP_OPT_BINARY, "train", "--corpus", kExample, "-o", missing});
  ExpectCleanFailure(train, missing);
  EXPECT_THAT(train.err, HasSubstr("this build has no learned agents"));
  const std::string dir = MakeTempDir();
  WriteTestFile(dir + "/mlp.txtpb", ReadTestFile(kExample));
  CommandResult bench = RunProgram(
      "/usr/bin/env",
      {env, MMAP_OPT_BINARY, "bench", "--corpus", dir, "--agents", "all", "--out", dir + "/out"});
  EXPECT_EQ(bench.exit_code, 0) << bench.err;
  EXPECT_THAT(bench.out, HasSubstr("heuristic-tuned"));
  EXPECT_THAT(bench.out, ::testing::Not(HasSubstr("muzero")));
}

TEST(AgentsVerbsTest, PlayTraceMatchesGolden) {
  CommandResult result = RunCli({"play", kExample, "--trace"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Relative(result.out),
            ReadTestFile(SourcePath("tests/testdata/agents_play_trace_mlp.golden")));
}

TEST(AgentsVerbsTest, RandomPlayIsDeterministicForASeed) {
  const std::string dir = MakeTempDir();
  ASSERT_EQ(RunCli({"play", kExample, "--agent", "random", "--seed", "9", "-o", dir + "/a.txtpb"})
                .exit_code,
            0);
  ASSERT_EQ(RunCli({"play", kExample, "--agent", "random", "--seed", "9", "-o", dir + "/b.txtpb"})
                .exit_code,
            0);
  EXPECT_EQ(ReadTestFile(dir + "/a.txtpb"), ReadTestFile(dir + "/b.txtpb"));
}

TEST(AgentsVerbsTest, BadArguments) {
  EXPECT_EQ(RunCli({"solve", kExample, "--agent", "oracle"}).exit_code, 2);
  EXPECT_EQ(RunCli({"play", kExample, "--candidates", "0"}).exit_code, 2);
  const std::string dir = MakeTempDir();
  WriteTestFile(dir + "/bad.txtpb", "instructions { id: 0 operands: 3 }\n");
  ExpectCleanFailure(RunCli({"solve", dir + "/bad.txtpb", "--agent", "heuristic"}),
                     dir + "/bad.txtpb");
  ExpectCleanFailure(RunCli({"play", dir + "/bad.txtpb"}), dir + "/bad.txtpb");
}

}  // namespace
}  // namespace mmap_opt
