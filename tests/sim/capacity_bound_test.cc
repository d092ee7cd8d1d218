// The capacity bound (CostModel::CapacityBoundLatency) by hand on RoundHardware: HBM 10 B/s, fast reads 100 B/s, fast
// writes 50 B/s, 1000 B of fast memory, copies at 5 B/s (so HBM's rate bounds every byte:
// max(1, 0.5) x 10 = 10 B/s). A read served fast saves 1/10 - 1/100 = 0.09 s per byte, a
// write 1/10 - 1/50 = 0.08 s per byte.
#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/sim/score.h"
#include "sim/round_hardware.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RoundHardware;

// One instruction reading two 600 B inputs and writing a 100 B output. Infinite fast memory:
// 1200/100 + 100/50 = 14 s. But the inputs start in HBM and the output must end there, so
// 1300 B cross HBM whatever the placement: 130 s, the all-slow latency itself.
TEST(CapacityBoundTest, TrafficOfInputsAndOutputsCannotBeAvoided) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    name: "traffic"
    buffers { id: 1 name: "a" size: 600 }
    buffers { id: 2 name: "b" size: 600 }
    buffers { id: 3 name: "c" size: 100 is_output: true }
    instructions { id: 0 name: "add" operands: [ 1, 2 ] outputs: 3 }
  )pb"));
  CostModel model = *CostModel::Create(program, RoundHardware());
  EXPECT_DOUBLE_EQ(model.LowerBoundLatency(), 14);
  EXPECT_DOUBLE_EQ(model.AllSlowLatency(), 130);
  EXPECT_NEAR(model.CapacityBoundLatency(), 130, 1e-9);
}

// Two 600 B temporaries that cannot both be in the 1000 B fast memory.
// t0 writes x and y: all slow 1200/10 = 120 s; the knapsack keeps x whole (48 s saved) and
// 400 of y's 600 B (32 s): 120 - 80 = 40 s.
// t1 reads x and y and writes z (an output): all slow 1200/10 + 100/10 = 130 s; reads save
// more per byte (0.09) than z's write (0.08): x whole (54 s) and 400 B of y (36 s): 40 s.
// Traffic: only z's 100 B (10 s). Bound 80 s; infinite fast memory 24 + 14 = 38 s.
TEST(CapacityBoundTest, BuffersServedTogetherMustFitTogether) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    name: "knapsack"
    buffers { id: 1 name: "x" size: 600 }
    buffers { id: 2 name: "y" size: 600 }
    buffers { id: 3 name: "z" size: 100 is_output: true }
    instructions { id: 0 name: "make" outputs: [ 1, 2 ] }
    instructions { id: 1 name: "use" operands: [ 1, 2 ] outputs: 3 }
  )pb"));
  CostModel model = *CostModel::Create(program, RoundHardware());
  EXPECT_DOUBLE_EQ(model.LowerBoundLatency(), 38);
  EXPECT_NEAR(model.CapacityBoundLatency(), 80, 1e-9);
}

// A compute phase (t0: 500 s, writing the 10 B output s) then three memory-bound steps, each
// reading its own 900 B input and writing a 10 B output. Per instruction: t0 500 s; each t_k
// reads 900 B and writes 10 B (91 s all slow), both fit, saving 81 + 0.8: 9.2 s. Sum 527.6 s,
// which is also the infinite-memory bound. The whole program's traffic (2740 B, 274 s) does
// not bind. But split after t0: the inputs read in [1, 4) could have crossed HBM during t0
// only into fast memory still held at t1, at most 1000 of their 2700 B, so 1700 B + the 30 B
// of the outputs written there (nothing after it) cross inside the window: 173 s against its
// 27.6 s of instructions. Bound 500 + 173 = 673 s (other splits give less: [0,2)+[2,4) gives
// 509.2 + 82).
TEST(CapacityBoundTest, PrefetchesAcrossAWindowEdgeNeedFastMemory) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    name: "windows"
    buffers { id: 1 name: "s" size: 10 is_output: true }
    buffers { id: 2 name: "w1" size: 900 }
    buffers { id: 3 name: "w2" size: 900 }
    buffers { id: 4 name: "w3" size: 900 }
    buffers { id: 5 name: "o1" size: 10 is_output: true }
    buffers { id: 6 name: "o2" size: 10 is_output: true }
    buffers { id: 7 name: "o3" size: 10 is_output: true }
    instructions { id: 0 name: "compute" flops: 50000 outputs: 1 }
    instructions { id: 1 name: "step1" operands: 2 outputs: 5 }
    instructions { id: 2 name: "step2" operands: 3 outputs: 6 }
    instructions { id: 3 name: "step3" operands: 4 outputs: 7 }
  )pb"));
  CostModel model = *CostModel::Create(program, RoundHardware());
  EXPECT_NEAR(model.LowerBoundLatency(), 527.6, 1e-9);
  EXPECT_NEAR(model.CapacityBoundLatency(), 673, 1e-9);
  // The heuristic's answer respects it (prefetching w1 during t0 is the best there is).
  const proto::Assignment heuristic = *RunMsaHeuristic(model);
  const Score score = *ScoreAssignment(model, heuristic);
  EXPECT_GE(score.simulation.latency_s, 673 - 1e-9);
  EXPECT_NEAR(score.bounds.capacity_bound_s, 673, 1e-9);
}

// An output produced by a small write (an in-place update: 8 of its 800 B) and then read
// whole. Produced into fast memory it costs only the 8 B write and an 800 B read at fast
// speed (infinite memory: 8/50 + 800/100 = 8.16 s), but it must then be evicted, 800 B; made
// in slow memory its read takes the 800 B from HBM. Either way 800 B cross HBM: 80 s. (The
// best real answer, slow throughout, takes 0.8 + 80 = 80.8 s.)
TEST(CapacityBoundTest, SmallWritesOfBigOutputsStillMoveTheirData) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    name: "in-place"
    buffers { id: 1 name: "cache" size: 800 is_output: true }
    instructions { id: 0 name: "update" outputs: 1 output_bytes: 8 }
    instructions { id: 1 name: "attend" operands: 1 }
  )pb"));
  CostModel model = *CostModel::Create(program, RoundHardware());
  EXPECT_NEAR(model.LowerBoundLatency(), 8.16, 1e-9);
  EXPECT_NEAR(model.AllSlowLatency(), 80.8, 1e-9);
  EXPECT_NEAR(model.CapacityBoundLatency(), 80, 1e-9);
}

// Buffers that never fit (larger than fast memory, or slow-only) are read and written in HBM
// at every access: the bound is their all-slow time.
TEST(CapacityBoundTest, UnplaceableBuffersStaySlow) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    name: "big"
    buffers { id: 1 name: "huge" size: 2000 }
    buffers { id: 2 name: "pinned" size: 100 slow_only: true }
    buffers { id: 3 name: "out" size: 100 is_output: true slow_only: true }
    instructions { id: 0 name: "read" operands: [ 1, 2 ] outputs: 3 }
  )pb"));
  CostModel model = *CostModel::Create(program, RoundHardware());
  EXPECT_DOUBLE_EQ(model.AllSlowLatency(), 220);
  EXPECT_NEAR(model.CapacityBoundLatency(), 220, 1e-9);
}

}  // namespace
}  // namespace mmap_opt
