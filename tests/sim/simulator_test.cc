// Hand-worked simulations on RoundHardware (100 FLOP/s, HBM 10 B/s, fast read 100 B/s, fast
// write 50 B/s, async copies at 5 B/s): hidden and stalling prefetches, evictions, queueing.
#include "mmap_opt/sim/simulator.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/sim/score.h"
#include "sim/round_hardware.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::AssignmentFromText;
using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RoundHardware;

constexpr double kEps = 1e-9;

// t0 "a": `flops` FLOP, reads x (10 B), writes y (10 B).
// t1 "b": no FLOPs, reads w (100 B, an input) and y, writes z (10 B, an output).
Program PrefetchProgram(int flops) {
  return *Program::Create(
      ProgramFromText(absl::StrCat(R"pb(
                                     name: "prefetch"
                                     buffers { id: 1 name: "x" size: 10 }
                                     buffers { id: 2 name: "w" size: 100 }
                                     buffers { id: 3 name: "y" size: 10 }
                                     buffers { id: 4 name: "z" size: 10 is_output: true }
                                     instructions { id: 0 name: "a" flops:)pb",
                                   flops, R"pb(                                                operands: 1 outputs: 3 }
                                                                                               instructions { id: 1 name: "b" operands: [2, 3] outputs: 4 }
  )pb")));
}

// w prefetched at boundary 0 into [1, 1].
const char* kPrefetchW = R"pb(
  program_name: "prefetch"
  placements { buffer_id: 2 offset: 0 start: 1 end: 1 source: PREFETCHED copy_start: 0 }
)pb";

TEST(SimulatorTest, FullyHiddenPrefetch) {
  Program program = PrefetchProgram(2400);
  CostModel model = *CostModel::Create(program, RoundHardware());
  Score score = *ScoreAssignment(model, AssignmentFromText(kPrefetchW));
  // t0: Tc = 2400/100 = 24 s; Tm = (10 + 10)/10 = 2 s; T = 24, HBM idle 22 s, in which the
  //     copy moves 22 x 5 = 110 B >= 100 B: w is in fast memory before t1, no stall.
  // t1: w fast 100/100 = 1 s, y slow 1 s, z slow 1 s: T = 3 s.
  EXPECT_NEAR(score.simulation.instructions[0].cost.elapsed_s, 24, kEps);
  EXPECT_NEAR(score.simulation.instructions[1].cost.elapsed_s, 3, kEps);
  EXPECT_NEAR(score.simulation.stall_s, 0, kEps);
  EXPECT_NEAR(score.simulation.latency_s, 27, kEps);
  EXPECT_EQ(score.simulation.copy_bytes, 100);
  EXPECT_EQ(score.simulation.prefetches, 1);
  // All slow: 24 + (100 + 10 + 10)/10 = 36. Lower bound: t0 max(24, 10/100 + 10/50) = 24,
  // t1 (100 + 10)/100 + 10/50 = 1.3: 25.3. Closed: (36 - 27) / (36 - 25.3) = 9 / 10.7.
  EXPECT_NEAR(score.bounds.all_slow_s, 36, kEps);
  EXPECT_NEAR(score.bounds.lower_bound_s, 25.3, kEps);
  EXPECT_NEAR(score.headroom_closed, 9 / 10.7, kEps);
}

TEST(SimulatorTest, PrefetchThatStalls) {
  Program program = PrefetchProgram(2000);
  CostModel model = *CostModel::Create(program, RoundHardware());
  SimulationResult sim = *Simulate(model, AssignmentFromText(kPrefetchW));
  // t0: T = 20 s, HBM idle 20 - 2 = 18 s: 90 B of w's 100 B move. At boundary 1 the last
  //     10 B take 10/5 = 2 s of stall. t1: 3 s as above. Latency 20 + 2 + 3 = 25 s.
  EXPECT_NEAR(sim.instructions[1].stall_s, 2, kEps);
  EXPECT_NEAR(sim.stall_s, 2, kEps);
  EXPECT_NEAR(sim.latency_s, 25, kEps);
}

TEST(SimulatorTest, PrefetchIssuedAtItsUseIsASynchronousCopy) {
  Program program = PrefetchProgram(2000);
  CostModel model = *CostModel::Create(program, RoundHardware());
  SimulationResult sim = *Simulate(
      model, AssignmentFromText(R"pb(
        placements { buffer_id: 2 offset: 0 start: 1 end: 1 source: PREFETCHED copy_start: 1 }
      )pb"));
  // Nothing overlaps the copy: 100/5 = 20 s of stall before t1; 20 + 20 + 3 = 43 s, worse
  // than all slow (20 + 12 = 32 s): a bad assignment may be slower than no assignment.
  EXPECT_NEAR(sim.stall_s, 20, kEps);
  EXPECT_NEAR(sim.latency_s, 43, kEps);
}

// t0 "p": reads x (10 B), writes y (100 B, an output).
// t1 "q": 3000 FLOP, reads y, writes z (10 B, an output).
Program EvictionProgram() {
  return *Program::Create(ProgramFromText(R"pb(
    name: "evict"
    buffers { id: 1 name: "x" size: 10 }
    buffers { id: 2 name: "y" size: 100 is_output: true }
    buffers { id: 3 name: "z" size: 10 is_output: true }
    instructions { id: 0 name: "p" operands: 1 outputs: 2 }
    instructions { id: 1 name: "q" flops: 3000 operands: 2 outputs: 3 }
  )pb"));
}

TEST(SimulatorTest, EvictionHiddenUnderComputeBoundInstruction) {
  Program program = EvictionProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  SimulationResult sim =
      *Simulate(model, AssignmentFromText(R"pb(
                  placements { buffer_id: 2 offset: 0 start: 0 end: 1 source: PRODUCED }
                )pb"));
  // t0: x slow 10/10 = 1 s, y written fast 100/50 = 2 s: T = 3 s. y is an output, so it is
  //     evicted: issued at boundary 1, due at boundary 2 (the end).
  // t1: Tc = 30 s; y read fast 1 s + z slow 1 s = 2 s; T = 30, HBM idle 29 s moves 145 B
  //     >= 100 B: no stall. Latency 33 s.
  EXPECT_EQ(sim.evictions, 1);
  EXPECT_EQ(sim.eviction_bytes, 100);
  EXPECT_NEAR(sim.instructions[0].cost.elapsed_s, 3, kEps);
  EXPECT_NEAR(sim.instructions[1].cost.elapsed_s, 30, kEps);
  EXPECT_NEAR(sim.stall_s, 0, kEps);
  EXPECT_NEAR(sim.latency_s, 33, kEps);
}

TEST(SimulatorTest, EvictionDueAtOnceStalls) {
  Program program = EvictionProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  SimulationResult sim =
      *Simulate(model, AssignmentFromText(R"pb(
                  placements { buffer_id: 2 offset: 0 start: 0 end: 0 source: PRODUCED }
                )pb"));
  // The placement ends at t0, so the eviction is issued and due at boundary 1: 100/5 = 20 s
  // of stall. t1 then reads y from slow memory: 10 + 1 = 11 s < Tc = 30 s.
  // Latency 3 + 20 + 30 = 53 s.
  EXPECT_NEAR(sim.instructions[1].stall_s, 20, kEps);
  EXPECT_NEAR(sim.latency_s, 53, kEps);
}

TEST(SimulatorTest, EvictionOfTheLastOutputStallsAtTheEnd) {
  Program program = EvictionProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  SimulationResult sim =
      *Simulate(model, AssignmentFromText(R"pb(
                  placements { buffer_id: 3 offset: 0 start: 1 end: 1 source: PRODUCED }
                )pb"));
  // z (10 B) is produced fast at t1, the last instruction: its eviction is issued and due at
  // boundary 2, the end of the program: 10/5 = 2 s of final stall.
  // t0: (10 + 100)/10 = 11 s. t1: y slow 10 s + z fast 10/50 = 0.2 s < Tc: 30 s.
  EXPECT_NEAR(sim.final_stall_s, 2, kEps);
  EXPECT_NEAR(sim.stall_s, 2, kEps);
  EXPECT_NEAR(sim.latency_s, 11 + 30 + 2, kEps);
}

// t0 "a": 1000 FLOP, reads x (10 B), writes y (10 B).
// t1 "b": reads p (30 B) and y.  t2 "c": reads q (30 B).
Program QueueProgram() {
  return *Program::Create(ProgramFromText(R"pb(
    name: "queue"
    buffers { id: 1 name: "x" size: 10 }
    buffers { id: 2 name: "y" size: 10 }
    buffers { id: 3 name: "p" size: 30 }
    buffers { id: 4 name: "q" size: 30 }
    instructions { id: 0 name: "a" flops: 1000 operands: 1 outputs: 2 }
    instructions {
      id: 1
      name: "b"
      operands: [ 3, 2 ]
    }
    instructions { id: 2 name: "c" operands: 4 }
  )pb"));
}

TEST(SimulatorTest, TwoCopiesQueueFirstInFirstOut) {
  Program program = QueueProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  // p then q, both issued at boundary 0.
  SimulationResult sim = *Simulate(
      model, AssignmentFromText(R"pb(
        placements { buffer_id: 3 offset: 0 start: 1 end: 1 source: PREFETCHED copy_start: 0 }
        placements { buffer_id: 4 offset: 100 start: 2 end: 2 source: PREFETCHED copy_start: 0 }
      )pb"));
  // t0: T = 10 s, HBM busy 2 s, idle 8 s: 40 B move: all of p (30 B), 10 B of q.
  // t1: p fast 0.3 s + y slow 1 s: T = 1.3 s, idle 0.3 s: 1.5 B more of q (18.5 B left).
  // Boundary 2: q due, 18.5/5 = 3.7 s of stall. t2: q fast 0.3 s.
  // Latency 10 + 1.3 + 3.7 + 0.3 = 15.3 s.
  EXPECT_NEAR(sim.instructions[1].stall_s, 0, kEps);
  EXPECT_NEAR(sim.instructions[2].stall_s, 3.7, kEps);
  EXPECT_NEAR(sim.latency_s, 15.3, kEps);
}

TEST(SimulatorTest, QueueOrderFollowsPlacementOrderAtOneBoundary) {
  Program program = QueueProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  // q first this time: t0's 40 B finish q and 10 B of p. Boundary 1: p due with 20 B left,
  // 4 s of stall. t1 1.3 s (its idle time has no copy left to move), t2 0.3 s.
  // Latency 10 + 4 + 1.3 + 0.3 = 15.6 s.
  SimulationResult sim = *Simulate(
      model, AssignmentFromText(R"pb(
        placements { buffer_id: 4 offset: 100 start: 2 end: 2 source: PREFETCHED copy_start: 0 }
        placements { buffer_id: 3 offset: 0 start: 1 end: 1 source: PREFETCHED copy_start: 0 }
      )pb"));
  EXPECT_NEAR(sim.instructions[1].stall_s, 4, kEps);
  EXPECT_NEAR(sim.instructions[2].stall_s, 0, kEps);
  EXPECT_NEAR(sim.latency_s, 15.6, kEps);
}

TEST(SimulatorTest, EmptyAssignmentScoresExactlyAllSlow) {
  Program program = QueueProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  Score score = *ScoreAssignment(model, EmptyAssignment(program));
  // 10 + (30 + 10)/10 + 30/10 = 17 s, bit for bit the bound.
  EXPECT_EQ(score.simulation.latency_s, score.bounds.all_slow_s);
  EXPECT_NEAR(score.simulation.latency_s, 17, kEps);
  EXPECT_EQ(score.headroom_closed, 0);
  EXPECT_EQ(score.simulation.copy_bytes, 0);
}

TEST(SimulatorTest, RefusesInvalidAssignment) {
  Program program = QueueProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  absl::StatusOr<SimulationResult> sim = Simulate(
      model, AssignmentFromText(R"pb(
        placements { buffer_id: 3 offset: 5 start: 1 end: 1 source: PREFETCHED copy_start: 0 }
      )pb"));
  ASSERT_FALSE(sim.ok());
  EXPECT_THAT(sim.status().message(), ::testing::HasSubstr("placement 0 (buffer 3 'p')"));
  EXPECT_THAT(sim.status().message(), ::testing::HasSubstr("alignment 10"));
}

}  // namespace
}  // namespace mmap_opt
