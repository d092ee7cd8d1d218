// heuristic-tuned (RunTunedHeuristic): the knob grid, the local search over the buffer order,
// and the promises that make it safe to use: never slower than the heuristic, valid,
// deterministic for a seed.
#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/game/malloc_game.h"
#include "mmap_opt/sim/score.h"
#include "sim/round_hardware.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RandomProgram;
using ::mmap_opt::testing::RoundHardware;
using ::testing::HasSubstr;

// RoundHardware: HBM 10 B/s, fast reads 100 B/s, fast writes 50 B/s, 1000 B of fast memory,
// no FLOPs. t0 makes a (1000 B), b and c (500 B each); t1 reads 600 B of a and all of b and c.
// Only a, or b and c, fit in fast memory.
//   All slow: t0 writes 2000 B: 200 s; t1 reads 1600 B: 160 s. 360 s.
//   a fast: t0 1000/50 + 1000/10 = 120 s; t1 600/100 + 1000/10 = 106 s. 226 s.
//   b, c fast: t0 the same 120 s; t1 1000/100 + 600/10 = 70 s. 190 s.
// XLA's order is by memory boundedness, summed benefit / sqrt(size): a (200 - 120) + (160 -
// 106) = 134 over sqrt(1000): 4.24; b (200 - 160) + (160 - 115) = 85 over sqrt(500): 3.80. So
// the heuristic places a first, fills fast memory and ends at 226 s; putting b and c first
// gives 190 s, 18.95% faster.
Program OrderTrap() {
  return *Program::Create(ProgramFromText(R"pb(
    name: "order-trap"
    buffers { id: 1 name: "a" size: 1000 }
    buffers { id: 2 name: "b" size: 500 }
    buffers { id: 3 name: "c" size: 500 }
    instructions {
      id: 0
      name: "make"
      outputs: [ 1, 2, 3 ]
    }
    instructions {
      id: 1
      name: "use"
      operands: [ 1, 2, 3 ]
      operand_bytes: [ 600, 500, 500 ]
    }
  )pb"));
}

double Latency(const CostModel& cost, const proto::Assignment& assignment) {
  absl::StatusOr<Score> score = ScoreAssignment(cost, assignment);
  EXPECT_TRUE(score.ok()) << score.status();
  return score.ok() ? score->simulation.latency_s : -1;
}

TEST(TunedHeuristicTest, FindsTheBufferOrderTheHeuristicMisses) {
  Program program = OrderTrap();
  CostModel cost = *CostModel::Create(program, RoundHardware());
  EXPECT_NEAR(cost.AllSlowLatency(), 360, 1e-9);
  EXPECT_NEAR(Latency(cost, *RunMsaHeuristic(cost)), 226, 1e-9);
  // The knobs are about copy timing: no help here.
  HeuristicTuning knobs_only;
  knobs_only.order_steps = 0;
  absl::StatusOr<TunedHeuristic> knobs = RunTunedHeuristic(cost, {}, knobs_only);
  ASSERT_TRUE(knobs.ok()) << knobs.status();
  EXPECT_NEAR(knobs->latency_s, 226, 1e-9);
  EXPECT_EQ(knobs->runs, 97);
  // The order search finds b and c.
  absl::StatusOr<TunedHeuristic> tuned = RunTunedHeuristic(cost);
  ASSERT_TRUE(tuned.ok()) << tuned.status();
  EXPECT_NEAR(tuned->base_latency_s, 226, 1e-9);
  EXPECT_NEAR(tuned->latency_s, 190, 1e-9);
  EXPECT_NEAR(Latency(cost, tuned->assignment), 190, 1e-9);
  EXPECT_EQ(tuned->runs, 97 + 400);
  EXPECT_GE(tuned->order_steps_kept, 1);
  // Its priority puts b or c before a, and the heuristic given that priority reproduces it.
  ASSERT_EQ(tuned->options.priority.size(), 3u);
  EXPECT_GT(std::max(tuned->options.priority[1], tuned->options.priority[2]),
            tuned->options.priority[0]);
  EXPECT_NEAR(Latency(cost, *RunMsaHeuristic(cost, tuned->options)), 190, 1e-9);
  // The MallocGame takes the same order: its first segment is b's or c's.
  GameOptions game;
  game.priority = tuned->options.priority;
  absl::StatusOr<MallocGame> played = MallocGame::Create(cost, game);
  ASSERT_TRUE(played.ok()) << played.status();
  EXPECT_NE(played->segment().buffer, 0);
}

TEST(TunedHeuristicTest, GridVariesOnlyTheTimingKnobs) {
  HeuristicOptions base;
  base.max_repacks = 7;
  base.inefficient_use_to_copy_ratio = 0.5;
  const std::vector<HeuristicOptions> grid = HeuristicTuningGrid(base);
  ASSERT_EQ(grid.size(), 96u);
  std::set<std::tuple<double, double, double, int>> distinct;
  for (const HeuristicOptions& o : grid) {
    distinct.insert({o.prefetch.preferred_overlap_to_async_copy_ratio,
                     o.prefetch.min_overlap_to_async_copy_ratio,
                     o.prefetch.max_overlap_to_mem_size_async_copy_ratio, o.max_retries});
    EXPECT_EQ(o.max_repacks, 7);
    EXPECT_EQ(o.inefficient_use_to_copy_ratio, 0.5);
    EXPECT_LE(o.prefetch.min_overlap_to_async_copy_ratio,
              o.prefetch.preferred_overlap_to_async_copy_ratio);
  }
  EXPECT_EQ(distinct.size(), 96u);
}

// On random programs: valid, never slower than the heuristic, the reported latency is the
// assignment's, the same seed gives the same assignment.
TEST(TunedHeuristicTest, NeverSlowerValidAndDeterministic) {
  HeuristicTuning tuning;
  tuning.order_steps = 30;
  int faster = 0;
  for (int seed = 0; seed < 25; ++seed) {
    std::mt19937 rng(500 + seed);
    Program program = *Program::Create(RandomProgram(rng, 30));
    CostModel cost = *CostModel::Create(program, RoundHardware());
    tuning.seed = seed;
    absl::StatusOr<TunedHeuristic> tuned = RunTunedHeuristic(cost, {}, tuning);
    ASSERT_TRUE(tuned.ok()) << tuned.status();
    const double heuristic = Latency(cost, *RunMsaHeuristic(cost));
    EXPECT_DOUBLE_EQ(tuned->base_latency_s, heuristic) << "seed " << seed;
    EXPECT_LE(tuned->latency_s, heuristic) << "seed " << seed;
    EXPECT_LE(tuned->latency_s, tuned->knobs_latency_s) << "seed " << seed;
    EXPECT_DOUBLE_EQ(Latency(cost, tuned->assignment), tuned->latency_s) << "seed " << seed;
    EXPECT_GE(tuned->latency_s, cost.CapacityBoundLatency() * (1 - 1e-9)) << "seed " << seed;
    absl::StatusOr<TunedHeuristic> again = RunTunedHeuristic(cost, {}, tuning);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->assignment.SerializeAsString(), tuned->assignment.SerializeAsString())
        << "seed " << seed;
    faster += tuned->latency_s < heuristic * (1 - 1e-9);
  }
  EXPECT_GT(faster, 0);
}

TEST(TunedHeuristicTest, PriorityListMustCoverEveryBuffer) {
  Program program = OrderTrap();
  CostModel cost = *CostModel::Create(program, RoundHardware());
  HeuristicOptions options;
  options.priority = {1.0, 2.0};
  absl::StatusOr<proto::Assignment> run = RunMsaHeuristic(cost, options);
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(run.status().message(), HasSubstr("one entry per buffer (3), not 2"));
  GameOptions game;
  game.priority = {1.0};
  EXPECT_EQ(MallocGame::Create(cost, game).status().code(), absl::StatusCode::kInvalidArgument);
  // XLA's own keys as the priority: exactly XLA's answer.
  options.priority = cost.MemoryBoundedness();
  EXPECT_EQ(RunMsaHeuristic(cost, options)->SerializeAsString(),
            RunMsaHeuristic(cost)->SerializeAsString());
}

TEST(TunedHeuristicTest, RejectsBadTuning) {
  Program program = OrderTrap();
  CostModel cost = *CostModel::Create(program, RoundHardware());
  for (HeuristicTuning bad :
       {HeuristicTuning{.order_steps = -1}, HeuristicTuning{.order_noise = -1},
        HeuristicTuning{.order_fraction = 1.5}}) {
    EXPECT_EQ(RunTunedHeuristic(cost, {}, bad).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(TunedHeuristicTest, AgentReportsWhatItTuned) {
  Program program = OrderTrap();
  CostModel cost = *CostModel::Create(program, RoundHardware());
  absl::StatusOr<AgentRun> run = RunAgent("heuristic-tuned", cost, {});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_NEAR(Latency(cost, run->assignment), 190, 1e-9);
  EXPECT_EQ(run->assignment.agent(), "heuristic-tuned");
  EXPECT_THAT(run->summary, HasSubstr("tuned in 497 heuristic runs"));
  EXPECT_THAT(run->summary, HasSubstr("+18.95% against the heuristic"));
}

// A time limit is for users and depends on the machine, so these tests check only that a run
// with one stops and keeps the promises; the step count stays the budget of the tests above.
TEST(TunedHeuristicTest, TinyTimeLimitStillValidAndNeverSlower) {
  for (int seed = 0; seed < 10; ++seed) {
    std::mt19937 rng(700 + seed);
    Program program = *Program::Create(RandomProgram(rng, 40));
    CostModel cost = *CostModel::Create(program, RoundHardware());
    HeuristicTuning tuning;
    tuning.seed = seed;
    tuning.time_limit_s = 1e-9;  // Spent before the second run: the heuristic alone.
    absl::StatusOr<TunedHeuristic> tuned = RunTunedHeuristic(cost, {}, tuning);
    ASSERT_TRUE(tuned.ok()) << tuned.status();
    const double heuristic = Latency(cost, *RunMsaHeuristic(cost));
    EXPECT_GE(tuned->runs, 1);
    EXPECT_DOUBLE_EQ(tuned->base_latency_s, heuristic) << "seed " << seed;
    EXPECT_LE(tuned->latency_s, heuristic) << "seed " << seed;
    EXPECT_DOUBLE_EQ(Latency(cost, tuned->assignment), tuned->latency_s) << "seed " << seed;
    EXPECT_EQ(tuned->time_limit_s, 1e-9);
  }
}

// order_steps 0 would end after the grid; with a time limit the order search runs until the
// clock stops it, and the run returns.
TEST(TunedHeuristicTest, TimeLimitReplacesTheStepCountAndStops) {
  Program program = OrderTrap();
  CostModel cost = *CostModel::Create(program, RoundHardware());
  HeuristicTuning tuning;
  tuning.order_steps = 0;
  tuning.time_limit_s = 0.2;
  absl::StatusOr<TunedHeuristic> tuned = RunTunedHeuristic(cost, {}, tuning);
  ASSERT_TRUE(tuned.ok()) << tuned.status();
  EXPECT_LE(tuned->latency_s, 226 + 1e-9);
  EXPECT_GE(tuned->latency_s, 190 - 1e-9);
  EXPECT_DOUBLE_EQ(Latency(cost, tuned->assignment), tuned->latency_s);
  // Every run is counted: the heuristic, the grid (all of it unless the clock cut it short,
  // and then no order step), the order steps.
  if (tuned->grid_complete) {
    EXPECT_EQ(tuned->runs, 97 + tuned->order_steps_run);
  } else {
    EXPECT_EQ(tuned->order_steps_run, 0);
  }
  EXPECT_THAT(TunedHeuristicSummary(*tuned), HasSubstr("; time limit 0.2 s: "));
  for (double bad :
       {-1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    tuning.time_limit_s = bad;
    EXPECT_EQ(RunTunedHeuristic(cost, {}, tuning).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

// The clock only decides how far the seeded search goes: a time-limited run that made k order
// steps gives exactly the step-count run with order_steps = k (so with time to spare it is at
// least as fast as the default 400 steps). Checked for whatever k the machine reached.
TEST(TunedHeuristicTest, TimeLimitedRunFollowsTheSeededTrajectory) {
  for (int seed = 0; seed < 3; ++seed) {
    std::mt19937 rng(900 + seed);
    Program program = *Program::Create(RandomProgram(rng, 30));
    CostModel cost = *CostModel::Create(program, RoundHardware());
    HeuristicTuning timed;
    timed.seed = seed;
    timed.time_limit_s = 0.05;
    absl::StatusOr<TunedHeuristic> clocked = RunTunedHeuristic(cost, {}, timed);
    ASSERT_TRUE(clocked.ok()) << clocked.status();
    if (!clocked->grid_complete) continue;  // A very slow machine: nothing to compare.
    HeuristicTuning stepped;
    stepped.seed = seed;
    stepped.order_steps = clocked->order_steps_run;
    absl::StatusOr<TunedHeuristic> counted = RunTunedHeuristic(cost, {}, stepped);
    ASSERT_TRUE(counted.ok()) << counted.status();
    EXPECT_EQ(clocked->runs, counted->runs) << "seed " << seed;
    EXPECT_EQ(clocked->order_steps_kept, counted->order_steps_kept) << "seed " << seed;
    EXPECT_EQ(clocked->latency_s, counted->latency_s) << "seed " << seed;
    EXPECT_EQ(clocked->assignment.SerializeAsString(), counted->assignment.SerializeAsString())
        << "seed " << seed;
  }
}

TEST(TunedHeuristicTest, OnlySearchAgentsTakeATimeLimit) {
  EXPECT_TRUE(TakesTimeLimit("heuristic-tuned"));
  for (const char* agent : {"none", "greedy", "heuristic", "heuristic-game", "random", "oracle"}) {
    EXPECT_FALSE(TakesTimeLimit(agent)) << agent;
  }
  const std::vector<std::string> timed = TimeLimitedAgentNames();
  EXPECT_NE(std::find(timed.begin(), timed.end(), "heuristic-tuned"), timed.end());
  // Through the registry the agent's time limit reaches the tuning.
  Program program = OrderTrap();
  CostModel cost = *CostModel::Create(program, RoundHardware());
  AgentOptions options;
  options.time_limit_s = 0.05;
  absl::StatusOr<AgentRun> run = RunAgent("heuristic-tuned", cost, options);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_THAT(run->summary, HasSubstr("; time limit 0.05 s: "));
}

}  // namespace
}  // namespace mmap_opt
