// `bench` with the exact agent: --exact-time-limit gives it its own limit (the other search
// agents keep their step budgets), and its bound and summary reach the tables and the JSON.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/bench.h"
#include "mmap_opt/agents/bench_report.h"
#include "mmap_opt/exact/exact_solver.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ExactBenchTest, OwnTimeLimitAndTheBoundInEveryOutput) {
  if (!ExactSolverAvailable()) GTEST_SKIP() << "built without CBC (coinor-libcbc-dev)";
  RegisterExactAgent();
  const std::vector<std::string> paths = {testing::SourcePath("data/examples/mlp_inference.txtpb")};
  BenchOptions options;
  options.agents = {"heuristic-tuned", "exact"};
  options.agent.tuning.order_steps = 5;
  options.exact_time_limit_s = 2;
  const BenchResults r = *RunBench(paths, options);
  EXPECT_THAT(r.agents, ElementsAre("heuristic", "heuristic-tuned", "exact"));
  const ProgramOutcome& p = r.programs[0];
  EXPECT_EQ(p.Find("exact")->time_limit_s, 2);
  EXPECT_EQ(p.Find("heuristic-tuned")->time_limit_s, 0);
  ASSERT_TRUE(p.Find("exact")->valid()) << p.Find("exact")->error;
  ASSERT_TRUE(p.Find("exact")->proven_bound_s.has_value());
  // The bound holds for every agent, and the exact agent's summary names it.
  for (const AgentOutcome& o : p.agents) EXPECT_GE(o.latency_s, *p.BestProvenBound()) << o.agent;
  EXPECT_THAT(p.Find("exact")->note, HasSubstr("MIP bound"));
  const BenchReportOptions report{.timings = false};
  EXPECT_THAT(BenchMarkdown(r, report), HasSubstr("## Gap to the best proven bound"));
  const std::string json = BenchJson(r, report);
  EXPECT_THAT(json, HasSubstr("\"proven_bound_s\":"));
  EXPECT_THAT(json, HasSubstr("\"note\":\"MIP bound"));
}

}  // namespace
}  // namespace mmap_opt
