// The heuristic's repack step (HeuristicOptions::max_repacks, xla-msa.md §1.7): a program whose
// fast memory fragments so that a buffer finds no contiguous room although the bytes are free,
// and random programs on which the repacking heuristic must still give valid assignments.
#include <random>

#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/sim/simulator.h"
#include "mmap_opt/sim/validator.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::DecimalHardware;
using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RandomProgram;

const proto::Placement* PlacementOf(const proto::Assignment& assignment, int64_t buffer_id) {
  for (const proto::Placement& p : assignment.placements()) {
    if (p.buffer_id() == buffer_id) return &p;
  }
  return nullptr;
}

// Fast memory 1000 B (DecimalHardware: HBM 100 B/s, fast memory 1000 B/s, no FLOPs anywhere).
// A (400 B) lives over [0, 5], B (400 B) over [3, 8], C (600 B) over [6, 8]:
//   t0 makes A; t1, t2 read A; t3 makes B; t4 reads A and B; t5 reads A; t6 makes C;
//   t7 reads B; t8 reads B and C.
// Order (memory-boundedness = summed benefit / sqrt(size)): every 400 B access saves
// 4 - 0.4 = 3.6 s, so A: 5 x 3.6 / 20 = 0.9, B: 4 x 3.6 / 20 = 0.72 (at t8: 10 - 6.4 = 3.6);
// C: (6 - 0.6) x 2 / sqrt(600) = 0.44. So A, B, C.
// Plain best fit: A at 0 (nothing placed); B overlaps A over [3, 5]: no gap below A, so on top
// at 400, [400, 800). C over [6, 8] overlaps only B: the gaps are [0, 400) and [800, 1000),
// neither holds 600 B, although only 400 of the 1000 B are in use then: C stays in slow memory
// (no prefetch either: C exists in HBM only from boundary 7 and its 6 s copy cannot hide behind
// t7's 0.4 s). Latency: t0-t3, t5, t7 0.4 s each (2.4), t4 0.8, t6 writes C slow 6.0, t8 reads
// B fast 0.4 + C slow 6.0 -> 15.6 s.
// Repacked: A [0, 6), B [3, 9) and C's wanted [6, 9) fit 1000 B only with B and C side by side
// over [6, 9), i.e. B at 0 and C at 400, or B at 600 and C at 0 (A fits in the 600 B beside B
// either way). C is then produced into fast memory: t6 0.6 s, t8 0.4 + 0.6 s -> 2.4 + 0.8 +
// 0.6 + 1.0 = 4.8 s, which is every access fast: the lower bound.
TEST(RepackHeuristicTest, RepackingFitsABufferThatFragmentationLeftOut) {
  absl::StatusOr<Program> program = Program::Create(ProgramFromText(R"pb(
    buffers { id: 1 name: "a" size: 400 }
    buffers { id: 2 name: "b" size: 400 }
    buffers { id: 3 name: "c" size: 600 }
    instructions { id: 0 name: "make_a" outputs: 1 }
    instructions { id: 1 name: "read_a1" operands: 1 }
    instructions { id: 2 name: "read_a2" operands: 1 }
    instructions { id: 3 name: "make_b" outputs: 2 }
    instructions { id: 4 name: "read_ab" operands: 1 operands: 2 }
    instructions { id: 5 name: "read_a3" operands: 1 }
    instructions { id: 6 name: "make_c" outputs: 3 }
    instructions { id: 7 name: "read_b" operands: 2 }
    instructions { id: 8 name: "read_bc" operands: 2 operands: 3 }
  )pb"));
  ASSERT_TRUE(program.ok()) << program.status();
  const proto::Hardware hw = DecimalHardware();
  absl::StatusOr<CostModel> cost = CostModel::Create(*program, hw);
  ASSERT_TRUE(cost.ok()) << cost.status();

  HeuristicStats plain_stats;
  absl::StatusOr<proto::Assignment> plain = RunMsaHeuristic(*cost, {}, &plain_stats);
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE(ValidateAssignment(*program, hw, *plain).ok());
  EXPECT_EQ(plain_stats.repacks_tried, 0);  // Off by default.
  ASSERT_NE(PlacementOf(*plain, 1), nullptr);
  ASSERT_NE(PlacementOf(*plain, 2), nullptr);
  EXPECT_EQ(PlacementOf(*plain, 1)->offset(), 0);
  EXPECT_EQ(PlacementOf(*plain, 2)->offset(), 400);
  EXPECT_EQ(PlacementOf(*plain, 3), nullptr);
  absl::StatusOr<SimulationResult> plain_result = Simulate(*cost, *plain);
  ASSERT_TRUE(plain_result.ok());
  EXPECT_NEAR(plain_result->latency_s, 15.6, 1e-9);

  HeuristicOptions options;
  options.max_repacks = 1;
  HeuristicStats stats;
  absl::StatusOr<proto::Assignment> repacked = RunMsaHeuristic(*cost, options, &stats);
  ASSERT_TRUE(repacked.ok()) << repacked.status();
  ASSERT_TRUE(ValidateAssignment(*program, hw, *repacked).ok())
      << ValidateAssignment(*program, hw, *repacked);
  EXPECT_EQ(stats.repacks_tried, 1);
  EXPECT_EQ(stats.repacks_applied, 1);
  EXPECT_EQ(stats.buffers_improved, 1);
  const proto::Placement* b = PlacementOf(*repacked, 2);
  const proto::Placement* c = PlacementOf(*repacked, 3);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->source(), proto::Placement::PRODUCED);
  EXPECT_EQ(c->start(), 6);
  EXPECT_EQ(c->end(), 8);
  EXPECT_TRUE((b->offset() == 0 && c->offset() == 400) || (b->offset() == 600 && c->offset() == 0))
      << "b at " << b->offset() << ", c at " << c->offset();
  // Repacking moves offsets only: B's times are the plain run's.
  EXPECT_EQ(b->start(), PlacementOf(*plain, 2)->start());
  EXPECT_EQ(b->end(), PlacementOf(*plain, 2)->end());
  absl::StatusOr<SimulationResult> result = Simulate(*cost, *repacked);
  ASSERT_TRUE(result.ok());
  EXPECT_NEAR(result->latency_s, 4.8, 1e-9);
  EXPECT_NEAR(cost->LowerBoundLatency(), 4.8, 1e-9);
}

// Tight, misaligned-prone fast memories so that chunks fragment: every repacking run must
// validate and stay within the bounds, and across the trials repacks must actually happen.
TEST(RepackHeuristicTest, RandomProgramsWithRepacksValidate) {
  std::mt19937 rng(77);
  int applied = 0;
  for (int trial = 0; trial < 60; ++trial) {
    absl::StatusOr<Program> program = Program::Create(RandomProgram(rng, 10 + rng() % 60));
    ASSERT_TRUE(program.ok()) << program.status();
    proto::Hardware hw = DecimalHardware();
    hw.set_fast_capacity(300 + rng() % 900);
    hw.set_fast_alignment(1 << (rng() % 4));
    hw.set_max_outstanding_prefetches(trial % 3 == 0 ? 1 : -1);
    hw.set_max_outstanding_evictions(trial % 3 == 0 ? 1 : -1);
    absl::StatusOr<CostModel> cost = CostModel::Create(*program, hw);
    ASSERT_TRUE(cost.ok());
    HeuristicOptions options;
    options.max_repacks = 1 + rng() % 20;
    // Every fourth trial lets the packer's complete search run briefly after its best fits.
    if (trial % 4 == 0) options.repack_time_limit_s = 0.01;
    HeuristicStats stats;
    absl::StatusOr<proto::Assignment> assignment = RunMsaHeuristic(*cost, options, &stats);
    ASSERT_TRUE(assignment.ok()) << assignment.status();
    absl::Status valid = ValidateAssignment(*program, hw, *assignment);
    ASSERT_TRUE(valid.ok()) << "trial " << trial << ": " << valid;
    EXPECT_LE(stats.repacks_tried, options.max_repacks);
    EXPECT_LE(stats.repacks_applied, stats.repacks_tried);
    EXPECT_LE(stats.buffers_improved, stats.repacks_applied);
    applied += stats.repacks_applied;
    absl::StatusOr<SimulationResult> result = Simulate(*cost, *assignment);
    ASSERT_TRUE(result.ok());
    EXPECT_GE(result->latency_s, cost->LowerBoundLatency() * (1 - 1e-12)) << trial;
    EXPECT_LE(result->latency_s, cost->AllSlowLatency() * (1 + 1e-12)) << trial;
  }
  EXPECT_GT(applied, 0);
}

}  // namespace
}  // namespace mmap_opt
