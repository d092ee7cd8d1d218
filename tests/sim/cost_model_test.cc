// The roofline by hand on RoundHardware (100 FLOP/s, 10 trans/s, HBM 10 B/s, fast read
// 100 B/s, fast write 50 B/s, copies 5 B/s).
#include "mmap_opt/sim/cost_model.h"

#include <cmath>

#include "gtest/gtest.h"
#include "sim/round_hardware.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RoundHardware;

// t0 "matmul": 1000 FLOP, 50 transcendentals, reads in (100 B), writes out (50 B).
// t1 "tanh":   100 FLOP, 30 transcendentals, reads out twice (2 x 50 B), writes act (100 B).
Program TwoInstructions() {
  return *Program::Create(ProgramFromText(R"pb(
    name: "two"
    buffers { id: 1 name: "in" size: 100 }
    buffers { id: 2 name: "out" size: 50 }
    buffers { id: 3 name: "act" size: 100 is_output: true }
    instructions { id: 0 name: "matmul" flops: 1000 transcendentals: 50 operands: 1 outputs: 2 }
    instructions {
      id: 1
      name: "tanh"
      flops: 100
      transcendentals: 30
      operands: [ 2, 2 ]
      outputs: 3
    }
  )pb"));
}

TEST(CostModelTest, MemoryBoundAllSlowBecomesComputeBoundWithOperandFast) {
  Program program = TwoInstructions();
  CostModel model = *CostModel::Create(program, RoundHardware());
  // Tc = max(1000/100, 50/10) = max(10, 5) = 10 s.
  // All slow: Tm = (100 + 50) / 10 = 15 s > Tc: memory bound, T = 15, idle = 15 - 15 = 0.
  InstructionCost slow = model.Cost(0, 0, 0);
  EXPECT_DOUBLE_EQ(slow.compute_s, 10);
  EXPECT_DOUBLE_EQ(slow.memory_s, 15);
  EXPECT_DOUBLE_EQ(slow.elapsed_s, 15);
  EXPECT_EQ(slow.slow_bytes, 150);
  EXPECT_DOUBLE_EQ(slow.slow_idle_s, 0);
  // `in` fast: Tm = 100/100 + 50/10 = 1 + 5 = 6 s < Tc: compute bound, T = 10; HBM busy 5 s
  // of the 10, so 5 s idle.
  InstructionCost in_fast =
      model.Cost(0, [](AccessKind kind, int i) { return kind == AccessKind::kRead && i == 0; });
  EXPECT_DOUBLE_EQ(in_fast.memory_s, 6);
  EXPECT_DOUBLE_EQ(in_fast.elapsed_s, 10);
  EXPECT_EQ(in_fast.slow_bytes, 50);
  EXPECT_DOUBLE_EQ(in_fast.slow_idle_s, 5);
  // Both fast: Tm = 1 + 50/50 = 2 s, T = 10.
  EXPECT_DOUBLE_EQ(model.Cost(0, 100, 50).memory_s, 2);
  EXPECT_DOUBLE_EQ(model.LowerBoundElapsed(0), 10);
}

TEST(CostModelTest, TranscendentalsCanBoundCompute) {
  Program program = TwoInstructions();
  CostModel model = *CostModel::Create(program, RoundHardware());
  // Tc = max(100/100, 30/10) = 3 s. All slow: Tm = (50 + 50 + 100) / 10 = 20 s, T = 20.
  EXPECT_DOUBLE_EQ(model.ComputeSeconds(1), 3);
  EXPECT_DOUBLE_EQ(model.AllSlowElapsed(1), 20);
  // Lower bound: reads 100/100 = 1 s, write 100/50 = 2 s, Tm = 3 s = Tc, T = 3.
  EXPECT_DOUBLE_EQ(model.LowerBoundElapsed(1), 3);
  EXPECT_DOUBLE_EQ(model.AllSlowLatency(), 15 + 20);
  EXPECT_DOUBLE_EQ(model.LowerBoundLatency(), 10 + 3);
}

TEST(CostModelTest, CopyTimeAndBenefit) {
  Program program = TwoInstructions();
  CostModel model = *CostModel::Create(program, RoundHardware());
  // Copies run at 0.5 x 10 B/s = 5 B/s: 100 B take 20 s.
  EXPECT_DOUBLE_EQ(model.CopyBandwidth(), 5);
  EXPECT_DOUBLE_EQ(model.CopySeconds(100), 20);
  // t0 is memory bound all slow (15 > 10): moving `in` saves Tm 15 - 6 = 9 s.
  EXPECT_DOUBLE_EQ(model.BufferBenefit(0, 0), 9);
  // `out` at t1 is read twice (100 B): Tm 20 -> 100/100 + 100/10 = 11, benefit 9 s.
  EXPECT_DOUBLE_EQ(model.BufferBenefit(1, 1), 9);
  // An instruction that touches nothing of the buffer gains nothing.
  EXPECT_DOUBLE_EQ(model.BufferBenefit(0, 2), 0);
}

TEST(CostModelTest, ComputeBoundBenefitIsDistanceToMemoryBound) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    name: "compute"
    buffers { id: 1 name: "in" size: 10 }
    buffers { id: 2 name: "out" size: 10 }
    instructions { id: 0 name: "big" flops: 1000 operands: 1 outputs: 2 }
  )pb"));
  CostModel model = *CostModel::Create(program, RoundHardware());
  // Tc = 10 s, Tm = 20/10 = 2 s: compute bound, benefit = Tm - Tc = -8 s.
  EXPECT_DOUBLE_EQ(model.BufferBenefit(0, 0), -8);
  // Boundedness of `in`: its only access is the use at t0: -8 / sqrt(10).
  EXPECT_DOUBLE_EQ(model.MemoryBoundedness()[0], -8 / std::sqrt(10.0));
}

TEST(CostModelTest, MemoryBoundednessSumsPositiveBenefits) {
  Program program = TwoInstructions();
  CostModel model = *CostModel::Create(program, RoundHardware());
  // `out` (50 B): at its definition t0 the write 50 B fast saves 50/10 - 50/50 = 4 s;
  // at t1 its reads save 9 s (above). Both positive: 13 / sqrt(50).
  std::vector<double> boundedness = model.MemoryBoundedness();
  EXPECT_DOUBLE_EQ(boundedness[1], 13 / std::sqrt(50.0));
  // `act` (100 B): written at t1: 100/10 - 100/50 = 8 s saved: 8 / sqrt(100) = 0.8.
  EXPECT_DOUBLE_EQ(boundedness[2], 0.8);
}

TEST(CostModelTest, RejectsBadHardware) {
  Program program = TwoInstructions();
  proto::Hardware hardware = RoundHardware();
  hardware.set_slow_bandwidth(0);
  EXPECT_FALSE(CostModel::Create(program, hardware).ok());
}

}  // namespace
}  // namespace mmap_opt
