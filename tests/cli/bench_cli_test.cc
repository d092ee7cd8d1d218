// `mmap-opt bench` as a user and CI run it: its five outputs, byte-for-byte reproducible
// without timings, clean one-line errors on bad input, and the CI gate (tools/ci_gate.sh)
// passing as committed and failing on a changed heuristic option or a slower never-worse agent.
#include <map>
#include <string>
#include <vector>

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
using ::testing::Not;
using ::testing::StartsWith;

const std::string kSmoke = SourcePath("data/corpus/smoke");
const std::vector<std::string> kOutputs = {"results.md", "results.csv", "results.json",
                                           "speedup.svg", "reward_vs_gain.svg"};

TEST(BenchCliTest, WritesFiveOutputsIdenticalForAnyJobsWithoutTimings) {
  const std::string a = MakeTempDir(), b = MakeTempDir();
  const std::vector<std::string> common = {
      "bench", "--corpus", kSmoke, "--agents", "greedy,random,none", "--seed", "5", "--no-timings"};
  std::vector<std::string> args = common;
  args.insert(args.end(), {"--out", a, "--jobs", "1"});
  CommandResult one = RunCli(args);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  args = common;
  args.insert(args.end(), {"--out", b + "/nested/dir", "--jobs", "3"});
  CommandResult three = RunCli(args);
  ASSERT_EQ(three.exit_code, 0) << three.err;
  for (const std::string& file : kOutputs) {
    const std::string text = ReadTestFile(a + "/" + file);
    EXPECT_FALSE(text.empty()) << file;
    EXPECT_EQ(text, ReadTestFile(b + "/nested/dir/" + file)) << file;
  }
  // The heuristic joins as the reference column; no solve times anywhere.
  const std::string md = ReadTestFile(a + "/results.md");
  EXPECT_THAT(md, HasSubstr("agents heuristic, greedy, random, none; seed 5"));
  EXPECT_THAT(md, Not(HasSubstr("solve time")));
  EXPECT_THAT(ReadTestFile(a + "/results.csv"),
              StartsWith("program,agent,never_worse,valid,latency_s,speedup_percent,"));
  EXPECT_THAT(ReadTestFile(a + "/speedup.svg"), StartsWith("<svg "));
  // stdout: the summary table and where the files went.
  EXPECT_THAT(one.out, HasSubstr("| heuristic | 6 | 0 | reference |"));
  EXPECT_THAT(one.out, HasSubstr("wrote " + a + "/{results.md,"));
}

TEST(BenchCliTest, TimingsAppearByDefault) {
  const std::string out = MakeTempDir();
  CommandResult run = RunCli({"bench", "--corpus", kSmoke, "--agents", "none", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(ReadTestFile(out + "/results.md"), HasSubstr("## Solve time per program (s)"));
  EXPECT_THAT(ReadTestFile(out + "/results.csv"), HasSubstr(",solve_s,"));
  EXPECT_EQ(run.err, "");  // No progress bar when stderr is not a terminal.
}

TEST(BenchCliTest, BadInputFailsInOneLine) {
  const std::string out = MakeTempDir();
  ExpectCleanFailure(RunCli({"bench", "--corpus", out + "/missing", "--out", out}),
                     out + "/missing");
  const std::string empty = MakeTempDir();
  ExpectCleanFailure(RunCli({"bench", "--corpus", empty, "--out", out}), empty);
  const std::string corpus = MakeTempDir();
  WriteTestFile(corpus + "/truncated.pb", "\x0a\x10truncated");
  ExpectCleanFailure(RunCli({"bench", "--corpus", corpus, "--out", out}), "truncated.pb");
  const std::string baseline = out + "/baseline.csv";
  WriteTestFile(baseline, "not,a,baseline\n");
  ExpectCleanFailure(
      RunCli({"bench", "--corpus", kSmoke, "--out", out, "--check-baseline", baseline}), baseline);
  CommandResult unknown = RunCli({"bench", "--corpus", kSmoke, "--agents", "oracle"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("unknown agent 'oracle'"));
  EXPECT_EQ(RunCli({"bench", "--corpus", kSmoke, "--jobs", "0"}).exit_code, 2);
}

// tools/ci_gate.sh with this build's binary and extra bench arguments.
CommandResult RunGate(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {std::string("MMAP_OPT=") + MMAP_OPT_BINARY, "bash",
                                   SourcePath("tools/ci_gate.sh")};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunProgram("/usr/bin/env", args);
}

TEST(BenchCliTest, CiGatePassesAsCommitted) {
  CommandResult gate = RunGate({});
  EXPECT_EQ(gate.exit_code, 0) << gate.out << gate.err;
  EXPECT_THAT(gate.out, HasSubstr("the heuristic's scores match on 6 programs"));
  EXPECT_THAT(gate.out, HasSubstr("ci_gate: passed"));
}

// A deliberately changed heuristic option (a longer preferred prefetch overlap than XLA's 1.5)
// changes the heuristic's latency on smoke programs: the gate must notice.
TEST(BenchCliTest, CiGateFailsOnAChangedHeuristicOption) {
  CommandResult gate = RunGate({"--heuristic-preferred-overlap", "4"});
  EXPECT_EQ(gate.exit_code, 1);
  EXPECT_THAT(gate.out, HasSubstr("the heuristic latency moved from the baseline's"));
  EXPECT_THAT(gate.out, HasSubstr("ci_gate: FAILED"));
  EXPECT_THAT(gate.err, HasSubstr("difference(s) from the baseline"));
}

// Greedy is slower than the heuristic on every smoke program; held to never-worse, it must
// fail the gate, with `mmap-opt diff --fail-if-slower` explaining each case.
TEST(BenchCliTest, CiGateFailsWhenANeverWorseAgentIsSlower) {
  CommandResult gate = RunGate({"--never-worse", "greedy"});
  EXPECT_EQ(gate.exit_code, 1);
  EXPECT_THAT(gate.out, HasSubstr("FAIL  greedy is slower than the heuristic on"));
  EXPECT_THAT(gate.out, HasSubstr("(more than the 0.00% allowed by --fail-if-slower)"));
  EXPECT_THAT(gate.out, HasSubstr("entered fast memory in B"));  // diff's report.
}

// `bench --budgets`: a sweep on the smoke corpus at tiny budgets writes the gain-per-budget
// table and plot besides the five usual outputs; the plot parses, a line per search agent.
TEST(BenchCliTest, BudgetSweepWritesThePlotAndTable) {
  const std::string out = MakeTempDir();
  CommandResult run = RunCli({"bench", "--corpus", kSmoke, "--agents", "greedy,heuristic-tuned",
                              "--budgets", "0.05,0.01", "--jobs", "2", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const std::string& file : kOutputs) EXPECT_FALSE(ReadTestFile(out + "/" + file).empty());
  const std::string svg = ReadTestFile(out + "/gain_vs_budget.svg");
  absl::StatusOr<std::map<std::string, int>> elements = testing::XmlElementCounts(svg);
  ASSERT_TRUE(elements.ok()) << elements.status();
  EXPECT_EQ((*elements)["polyline"], 1);
  EXPECT_THAT(svg, HasSubstr(">0.01 s</text>"));
  const std::string md = ReadTestFile(out + "/results.md");
  EXPECT_THAT(md, HasSubstr("| agent | 0.01 s | 0.05 s |"));
  EXPECT_THAT(md, HasSubstr("| heuristic-tuned@0.05s | 0.05 | "));  // Solve time vs budget.
  EXPECT_THAT(md, Not(HasSubstr("greedy@")));
  const std::string csv = ReadTestFile(out + "/gain_vs_budget.csv");
  EXPECT_THAT(csv, StartsWith("agent,budget_s,programs,invalid,compared,improved,equal,worse,"));
  EXPECT_THAT(csv, HasSubstr("\nheuristic-tuned,0.05,6,0,6,"));
  EXPECT_THAT(ReadTestFile(out + "/results.json"), HasSubstr("\"budgets\":[0.01,0.05"));
  EXPECT_THAT(run.out, HasSubstr("Mean speedup over the heuristic per budget"));
  EXPECT_THAT(run.out, HasSubstr("gain_vs_budget.csv,gain_vs_budget.svg}"));
}

// A time limit for solve: heuristic-tuned stops, never slower than the heuristic, and says so.
TEST(BenchCliTest, SolveTakesATimeLimitForSearchAgentsOnly) {
  const std::string program = kSmoke + "/bert-tiny.inference.b8.128.bf16.edge-npu.pb";
  CommandResult tuned =
      RunCli({"solve", program, "--agent", "heuristic-tuned", "--time-limit", "0.05"});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_THAT(tuned.out, HasSubstr("; time limit 0.05 s: "));
  CommandResult plain = RunCli({"solve", program, "--agent", "heuristic", "--time-limit", "1"});
  EXPECT_EQ(plain.exit_code, 2);
  EXPECT_THAT(plain.err, HasSubstr("--time-limit: heuristic takes no time limit (the agents "
                                   "that do: heuristic-tuned"));
  EXPECT_EQ(RunCli({"solve", program, "--agent", "heuristic", "--time-limit", "0"}).exit_code, 0);
}

// Bad budgets are a bad command line (exit 2) with one line saying why, before any work.
TEST(BenchCliTest, BadBudgetsAreRejected) {
  const std::vector<std::vector<std::string>> bad = {
      {"--budgets", "-1"},
      {"--budgets", "1,abc"},
      {"--budgets", ""},
      {"--budgets", "1,,10"},
      {"--budgets", "0"},
      {"--time-limit", "-1"},
      {"--time-limit", "ten"},
      {"--time-limit", "1", "--budgets", "1,10"},
      {"--budgets", "1", "--agents", "greedy,none"},
      {"--time-limit", "1", "--agents", "heuristic"},
  };
  for (const std::vector<std::string>& extra : bad) {
    std::vector<std::string> args = {"bench", "--corpus", kSmoke, "--out", MakeTempDir()};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult run = RunCli(args);
    EXPECT_EQ(run.exit_code, 2) << extra[0] << " " << extra[1] << ": " << run.err;
    EXPECT_THAT(run.err, Not(HasSubstr("mmap-opt: "))) << run.err;  // Not a failed run.
    EXPECT_FALSE(run.err.empty());
  }
  CommandResult none =
      RunCli({"bench", "--corpus", kSmoke, "--budgets", "1", "--agents", "greedy"});
  EXPECT_THAT(none.err, HasSubstr("--budgets: greedy takes no time limit"));
}

}  // namespace
}  // namespace mmap_opt
