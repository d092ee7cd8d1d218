// `solve --agent muzero --max-games N` through the binary: learning on the program is on by
// default, --no-learn and --model uniform search without it; every variant writes a valid
// assignment, the same one for the same seed; bad budgets are usage errors.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::CommandResult;
using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::RunCli;
using ::mmap_opt::testing::SourcePath;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kProgram =
    SourcePath("data/corpus/smoke/gpt2-tiny.decode.b8.256.bf16.edge-npu.pb");

std::vector<std::string> Solve(const std::string& out, std::vector<std::string> extra) {
  std::vector<std::string> args = {
      "solve", kProgram,          "--agent", "muzero", "--max-games", "17",  "--simulations",
      "4",     "--rollout-steps", "8",       "--seed", "2",           "-o", out};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(LearnCliTest, SolveWithAGameBudget) {
  const std::string dir = MakeTempDir();
  CommandResult learned = RunCli(Solve(dir + "/a.pb", {}));
  ASSERT_EQ(learned.exit_code, 0) << learned.err;
  EXPECT_THAT(learned.out,
              ContainsRegex("learned on the program: [1-9][0-9]* Adam steps after 1 round"));
  CommandResult again = RunCli(Solve(dir + "/b.pb", {}));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ReadTestFile(dir + "/a.pb"), ReadTestFile(dir + "/b.pb"));
  for (const std::vector<std::string>& variant :
       std::vector<std::vector<std::string>>{{}, {"--no-learn"}, {"--model", "uniform"}}) {
    const std::string out = dir + "/v.pb";
    CommandResult solved = RunCli(Solve(out, variant));
    ASSERT_EQ(solved.exit_code, 0) << solved.err;
    if (!variant.empty()) EXPECT_THAT(solved.out, Not(HasSubstr("learned on the program")));
    CommandResult scored = RunCli({"score", kProgram, out, "--json"});
    EXPECT_THAT(scored.out, HasSubstr("\"valid\":true"));
  }
}

TEST(LearnCliTest, BadGameBudgetsAreUsageErrors) {
  for (const char* bad : {"-1", "x", "1.5"}) {
    CommandResult result = RunCli({"solve", kProgram, "--agent", "muzero", "--max-games", bad});
    EXPECT_EQ(result.exit_code, 2) << bad;
    EXPECT_THAT(result.err, HasSubstr("--max-games")) << bad;
  }
}

}  // namespace
}  // namespace mmap_opt
