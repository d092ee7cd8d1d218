// The plan repair (src/exact/plan_repair.h): a worked FIFO example, and on random programs a
// valid assignment never slower than the one it started from.
#include "exact/plan_repair.h"

#include <random>

#include "gtest/gtest.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/sim/simulator.h"
#include "exact_test_util.h"
#include "test_util.h"

namespace mmap_opt::exact {
namespace {

using ::mmap_opt::testing::AssignmentFromText;
using ::mmap_opt::testing::DecimalHardware;
using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RandomProgram;

constexpr auto kNoDeadline = std::chrono::steady_clock::time_point::max();

// Decimal hardware: HBM and copies 100 B/s, fast memory 1000 B/s. t0 computes for 1 s (1000
// flops), t1 reads input a, t2 reads input b (100 B each). Both prefetches are issued at
// boundary 0, b's listed first, so the FIFO moves b's 100 B in t0's idle second and at
// boundary 1 stalls 1 s for a's: 1 + 1 + 0.1 + 0.1 = 2.2 s. Earliest deadline first (a's
// copy first): a is ready at boundary 1, b's copy gets t1's idle 0.1 s (10 B) and stalls 0.9 s
// for the rest at boundary 2: 1 + 0.1 + 0.9 + 0.1 = 2.1 s, which no single move improves on
// (dropping either prefetch also gives 2.1 s, not less).
TEST(PlanRepairTest, OrdersCopiesIssuedTogetherByDeadline) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    name: "fifo"
    buffers { id: 1 name: "a" size: 100 }
    buffers { id: 2 name: "b" size: 100 }
    instructions { id: 0 name: "compute" flops: 1000 }
    instructions { id: 1 name: "read_a" operands: 1 }
    instructions { id: 2 name: "read_b" operands: 2 }
  )pb"));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  const proto::Assignment plan = AssignmentFromText(R"pb(
    placements { buffer_id: 2 offset: 100 start: 0 end: 2 copy_start: 0 source: PREFETCHED }
    placements { buffer_id: 1 offset: 0 start: 0 end: 1 copy_start: 0 source: PREFETCHED }
  )pb");
  const SimulationResult before = *Simulate(cost, plan);
  EXPECT_NEAR(before.latency_s, 2.2, 1e-9);
  RepairStats stats;
  const proto::Assignment repaired =
      RepairPlan(cost, plan, before.latency_s, kNoDeadline, &stats);
  const absl::StatusOr<SimulationResult> after = Simulate(cost, repaired);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NEAR(after->latency_s, 2.1, 1e-9);
  EXPECT_EQ(stats.improvements, 1);
  ASSERT_EQ(repaired.placements_size(), 2);
  EXPECT_EQ(repaired.placements(0).buffer_id(), 1);  // a's copy, due first, now goes first.
}

// Decimal hardware as above. t0 computes for 1 s; t1 reads input a and writes c (100 B
// each); t2 reads c. All slow: 1 + 2 + 1 = 4 s. The repair adds placements where uses read
// slow memory: a prefetch of a issued at boundary 0 (its 100 B move in t0's idle second, so
// t1 reads a in 0.1 s), then c PRODUCED through its use at t2 (ending it at t1 would need an
// eviction due at boundary 2: a 1 s stall). 1 + 0.2 + 0.1 = 1.3 s, the infinitely-fast bound.
TEST(PlanRepairTest, AddsPlacementsForUsesThatReadSlowMemory) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    name: "add"
    buffers { id: 1 name: "a" size: 100 }
    buffers { id: 2 name: "c" size: 100 }
    instructions { id: 0 name: "compute" flops: 1000 }
    instructions { id: 1 name: "make" operands: 1 outputs: 2 }
    instructions { id: 2 name: "use" operands: 2 }
  )pb"));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  const proto::Assignment empty;
  EXPECT_NEAR(Simulate(cost, empty)->latency_s, 4.0, 1e-9);
  const proto::Assignment repaired = RepairPlan(cost, empty, 4.0, kNoDeadline);
  const absl::StatusOr<SimulationResult> after = Simulate(cost, repaired);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NEAR(after->latency_s, 1.3, 1e-9);
  ASSERT_EQ(repaired.placements_size(), 2);
  const proto::Placement& a = repaired.placements(0);
  EXPECT_EQ(a.buffer_id(), 1);
  EXPECT_EQ(a.source(), proto::Placement::PREFETCHED);
  EXPECT_EQ(a.copy_start(), 0);
  EXPECT_EQ(a.end(), 1);
  const proto::Placement& c = repaired.placements(1);
  EXPECT_EQ(c.buffer_id(), 2);
  EXPECT_EQ(c.source(), proto::Placement::PRODUCED);
  EXPECT_EQ(c.start(), 1);
  EXPECT_EQ(c.end(), 2);
}

// Decimal hardware as above. t0 computes for 1 s and writes z (100 B, PRODUCED at offset 0
// through its read at t1); t2 and t3 read input a, prefetched at offset 0 with its copy issued
// at boundary 2: a 1 s stall there, 1 + 0.1 + 1 + 0.1 + 0.1 = 2.3 s. Dropping it costs two
// slow reads (3.1 s). An earlier copy start overlaps z at offset 0, so the move takes the
// lowest free offset (100): issued at boundary 0, the copy moves in t0's idle second and
// nothing stalls, 1 + 0.1 + 0.1 + 0.1 = 1.3 s, the infinitely-fast bound.
TEST(PlanRepairTest, MovesAnEarlierCopyStartToAFreeOffset) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    name: "offset"
    buffers { id: 1 name: "a" size: 100 }
    buffers { id: 2 name: "z" size: 100 }
    instructions { id: 0 name: "compute" flops: 1000 outputs: 2 }
    instructions { id: 1 name: "read_z" operands: 2 }
    instructions { id: 2 name: "read_a" operands: 1 }
    instructions { id: 3 name: "read_a_again" operands: 1 }
  )pb"));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  const proto::Assignment plan = AssignmentFromText(R"pb(
    placements { buffer_id: 2 offset: 0 start: 0 end: 1 source: PRODUCED }
    placements { buffer_id: 1 offset: 0 start: 2 end: 3 copy_start: 2 source: PREFETCHED }
  )pb");
  const SimulationResult before = *Simulate(cost, plan);
  EXPECT_NEAR(before.latency_s, 2.3, 1e-9);
  const proto::Assignment repaired = RepairPlan(cost, plan, before.latency_s, kNoDeadline);
  const absl::StatusOr<SimulationResult> after = Simulate(cost, repaired);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NEAR(after->latency_s, 1.3, 1e-9);
  ASSERT_EQ(repaired.placements_size(), 2);
  const proto::Placement& a = repaired.placements(1);
  EXPECT_EQ(a.buffer_id(), 1);
  EXPECT_EQ(a.copy_start(), 0);
  EXPECT_EQ(a.offset(), 100);
}

// The heuristic's assignment and random valid ones (copy starts no agent picks) on random
// programs and hardware: the repair returns a valid assignment at most as slow, the same one
// twice (deterministic without a deadline), and improves some.
TEST(PlanRepairTest, NeverSlowerAndValidOnRandomPrograms) {
  std::mt19937 rng(19);
  int improved = 0, runs = 0;
  for (int trial = 0; trial < 24; ++trial) {
    Program program = *Program::Create(RandomProgram(rng, 6 + trial % 10));
    const proto::Hardware hw = RandomSmallHardware(rng, trial);
    CostModel cost = *CostModel::Create(program, hw);
    std::vector<proto::Assignment> plans = {RandomValidAssignment(program, hw, rng),
                                            RandomValidAssignment(program, hw, rng)};
    absl::StatusOr<AgentRun> heuristic = RunAgent("heuristic", cost, AgentOptions{});
    ASSERT_TRUE(heuristic.ok()) << heuristic.status();
    plans.push_back(heuristic->assignment);
    for (const proto::Assignment& plan : plans) {
      const absl::StatusOr<SimulationResult> before = Simulate(cost, plan);
      ASSERT_TRUE(before.ok()) << "trial " << trial << ": " << before.status();
      const proto::Assignment repaired = RepairPlan(cost, plan, before->latency_s, kNoDeadline);
      const absl::StatusOr<SimulationResult> after = Simulate(cost, repaired);
      ASSERT_TRUE(after.ok()) << "trial " << trial << ": " << after.status();
      EXPECT_LE(after->latency_s, before->latency_s) << "trial " << trial;
      EXPECT_EQ(RepairPlan(cost, plan, before->latency_s, kNoDeadline).SerializeAsString(),
                repaired.SerializeAsString());
      improved += after->latency_s < before->latency_s;
      ++runs;
    }
  }
  std::cout << "repair improved " << improved << " of " << runs << " assignments\n";
  EXPECT_GT(improved, runs / 4);
}

// The iterated local search from the repaired heuristic's assignment on random programs: a
// valid assignment at most as slow, the same one for a seed (no deadline, 20 tries), and
// faster than the repair alone on some.
TEST(PlanRepairTest, PerturbAndRepairNeverSlowerAndDeterministic) {
  std::mt19937 rng(23);
  int improved = 0;
  for (int trial = 0; trial < 16; ++trial) {
    Program program = *Program::Create(RandomProgram(rng, 6 + trial % 10));
    const proto::Hardware hw = RandomSmallHardware(rng, trial);
    CostModel cost = *CostModel::Create(program, hw);
    absl::StatusOr<AgentRun> heuristic = RunAgent("heuristic", cost, AgentOptions{});
    ASSERT_TRUE(heuristic.ok()) << heuristic.status();
    const proto::Assignment start = RepairPlan(
        cost, heuristic->assignment, Simulate(cost, heuristic->assignment)->latency_s, kNoDeadline);
    const double before = Simulate(cost, start)->latency_s;
    const proto::Assignment searched =
        PerturbAndRepair(cost, start, before, /*seed=*/trial, /*max_tries=*/20, kNoDeadline);
    const absl::StatusOr<SimulationResult> after = Simulate(cost, searched);
    ASSERT_TRUE(after.ok()) << "trial " << trial << ": " << after.status();
    EXPECT_LE(after->latency_s, before) << "trial " << trial;
    EXPECT_EQ(PerturbAndRepair(cost, start, before, trial, 20, kNoDeadline).SerializeAsString(),
              searched.SerializeAsString());
    improved += after->latency_s < before * (1 - 1e-9);
    // A plan already at a proved bound (here: told that the start is one) is not searched.
    RepairStats stats;
    EXPECT_EQ(PerturbAndRepair(cost, start, before, trial, 20, kNoDeadline, &stats, before)
                  .SerializeAsString(),
              start.SerializeAsString());
    EXPECT_EQ(stats.simulations, 0);
    // Told the searched plan's latency, the search stops at the first plan that reaches it:
    // the same plan, found in no more simulations.
    RepairStats full, stopped;
    PerturbAndRepair(cost, start, before, trial, 20, kNoDeadline, &full);
    EXPECT_EQ(PerturbAndRepair(cost, start, before, trial, 20, kNoDeadline, &stopped,
                               after->latency_s)
                  .SerializeAsString(),
              searched.SerializeAsString());
    EXPECT_LE(stopped.simulations, full.simulations);
  }
  std::cout << "the search improved " << improved << " of 16 repaired assignments\n";
  EXPECT_GT(improved, 0);
}

}  // namespace
}  // namespace mmap_opt::exact
