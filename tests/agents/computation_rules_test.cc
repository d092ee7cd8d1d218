// The rules HLO puts on copies (sim/placement_semantics.h: a prefetch issued in the
// computation of the use it serves, an eviction in the computation of the definition) on
// random programs whose timelines hold flattened callees: every agent that builds placements
// itself (greedy, the heuristic, the MallocGame played by the heuristic's policy and at
// random) keeps them by construction, so the validator accepts its answer; the game played as
// the heuristic still gives the heuristic's latency wherever it does without the rules; and the
// rules do bind (the heuristic without them breaks them on some of these programs).
#include <cmath>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/sim/simulator.h"
#include "mmap_opt/sim/validator.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::DecimalHardware;
using ::mmap_opt::testing::RandomProgram;

// `program` with its timeline cut into blocks: the entry (0) and, between its stretches, up to
// three callees flattened in (1, 2, 3), as the HLO importer numbers them.
proto::Program WithCallees(proto::Program program, std::mt19937& rng) {
  const int n = program.instructions_size();
  const int callees = 1 + static_cast<int>(rng() % 3);
  int t = 0;
  for (int c = 1; c <= callees && t < n; ++c) {
    t += 1 + static_cast<int>(rng() % (n / 4 + 1));  // Entry stretch.
    const int end = std::min(n, t + 2 + static_cast<int>(rng() % (n / 3 + 1)));
    for (; t < end; ++t) program.mutable_instructions(t)->set_computation(c);
  }
  return program;
}

double Latency(const CostModel& cost, const proto::Assignment& assignment) {
  absl::StatusOr<SimulationResult> result = Simulate(cost, assignment);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? result->latency_s : -1;
}

TEST(ComputationRulesTest, EveryAgentKeepsThemAndTheGameStillPlaysTheHeuristic) {
  std::mt19937 rng(17);
  int binding = 0, matched_without_rules = 0;
  const int trials = 40;
  for (int trial = 0; trial < trials; ++trial) {
    const proto::Program flat = RandomProgram(rng, 20 + static_cast<int>(rng() % 50));
    absl::StatusOr<Program> program = Program::Create(WithCallees(flat, rng));
    absl::StatusOr<Program> unconstrained = Program::Create(flat);
    ASSERT_TRUE(program.ok() && unconstrained.ok()) << program.status();
    proto::Hardware hw = DecimalHardware();
    hw.set_fast_capacity(200 + rng() % 1500);
    hw.set_max_outstanding_prefetches(trial % 3 == 0 ? 1 : -1);
    hw.set_max_outstanding_evictions(trial % 3 == 0 ? 1 : -1);
    absl::StatusOr<CostModel> cost = CostModel::Create(*program, hw);
    absl::StatusOr<CostModel> free_cost = CostModel::Create(*unconstrained, hw);
    ASSERT_TRUE(cost.ok() && free_cost.ok());
    AgentOptions options;
    options.seed = trial;
    double heuristic = 0, heuristic_game = 0;
    absl::StatusOr<AgentRun> free_heuristic = RunAgent("heuristic", *free_cost, options);
    absl::StatusOr<AgentRun> free_game = RunAgent("heuristic-game", *free_cost, options);
    ASSERT_TRUE(free_heuristic.ok() && free_game.ok());
    const double free_latency = Latency(*free_cost, free_heuristic->assignment);
    const bool game_matches_without_rules =
        std::abs(Latency(*free_cost, free_game->assignment) - free_latency) <= 1e-9 * free_latency;
    matched_without_rules += game_matches_without_rules;
    for (const char* agent : {"greedy", "heuristic", "heuristic-game", "random"}) {
      absl::StatusOr<AgentRun> run = RunAgent(agent, *cost, options);
      ASSERT_TRUE(run.ok()) << agent << ": " << run.status();
      absl::Status valid = ValidateAssignment(*program, hw, run->assignment);
      ASSERT_TRUE(valid.ok()) << "trial " << trial << " " << agent << ": " << valid;
      const double latency = Latency(*cost, run->assignment);
      if (std::string(agent) == "heuristic") heuristic = latency;
      if (std::string(agent) == "heuristic-game") heuristic_game = latency;
    }
    if (game_matches_without_rules) {
      EXPECT_NEAR(heuristic_game, heuristic, 1e-9 * heuristic) << "trial " << trial;
    }
    binding += !ValidateAssignment(*program, hw, free_heuristic->assignment).ok();
  }
  // Measured when written: without the rules the game played as the heuristic matches it on 38
  // of the 40 programs (trials 27 and 33 differ by 0.02% and 0.05%: not the rules' doing; 33
  // differs with them too, 27 not), and the heuristic breaks the rules on 23 of them.
  EXPECT_GE(matched_without_rules, trials * 9 / 10);
  EXPECT_GE(binding, trials / 4) << binding << " of " << trials;
}

}  // namespace
}  // namespace mmap_opt
