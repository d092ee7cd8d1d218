// The XLA-style heuristic on programs small enough to know the right decision, and on random
// programs where every answer must validate and land between the bounds.
#include "mmap_opt/agents/heuristic.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/sim/simulator.h"
#include "mmap_opt/sim/validator.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::DecimalHardware;
using ::mmap_opt::testing::RandomProgram;

// A compute-bound filler: 1000 FLOP = 1 s, touches no memory, so HBM is idle for all of it.
std::string Fillers(int first_id, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    absl::StrAppend(&text, "instructions { id: ", first_id + i, " name: \"fill", i,
                    "\" flops: 1000 }\n");
  }
  return text;
}

struct Solved {
  Program program;
  proto::Assignment assignment;
  SimulationResult result;
  double all_slow = 0, lower_bound = 0;
};

Solved Solve(const std::string& text, const HeuristicOptions& options = {}) {
  absl::StatusOr<Program> program = Program::Create(ProgramFromText(text));
  EXPECT_TRUE(program.ok()) << program.status();
  absl::StatusOr<CostModel> cost = CostModel::Create(*program, DecimalHardware());
  EXPECT_TRUE(cost.ok()) << cost.status();
  absl::StatusOr<proto::Assignment> assignment = RunMsaHeuristic(*cost, options);
  EXPECT_TRUE(assignment.ok()) << assignment.status();
  EXPECT_TRUE(ValidateAssignment(*program, DecimalHardware(), *assignment).ok())
      << ValidateAssignment(*program, DecimalHardware(), *assignment);
  absl::StatusOr<SimulationResult> result = Simulate(*cost, *assignment);
  EXPECT_TRUE(result.ok()) << result.status();
  return {*program, *assignment, *result, cost->AllSlowLatency(), cost->LowerBoundLatency()};
}

std::vector<proto::Placement> PlacementsOf(const proto::Assignment& a, int64_t buffer_id) {
  std::vector<proto::Placement> out;
  for (const proto::Placement& p : a.placements()) {
    if (p.buffer_id() == buffer_id) out.push_back(p);
  }
  return out;
}

// A 100 B weight read at t5 after five 1 s fillers. Its copy takes 100 B / 100 B/s = 1 s. The
// picker prefers an overlap of 1.5 x 1 s: E(2, 5) = 2 s and E(3, 5) = 1 s are equally close, the
// earlier wins, so the copy is issued at boundary 3 and runs during fillers 3 and 4 (2 s of idle
// HBM): fully hidden. t5 then reads W fast (100 B / 1000 B/s = 0.1 s) and writes the 10 B
// output slow (0.1 s; an output made by the last instruction cannot be evicted in time):
// 5 x 1 + 0.2 = 5.2 s, against 5 + 110 / 100 = 6.1 s all-slow.
TEST(HeuristicTest, PrefetchesAWeightEarlyEnoughToHideTheCopy) {
  Solved solved = Solve(Fillers(0, 5) + R"pb(
    buffers { id: 100 name: "w" size: 100 }
    buffers { id: 101 name: "out" size: 10 is_output: true }
    instructions { id: 5 name: "use" operands: 100 outputs: 101 }
  )pb");
  std::vector<proto::Placement> w = PlacementsOf(solved.assignment, 100);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].source(), proto::Placement::PREFETCHED);
  EXPECT_EQ(w[0].copy_start(), 3);
  EXPECT_EQ(w[0].start(), 5);
  EXPECT_TRUE(PlacementsOf(solved.assignment, 101).empty());
  EXPECT_DOUBLE_EQ(solved.result.stall_s, 0);
  EXPECT_NEAR(solved.result.latency_s, 5.2, 1e-9);
  EXPECT_NEAR(solved.all_slow, 6.1, 1e-9);
}

// The same weight behind five memory-bound copies instead of compute fillers: every
// instruction keeps HBM busy all its time (100 B of slow-only buffers moved at 100 B/s, no
// FLOPs), so no copy can
// run beside it and the bandwidth check refuses the prefetch. With the check off (XLA's MSA
// without a cost analysis: only the outstanding-copy limits), the instruction-count picker
// (min 2, max 10) issues it as early as it can, at boundary 0, and the simulator charges the
// whole 1 s copy as a stall before t5.
TEST(HeuristicTest, CopyBandwidthCheckCanBeTurnedOffAsXlaTestsRunIt) {
  std::string program;
  for (int i = 0; i < 5; ++i) {
    absl::StrAppend(&program, "buffers { id: ", 10 + i, " name: \"s", i,
                    "\" size: 50 slow_only: true }\n");
    absl::StrAppend(&program, "buffers { id: ", 20 + i, " name: \"d", i,
                    "\" size: 50 is_output: true slow_only: true }\n");
    absl::StrAppend(&program, "instructions { id: ", i, " name: \"copy", i, "\" operands: ", 10 + i,
                    " outputs: ", 20 + i, " }\n");
  }
  program += R"pb(
    buffers { id: 100 name: "w" size: 100 }
    buffers { id: 101 name: "out" size: 10 is_output: true }
    instructions { id: 5 name: "use" operands: 100 outputs: 101 }
  )pb";
  HeuristicOptions counting;
  counting.prefetch.kind = PrefetchIntervalOptions::Kind::kInstructionCount;
  EXPECT_TRUE(PlacementsOf(Solve(program, counting).assignment, 100).empty());
  counting.check_copy_bandwidth = false;
  Solved unchecked = Solve(program, counting);
  std::vector<proto::Placement> w = PlacementsOf(unchecked.assignment, 100);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].copy_start(), 0);
  EXPECT_NEAR(unchecked.result.instructions[5].stall_s, 1.0, 1e-9);
}

// The spatial order (XLA's heap-simulator order) decides the larger buffer first, whatever
// memory boundedness says. Fast memory (1000 B) holds one of a (600 B) and b (500 B), both made
// at t0. a's reader is compute bound (10000 FLOP = 10 s), so a's benefit is its definition's
// alone: 600 B x (1/100 - 1/1000) s/B = 5.4 s, / sqrt(600) = 0.22; b's definition and its
// memory-bound reader give 4.5 + 4.5 s, / sqrt(500) = 0.40. Memory boundedness produces b in
// fast memory (a, read at t1 right after its definition, cannot be prefetched); spatially a
// goes first and b is at most prefetched for its read.
TEST(HeuristicTest, SpatialOrderDecidesTheLargerBufferFirst) {
  const std::string program = R"pb(
    buffers { id: 1 name: "a" size: 600 }
    buffers { id: 2 name: "b" size: 500 }
    buffers { id: 3 name: "y" size: 10 is_output: true }
    buffers { id: 4 name: "z" size: 10 is_output: true }
    instructions { id: 0 name: "make" outputs: 1 outputs: 2 }
    instructions { id: 1 name: "ra" flops: 10000 operands: 1 outputs: 3 }
    instructions { id: 2 name: "rb" operands: 2 outputs: 4 }
  )pb";
  auto produced = [](const Solved& solved, int64_t id) {
    std::vector<proto::Placement> p = PlacementsOf(solved.assignment, id);
    return !p.empty() && p[0].source() == proto::Placement::PRODUCED;
  };
  HeuristicOptions spatial;
  spatial.order = HeuristicOptions::Order::kSpatial;
  Solved by_size = Solve(program, spatial);
  EXPECT_TRUE(produced(by_size, 1));
  EXPECT_FALSE(produced(by_size, 2));
  Solved by_boundedness = Solve(program);
  EXPECT_TRUE(PlacementsOf(by_boundedness.assignment, 1).empty());
  EXPECT_TRUE(produced(by_boundedness, 2));
}

// XLA's inefficiency filter: w's prefetch copies 100 B to serve 100 B of reads. With the
// ratio at 2, 2 x 100 > 100 marks it inefficient and the buffer is re-planned without copies,
// so w stays in slow memory (6.1 s, the all-slow latency); at 0.5 the prefetch is kept.
TEST(HeuristicTest, InefficiencyFilterDropsCopiesThatMoveMoreThanTheyServe) {
  const std::string program = Fillers(0, 5) + R"pb(
    buffers { id: 100 name: "w" size: 100 }
    buffers { id: 101 name: "out" size: 10 is_output: true }
    instructions { id: 5 name: "use" operands: 100 outputs: 101 }
  )pb";
  HeuristicOptions strict;
  strict.inefficient_use_to_copy_ratio = 2;
  Solved filtered = Solve(program, strict);
  EXPECT_TRUE(PlacementsOf(filtered.assignment, 100).empty());
  EXPECT_NEAR(filtered.result.latency_s, 6.1, 1e-9);
  HeuristicOptions lenient;
  lenient.inefficient_use_to_copy_ratio = 0.5;
  EXPECT_EQ(PlacementsOf(Solve(program, lenient).assignment, 100).size(), 1u);
}

// An activation made at t0 and read at t1 stays in fast memory with no copy: PRODUCED [0, 1].
// t0 reads the 100 B input x slow (1 s) and writes a 200 B into fast memory (0.2 s); t1 reads
// a fast (0.2 s) and writes the 10 B output slow (0.1 s). x cannot be prefetched: nothing runs
// before t0. Latency 1.2 + 0.3 = 1.5 s; all-slow 3 + 2.1 = 5.1 s.
TEST(HeuristicTest, KeepsAnActivationInFastMemory) {
  Solved solved = Solve(R"pb(
    buffers { id: 1 name: "x" size: 100 }
    buffers { id: 2 name: "a" size: 200 }
    buffers { id: 3 name: "y" size: 10 is_output: true }
    instructions { id: 0 name: "f" operands: 1 outputs: 2 }
    instructions { id: 1 name: "g" operands: 2 outputs: 3 }
  )pb");
  std::vector<proto::Placement> a = PlacementsOf(solved.assignment, 2);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].source(), proto::Placement::PRODUCED);
  EXPECT_EQ(a[0].start(), 0);
  EXPECT_EQ(a[0].end(), 1);
  EXPECT_NEAR(solved.result.latency_s, 1.5, 1e-9);
  EXPECT_NEAR(solved.all_slow, 5.1, 1e-9);
}

// h (100 B) is made at t0, read at t1 and again at t12 after ten 1 s fillers. With the "too
// long" window cut to 0.5 x copy(1000 B) = 5 s, h may not sit in fast memory over the 10 s gap:
// it is evicted and prefetched back. The eviction wants 1.5 x copy(100 B) = 1.5 s of overlap
// after t0, measured in all-slow times: E(0, 2) = use1 (100 B / 100 B/s = 1 s) < 1.5 and
// E(0, 3) = 1 s + filler 2 (1 s) = 2 s >= 1.5 -> PRODUCED [0, 3], eviction issued at 1, due at 4.
TEST(HeuristicTest, EvictsAcrossALongGapAndPrefetchesBack) {
  HeuristicOptions options;
  options.prefetch.max_overlap_to_mem_size_async_copy_ratio = 0.5;
  Solved solved = Solve(R"pb(
    buffers { id: 1 name: "h" size: 100 }
    instructions { id: 0 name: "make" outputs: 1 }
    instructions { id: 1 name: "use1" operands: 1 }
  )pb" + Fillers(2, 10) + R"pb(
    instructions { id: 12 name: "use2" operands: 1 }
  )pb", options);
  std::vector<proto::Placement> h = PlacementsOf(solved.assignment, 1);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].source(), proto::Placement::PRODUCED);
  EXPECT_EQ(h[0].start(), 0);
  EXPECT_EQ(h[0].end(), 3);
  EXPECT_EQ(h[1].source(), proto::Placement::PREFETCHED);
  EXPECT_EQ(h[1].start(), 12);
  EXPECT_GE(h[1].copy_start(), 4);  // The slow copy exists only after the eviction.
  EXPECT_DOUBLE_EQ(solved.result.stall_s, 0);
  // Every access fast: make 0.1 s, use1 0.1 s, fillers 10 s, use2 0.1 s.
  EXPECT_NEAR(solved.result.latency_s, 10.3, 1e-9);
}

TEST(HeuristicTest, RandomProgramsValidateAndStayWithinTheBounds) {
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 60; ++trial) {
    absl::StatusOr<Program> program = Program::Create(RandomProgram(rng, 10 + rng() % 60));
    ASSERT_TRUE(program.ok()) << program.status();
    proto::Hardware hw = DecimalHardware();
    hw.set_fast_capacity(200 + rng() % 1500);
    hw.set_fast_alignment(1 << (rng() % 4));
    hw.set_max_outstanding_prefetches(trial % 3 == 0 ? 1 : -1);
    hw.set_max_outstanding_evictions(trial % 3 == 0 ? 1 : -1);
    absl::StatusOr<CostModel> cost = CostModel::Create(*program, hw);
    ASSERT_TRUE(cost.ok());
    for (bool greedy : {false, true}) {
      absl::StatusOr<proto::Assignment> assignment =
          greedy ? RunGreedy(*cost) : RunMsaHeuristic(*cost);
      ASSERT_TRUE(assignment.ok()) << assignment.status();
      absl::Status valid = ValidateAssignment(*program, hw, *assignment);
      ASSERT_TRUE(valid.ok()) << "trial " << trial << (greedy ? " greedy: " : " heuristic: ")
                              << valid;
      absl::StatusOr<SimulationResult> result = Simulate(*cost, *assignment);
      ASSERT_TRUE(result.ok());
      EXPECT_GE(result->latency_s, cost->LowerBoundLatency() * (1 - 1e-12)) << trial;
      // Neither agent may make a program slower than leaving everything in slow memory.
      EXPECT_LE(result->latency_s, cost->AllSlowLatency() * (1 + 1e-12)) << trial;
    }
  }
}

}  // namespace
}  // namespace mmap_opt
