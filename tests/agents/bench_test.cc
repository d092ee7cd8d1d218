// The bench library: statistics worked out by hand, the paper's summary on hand-made outcomes,
// the baseline comparison the CI gate rests on, and whole runs on the smoke corpus.
#include "mmap_opt/agents/bench.h"

#include <algorithm>
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/bench_baseline.h"
#include "mmap_opt/agents/bench_report.h"
#include "mmap_opt/io/proto_io.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

TEST(BenchStatsTest, MedianOfOddEvenAndEmpty) {
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);  // (2 + 3) / 2.
  EXPECT_TRUE(std::isnan(Median({})));
}

TEST(BenchStatsTest, PearsonByHand) {
  // x = 1,2,3; y = 2,4,7: means 2 and 13/3; deviations -1,0,1 and -7/3,-1/3,8/3;
  // Sxy = 7/3 + 8/3 = 5, Sxx = 2, Syy = (49 + 1 + 64) / 9 = 114/9; r = 5 / sqrt(2 * 114/9).
  EXPECT_NEAR(PearsonCorrelation({1, 2, 3}, {2, 4, 7}), 5 / std::sqrt(2 * 114.0 / 9), 1e-12);
  EXPECT_DOUBLE_EQ(PearsonCorrelation({1, 2, 3}, {6, 4, 2}), -1);
  EXPECT_TRUE(std::isnan(PearsonCorrelation({1, 2, 3}, {5, 5, 5})));  // y constant.
  EXPECT_TRUE(std::isnan(PearsonCorrelation({1}, {1})));              // One point.
}

TEST(BenchStatsTest, RanksShareTiesAndSpearmanIgnoresScale) {
  // Sorted: 5 (rank 1), 10 (rank 2), 20 and 20 (ranks 3 and 4, so 3.5 each).
  EXPECT_THAT(Ranks({10, 20, 20, 5}), ElementsAre(2, 3.5, 3.5, 1));
  // y = x^3 is monotone: ranks agree exactly although Pearson is below 1.
  EXPECT_DOUBLE_EQ(SpearmanCorrelation({1, 2, 3, 4}, {1, 8, 27, 64}), 1);
  EXPECT_LT(PearsonCorrelation({1, 2, 3, 4}, {1, 8, 27, 64}), 0.99);
  // x ranks 1,2,3; y = 3,1,2 ranks 3,1,2: deviations -1,0,1 and 1,-1,0, Sxy = -1, r = -1/2.
  EXPECT_DOUBLE_EQ(SpearmanCorrelation({1, 2, 3}, {30, 10, 20}), -0.5);
}

AgentOutcome Outcome(const std::string& agent, double latency, double closed,
                     std::optional<double> reward = std::nullopt) {
  AgentOutcome o;
  o.agent = agent;
  o.latency_s = latency;
  o.headroom_closed = closed;
  o.game_reward = reward;
  o.solve_s = 0.5;
  return o;
}

ProgramOutcome MakeProgram(const std::string& file, std::vector<AgentOutcome> agents) {
  ProgramOutcome p;
  p.file = p.name = p.path = file;
  p.hardware = "decimal";
  p.bounds = {.all_slow_s = 4, .lower_bound_s = 1, .headroom_s = 3};
  p.agents = std::move(agents);
  return p;
}

// Four programs; agent "a" is faster on p1, equal on p2, slower on p3 and invalid on p4.
BenchResults HandMade() {
  BenchResults r;
  r.agents = {"heuristic", "a"};
  r.never_worse = {"a"};
  AgentOutcome invalid = Outcome("a", 0, 0, 0.9);
  invalid.error = "invalid assignment: overlap";
  r.programs = {
      MakeProgram("p1", {Outcome("heuristic", 2.0, 0.5), Outcome("a", 1.6, 0.6, 0.7)}),
      MakeProgram("p2", {Outcome("heuristic", 3.0, 0.2), Outcome("a", 3.0, 0.2, 0.1)}),
      MakeProgram("p3", {Outcome("heuristic", 1.0, 0.9), Outcome("a", 1.25, 0.8, 0.4)}),
      MakeProgram("p4", {Outcome("heuristic", 2.0, 0.4), invalid}),
  };
  Summarize(r);
  return r;
}

TEST(BenchSummaryTest, PaperStyleSummaryByHand) {
  const BenchResults r = HandMade();
  // Speedups: p1 2.0/1.6 - 1 = +25%; p2 0%; p3 1.0/1.25 - 1 = -20%; p4 none (invalid).
  EXPECT_NEAR(*r.programs[0].agents[1].speedup_percent, 25, 1e-12);
  EXPECT_EQ(*r.programs[1].agents[1].speedup_percent, 0);
  EXPECT_NEAR(*r.programs[2].agents[1].speedup_percent, -20, 1e-12);
  EXPECT_FALSE(r.programs[3].agents[1].speedup_percent.has_value());
  ASSERT_THAT(r.summaries, SizeIs(2));
  const AgentSummary& a = r.summaries[1];
  EXPECT_EQ(a.agent, "a");
  EXPECT_EQ(a.programs, 4);
  EXPECT_EQ(a.invalid, 1);
  EXPECT_EQ(a.compared, 3);
  EXPECT_EQ(a.improved, 1);
  EXPECT_EQ(a.equal, 1);
  EXPECT_EQ(a.worse, 1);
  EXPECT_NEAR(a.mean_speedup_percent, 5.0 / 3, 1e-12);  // (25 + 0 - 20) / 3.
  EXPECT_EQ(a.median_speedup_percent, 0);
  EXPECT_NEAR(a.best_speedup_percent, 25, 1e-12);
  EXPECT_EQ(a.best_program, "p1");
  EXPECT_NEAR(a.worst_speedup_percent, -20, 1e-12);
  EXPECT_EQ(a.worst_program, "p3");
  EXPECT_NEAR(a.mean_headroom_closed, (0.6 + 0.2 + 0.8) / 3, 1e-12);  // Valid programs only.
  EXPECT_DOUBLE_EQ(a.total_solve_s, 2.0);                             // 4 x 0.5 s.
  const AgentSummary& h = r.summaries[0];
  EXPECT_EQ(h.equal, 4);
  EXPECT_EQ(h.mean_speedup_percent, 0);
}

TEST(BenchSummaryTest, RewardCorrelationOnlyForGamePlayersAndValidGames) {
  const BenchResults r = HandMade();
  ASSERT_THAT(r.correlations, SizeIs(1));  // The heuristic returns no game reward.
  EXPECT_EQ(r.correlations[0].agent, "a");
  EXPECT_EQ(r.correlations[0].games, 3);  // p4's invalid game is left out.
  // Rewards 0.7, 0.1, 0.4 against gains 0.6, 0.2, 0.8: ranks 3,1,2 and 2,1,3, so
  // deviations 1,-1,0 and 0,-1,1: Sxy = 1, Sxx = Syy = 2, Spearman = 1/2.
  EXPECT_DOUBLE_EQ(r.correlations[0].spearman, 0.5);
  EXPECT_NEAR(r.correlations[0].pearson, PearsonCorrelation({0.7, 0.1, 0.4}, {0.6, 0.2, 0.8}),
              1e-15);
}

TEST(BenchSummaryTest, InvalidAndNeverWorseAreReportedPerProgram) {
  const BenchResults r = HandMade();
  EXPECT_THAT(InvalidOutcomes(r), ElementsAre("a on p4: invalid assignment: overlap"));
  const std::vector<std::string> slower = NeverWorseViolations(r);
  ASSERT_THAT(slower, SizeIs(1));
  EXPECT_THAT(slower[0], HasSubstr("a is slower than the heuristic on p3"));
  EXPECT_THAT(slower[0], HasSubstr("+25.000000%"));  // 1.25 / 1.0 - 1.
  BenchResults lenient = HandMade();
  lenient.never_worse.clear();
  EXPECT_THAT(NeverWorseViolations(lenient), IsEmpty());
}

TEST(BenchSummaryTest, LatenciesWithinTheToleranceAreEqual) {
  BenchResults r = HandMade();
  r.programs[0].agents[1].latency_s = 2.0 * (1 + 1e-12);  // Noise, not a slowdown.
  r.never_worse = {"a"};
  Summarize(r);
  EXPECT_EQ(r.summaries[1].equal, 2);
  EXPECT_EQ(r.summaries[1].improved, 0);
  EXPECT_THAT(NeverWorseViolations(r), SizeIs(1));  // Still only p3.
}

TEST(BenchBaselineTest, RoundTripsExactlyAndFlagsOnlyRealMoves) {
  const BenchResults r = HandMade();
  const std::string text = *FormatBaseline(r, "tools/ci_gate.sh --update");
  EXPECT_THAT(text, HasSubstr("tools/ci_gate.sh --update"));
  absl::StatusOr<std::vector<BaselineEntry>> baseline = ParseBaseline(text, "b.csv");
  ASSERT_TRUE(baseline.ok()) << baseline.status();
  ASSERT_THAT(*baseline, SizeIs(4));
  EXPECT_EQ((*baseline)[2].heuristic_latency_s, 1.0);
  EXPECT_THAT(CompareWithBaseline(r, *baseline), IsEmpty());

  // A heuristic that got 1e-6 slower on p2 moves the baseline; 1e-12 is rounding noise.
  BenchResults moved = HandMade();
  moved.programs[1].agents[0].latency_s = 3.0 * (1 + 1e-6);
  const std::vector<std::string> problems = CompareWithBaseline(moved, *baseline);
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("p2: the heuristic latency moved from the baseline's 3 s"));
  moved.programs[1].agents[0].latency_s = 3.0 * (1 + 1e-12);
  EXPECT_THAT(CompareWithBaseline(moved, *baseline), IsEmpty());

  // A program on one side only.
  std::vector<BaselineEntry> shorter(baseline->begin(), baseline->end() - 1);
  EXPECT_THAT(CompareWithBaseline(r, shorter),
              ElementsAre("p4: not in the baseline (regenerate it)"));
  BenchResults fewer = HandMade();
  fewer.programs.pop_back();
  EXPECT_THAT(CompareWithBaseline(fewer, *baseline),
              ElementsAre("p4: in the baseline but not in the corpus"));
}

TEST(BenchBaselineTest, NoBaselineFromAnInvalidHeuristic) {
  BenchResults r = HandMade();
  r.programs[0].agents[0].error = "invalid assignment: overlap";
  EXPECT_FALSE(FormatBaseline(r, "x").ok());
}

TEST(BenchBaselineTest, MalformedFilesNameThePathAndLine) {
  absl::StatusOr<std::vector<BaselineEntry>> bad = ParseBaseline("a,b\n", "b.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("b.csv:1: expected the header"));
  bad =
      ParseBaseline("# c\nprogram,heuristic_latency_s,all_slow_s,lower_bound_s\np1,1,2\n", "b.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("b.csv:3:"));
  bad = ParseBaseline("program,heuristic_latency_s,all_slow_s,lower_bound_s\np1,1,x,3\n", "b.csv");
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(ParseBaseline("", "b.csv").ok());
}

TEST(BenchCorpusTest, ListsProgramsSortedAndRejectsEmptyOrMissingFolders) {
  const std::string dir = testing::MakeTempDir();
  testing::WriteTestFile(dir + "/b.pb", "");
  testing::WriteTestFile(dir + "/a.txtpb", "");
  testing::WriteTestFile(dir + "/notes.md", "");
  EXPECT_THAT(*ListCorpus(dir), ElementsAre(dir + "/a.txtpb", dir + "/b.pb"));
  EXPECT_EQ(ListCorpus(dir + "/missing").status().code(), absl::StatusCode::kNotFound);
  const std::string empty = testing::MakeTempDir();
  EXPECT_EQ(ListCorpus(empty).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BenchCorpusTest, UnreadableProgramIsAnErrorNamingIt) {
  const std::string dir = testing::MakeTempDir();
  testing::WriteTestFile(dir + "/bad.txtpb", "instructions { name: ");
  BenchOptions options;
  options.agents = {"none"};
  absl::StatusOr<BenchResults> r = RunBench({dir + "/bad.txtpb"}, options);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("bad.txtpb"));
  options.agents = {"oracle"};
  EXPECT_EQ(RunBench({dir + "/bad.txtpb"}, options).status().code(), absl::StatusCode::kNotFound);
}

// The smoke corpus, every built-in agent: every assignment validates, nothing beats the lower
// bound, `none` scores exactly all-slow, and the outputs do not depend on --jobs.
TEST(BenchSmokeTest, EveryAgentValidAndOutputsIndependentOfJobs) {
  const std::vector<std::string> paths = *ListCorpus(testing::SourcePath("data/corpus/smoke"));
  BenchOptions options;
  options.agents = {"none", "greedy", "heuristic-game", "random"};
  options.agent.seed = 3;
  const BenchResults one = *RunBench(paths, options);
  options.jobs = 3;
  const BenchResults three = *RunBench(paths, options);
  EXPECT_THAT(one.agents, ElementsAre("heuristic", "none", "greedy", "heuristic-game", "random"));
  EXPECT_THAT(InvalidOutcomes(one), IsEmpty());
  for (const ProgramOutcome& p : one.programs) {
    for (const AgentOutcome& o : p.agents) {
      EXPECT_GE(o.latency_s, p.bounds.lower_bound_s * (1 - 1e-12)) << p.file << " " << o.agent;
    }
    EXPECT_EQ(p.Find("none")->latency_s, p.bounds.all_slow_s) << p.file;
    EXPECT_EQ(*p.Find("heuristic")->speedup_percent, 0) << p.file;
  }
  const BenchReportOptions report{.timings = false, .corpus = "smoke"};
  EXPECT_EQ(BenchMarkdown(one, report), BenchMarkdown(three, report));
  EXPECT_EQ(BenchCsv(one, report), BenchCsv(three, report));
  EXPECT_EQ(BenchJson(one, report), BenchJson(three, report));
  EXPECT_EQ(SpeedupSvg(one), SpeedupSvg(three));
  EXPECT_EQ(RewardGainSvg(one), RewardGainSvg(three));
  // One CSV line per program and agent, after the header.
  const std::string csv = BenchCsv(one, report);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 5 * static_cast<int>(paths.size()));
}

// The CI gate's comparison against the committed baseline: it passes with XLA's defaults and
// fails once a heuristic option changes (what tools/ci_gate.sh would catch).
TEST(BenchSmokeTest, CommittedBaselineMatchesAndCatchesAChangedHeuristicOption) {
  const std::string path = testing::SourcePath("data/baselines/heuristic-smoke.csv");
  const std::vector<BaselineEntry> baseline = *ParseBaseline(*ReadFile(path), path);
  const std::vector<std::string> paths = *ListCorpus(testing::SourcePath("data/corpus/smoke"));
  BenchOptions options;
  options.jobs = 2;
  EXPECT_THAT(CompareWithBaseline(*RunBench(paths, options), baseline), IsEmpty())
      << "the heuristic's behaviour changed: if on purpose, run tools/ci_gate.sh --update";
  options.agent.heuristic.prefetch.preferred_overlap_to_async_copy_ratio = 4;
  const std::vector<std::string> moved = CompareWithBaseline(*RunBench(paths, options), baseline);
  EXPECT_THAT(moved, Not(IsEmpty()));
  for (const std::string& line : moved) EXPECT_THAT(line, HasSubstr("heuristic latency moved"));
}

// A sweep of budgets: each agent that takes a time limit gets a column per budget (ascending,
// each once), the others run once; the gain per budget is summarised and plotted. Tiny budgets:
// only that the runs stop and the columns are right is checked, never their timing.
TEST(BenchBudgetTest, SweepRunsSearchAgentsPerBudgetAndTheOthersOnce) {
  std::vector<std::string> paths = *ListCorpus(testing::SourcePath("data/corpus/smoke"));
  paths.resize(2);
  BenchOptions options;
  options.agents = {"greedy", "heuristic-tuned"};
  options.budgets = {0.02, 0.01, 0.02};
  options.jobs = 2;
  const BenchResults r = *RunBench(paths, options);
  EXPECT_THAT(r.agents,
              ElementsAre("heuristic", "greedy", "heuristic-tuned@0.01s", "heuristic-tuned@0.02s"));
  EXPECT_THAT(r.budgets, ElementsAre(0.01, 0.02));
  EXPECT_THAT(r.time_limited, ElementsAre("heuristic-tuned"));
  EXPECT_THAT(InvalidOutcomes(r), IsEmpty());
  // Never-worse is the agent's promise, whatever its budget.
  EXPECT_THAT(NeverWorseViolations(r), IsEmpty());
  for (const ProgramOutcome& p : r.programs) {
    EXPECT_EQ(p.Find("greedy")->time_limit_s, 0);
    const AgentOutcome* tuned = p.Find("heuristic-tuned@0.02s");
    ASSERT_NE(tuned, nullptr);
    EXPECT_EQ(tuned->agent_name, "heuristic-tuned");
    EXPECT_EQ(tuned->time_limit_s, 0.02);
    EXPECT_GE(*tuned->speedup_percent, 0) << p.file;
  }
  ASSERT_THAT(r.budget_summaries, SizeIs(2));
  EXPECT_EQ(r.budget_summaries[1].agent, "heuristic-tuned");
  EXPECT_EQ(r.budget_summaries[1].budget_s, 0.02);
  EXPECT_EQ(r.budget_summaries[1].summary.compared, 2);
  const BenchReportOptions report{.timings = true, .corpus = "smoke"};
  const std::string md = BenchMarkdown(r, report);
  EXPECT_THAT(md, HasSubstr("Budgets: heuristic-tuned ran at each of 0.01 s, 0.02 s per program"));
  EXPECT_THAT(md, HasSubstr("## Mean gain over the heuristic per budget"));
  EXPECT_THAT(md, HasSubstr("| agent | 0.01 s | 0.02 s |"));
  EXPECT_THAT(md, HasSubstr("## Solve time against the budget"));
  EXPECT_THAT(md, HasSubstr("| heuristic-tuned@0.01s | 0.01 | "));
  EXPECT_THAT(BenchCsv(r, report), HasSubstr(",heuristic-tuned@0.02s,1,1,"));
  const std::string budget_csv = GainBudgetCsv(r, report);
  EXPECT_EQ(std::count(budget_csv.begin(), budget_csv.end(), '\n'), 3);
  EXPECT_THAT(budget_csv, HasSubstr("\nheuristic-tuned,0.01,2,0,2,"));
  EXPECT_THAT(BenchJson(r, report), HasSubstr("\"budgets\":[0.01,0.02],\"budget_summary\":[{"));
  absl::StatusOr<std::map<std::string, int>> svg = testing::XmlElementCounts(GainBudgetSvg(r));
  ASSERT_TRUE(svg.ok()) << svg.status();
  EXPECT_EQ((*svg)["polyline"], 1);
}

// The budget sentence without a sweep: one time limit for every agent that takes one.
TEST(BenchBudgetTest, TimeLimitAppliesToSearchAgentsOnly) {
  std::vector<std::string> paths = *ListCorpus(testing::SourcePath("data/corpus/smoke"));
  paths.resize(1);
  BenchOptions options;
  options.agents = {"greedy", "heuristic-tuned"};
  options.agent.time_limit_s = 0.01;
  const BenchResults r = *RunBench(paths, options);
  EXPECT_THAT(r.agents, ElementsAre("heuristic", "greedy", "heuristic-tuned"));
  EXPECT_EQ(r.programs[0].Find("heuristic-tuned")->time_limit_s, 0.01);
  EXPECT_EQ(r.programs[0].Find("heuristic")->time_limit_s, 0);
  const std::string md = BenchMarkdown(r, {.timings = false, .corpus = "smoke"});
  EXPECT_THAT(md, HasSubstr("Budget: heuristic-tuned at a time limit of 0.01 s per program"));
  EXPECT_THAT(md, Not(HasSubstr("## Solve time")));
  options.agent.time_limit_s = 0;
  EXPECT_THAT(BenchMarkdown(*RunBench(paths, options), {.timings = false}),
              HasSubstr("Budget: no time limit; heuristic-tuned ran with step budgets only"));
}

TEST(BenchBudgetTest, RejectsBadBudgets) {
  const std::vector<std::string> paths = {testing::SourcePath("data/examples/mlp_inference.txtpb")};
  BenchOptions options;
  options.agents = {"heuristic-tuned"};
  for (double bad : {-1.0, 0.0, std::nan(""), HUGE_VAL}) {
    options.budgets = {1, bad};
    EXPECT_EQ(RunBench(paths, options).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  options.budgets = {1};
  options.agent.time_limit_s = 1;
  EXPECT_THAT(RunBench(paths, options).status().message(), HasSubstr("exclude each other"));
  options.agent.time_limit_s = -1;
  options.budgets.clear();
  EXPECT_EQ(RunBench(paths, options).status().code(), absl::StatusCode::kInvalidArgument);
  // Budgets for agents that take none.
  options.agent.time_limit_s = 0;
  options.agents = {"greedy"};
  options.budgets = {1};
  EXPECT_THAT(RunBench(paths, options).status().message(),
              HasSubstr("none of the agents takes a time limit"));
}

// The plot by hand: two agents over three budgets, one polyline with a marker per point each.
TEST(BenchBudgetTest, GainBudgetPlotHasALinePerAgent) {
  BenchResults r;
  r.time_limited = {"a", "b<&>"};
  r.budgets = {1, 10, 60};
  for (const std::string& agent : r.time_limited) {
    for (double budget : r.budgets) {
      AgentSummary summary;
      summary.compared = 3;
      summary.mean_speedup_percent = agent == "a" ? budget / 10 : -budget / 100;
      r.budget_summaries.push_back({agent, budget, summary});
    }
  }
  const std::string text = GainBudgetSvg(r);
  absl::StatusOr<std::map<std::string, int>> svg = testing::XmlElementCounts(text);
  ASSERT_TRUE(svg.ok()) << svg.status() << "\n" << text;
  EXPECT_EQ((*svg)["polyline"], 2);
  EXPECT_EQ((*svg)["circle"], 2 * 3 + 2);  // Markers, then one per legend entry.
  EXPECT_THAT(text, HasSubstr(">60 s</text>"));
  EXPECT_THAT(text, HasSubstr("b&lt;&amp;&gt; at 10 s: -0.100% mean over 3 programs"));
  EXPECT_EQ(text, GainBudgetSvg(r));
  // The checker itself rejects what is not well-formed.
  EXPECT_FALSE(testing::XmlElementCounts("<svg><g></svg></g>").ok());
  EXPECT_FALSE(testing::XmlElementCounts("<svg a=1/>").ok());
  EXPECT_FALSE(testing::XmlElementCounts("<svg>&nbsp;</svg>").ok());
}

}  // namespace
}  // namespace mmap_opt
