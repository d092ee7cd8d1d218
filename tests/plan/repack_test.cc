// Repacking: hand-worked peaks on a three-instruction program (a prefetch window included),
// capacity and alignment, what offsets cannot fix, and the property that a repacked
// heuristic assignment keeps its latency exactly and never raises its peak.
#include "mmap_opt/plan/repack.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/simulator.h"
#include "mmap_opt/sim/validator.h"
#include "test_util.h"

namespace mmap_opt::plan {
namespace {

using ::mmap_opt::testing::AssignmentFromText;
using ::mmap_opt::testing::DecimalHardware;
using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RandomProgram;
using ::testing::HasSubstr;

// t0 f(x) -> a, t1 g(a) -> b, t2 h(b, w) -> y. x and w are inputs, y the output.
Program Chain() {
  absl::StatusOr<Program> program = Program::Create(ProgramFromText(R"pb(
    name: "chain"
    buffers { id: 1 name: "x" size: 300 }
    buffers { id: 2 name: "a" size: 200 }
    buffers { id: 3 name: "b" size: 300 }
    buffers { id: 4 name: "w" size: 100 }
    buffers { id: 5 name: "y" size: 10 is_output: true }
    instructions { id: 0 name: "f" operands: 1 outputs: 2 }
    instructions { id: 1 name: "g" operands: 2 outputs: 3 }
    instructions { id: 2 name: "h" operands: 3 operands: 4 outputs: 5 }
  )pb"));
  EXPECT_TRUE(program.ok()) << program.status();
  return *std::move(program);
}

// a PRODUCED [0, 1], b PRODUCED [1, 2], w PREFETCHED from boundary 0 for its use at t2, at
// the given offsets. Fast memory holds a + w at t0 (300 B), a + b + w at t1 (600 B) and b + w
// at t2 (400 B): the peak live load is 600 B. Had w's occupancy begun at its start (t2) and not
// at its copy_start, it would be 500 B.
proto::Assignment ChainAssignment(int64_t a, int64_t b, int64_t w) {
  return AssignmentFromText(absl::StrCat(
      R"pb(program_name: "chain" agent: "hand")pb", " placements { buffer_id: 2 offset: ", a,
      " start: 0 end: 1 source: PRODUCED }", " placements { buffer_id: 3 offset: ", b,
      " start: 1 end: 2 source: PRODUCED }", " placements { buffer_id: 4 offset: ", w,
      " start: 2 end: 2 source: PREFETCHED copy_start: 0 }"));
}

// Everything but the offsets is as it was.
void ExpectOnlyOffsetsChanged(const proto::Assignment& before, const proto::Assignment& after) {
  ASSERT_EQ(before.placements_size(), after.placements_size());
  EXPECT_EQ(before.program_name(), after.program_name());
  EXPECT_EQ(before.agent(), after.agent());
  for (int i = 0; i < before.placements_size(); ++i) {
    proto::Placement p = after.placements(i);
    p.set_offset(before.placements(i).offset());
    EXPECT_EQ(p.SerializeAsString(), before.placements(i).SerializeAsString()) << "placement " << i;
  }
}

TEST(RepackTest, PlacementBuffersSpanTheValidatorsOccupancy) {
  const std::vector<heap::PackBuffer> buffers = PlacementBuffers(Chain(), ChainAssignment(0, 0, 0));
  ASSERT_EQ(buffers.size(), 3u);
  // a: [start 0, end 1 + 1); b: [1, 3); w: from copy_start 0 to end 2 + 1.
  EXPECT_EQ(buffers[0].lower, 0);
  EXPECT_EQ(buffers[0].upper, 2);
  EXPECT_EQ(buffers[0].size, 200);
  EXPECT_EQ(buffers[1].lower, 1);
  EXPECT_EQ(buffers[1].upper, 3);
  EXPECT_EQ(buffers[1].size, 300);
  EXPECT_EQ(buffers[2].lower, 0);
  EXPECT_EQ(buffers[2].upper, 3);
  EXPECT_EQ(buffers[2].size, 100);
}

// Input: a at 0, b at 500, w at 800: peak 800 + 100 = 900. The three share t1, so 600 is the
// least any offsets give, and the packer reaches it.
TEST(RepackTest, LowersThePeakToThePeakLiveLoad) {
  const Program program = Chain();
  const proto::Assignment input = ChainAssignment(0, 500, 800);
  ASSERT_TRUE(ValidateAssignment(program, DecimalHardware(), input).ok());
  absl::StatusOr<RepackResult> result = Repack(program, DecimalHardware(), input);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, heap::PackStatus::kPacked);
  EXPECT_EQ(result->capacity, 1000);
  EXPECT_EQ(result->peak_before, 900);
  EXPECT_EQ(result->peak_after, 600);
  EXPECT_EQ(result->lower_bound, 600);
  EXPECT_FALSE(result->kept_input);
  ExpectOnlyOffsetsChanged(input, result->assignment);
  EXPECT_TRUE(ValidateAssignment(program, DecimalHardware(), result->assignment).ok());
}

// Already at 600 (a 0-200, b 200-500, w 500-600): nothing lower exists, the input stays.
TEST(RepackTest, KeepsValidOffsetsThatAreNoHigher) {
  const proto::Assignment input = ChainAssignment(0, 200, 500);
  absl::StatusOr<RepackResult> result = Repack(Chain(), DecimalHardware(), input);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, heap::PackStatus::kPacked);
  EXPECT_TRUE(result->kept_input);
  EXPECT_EQ(result->method, "input");
  EXPECT_EQ(result->peak_before, 600);
  EXPECT_EQ(result->peak_after, 600);
  EXPECT_EQ(result->assignment.SerializeAsString(), input.SerializeAsString());
}

// 600 B live at t1: a capacity of 599 is refuted by the peak live load alone, 600 fits.
TEST(RepackTest, CapacityBelowThePeakLiveLoadIsInfeasible) {
  // All three at offset 0 overlap: the input is invalid, so there is nothing to keep.
  const proto::Assignment input = ChainAssignment(0, 0, 0);
  RepackOptions options;
  options.capacity = 599;
  absl::StatusOr<RepackResult> refuted = Repack(Chain(), DecimalHardware(), input, options);
  ASSERT_TRUE(refuted.ok()) << refuted.status();
  EXPECT_EQ(refuted->status, heap::PackStatus::kInfeasible);
  EXPECT_EQ(refuted->method, "peak-live-load");
  EXPECT_EQ(refuted->lower_bound, 600);
  options.capacity = 600;
  absl::StatusOr<RepackResult> fitted = Repack(Chain(), DecimalHardware(), input, options);
  ASSERT_TRUE(fitted.ok()) << fitted.status();
  EXPECT_EQ(fitted->status, heap::PackStatus::kPacked);
  EXPECT_EQ(fitted->peak_after, 600);
  proto::Hardware tight = DecimalHardware();
  tight.set_fast_capacity(600);
  EXPECT_TRUE(ValidateAssignment(Chain(), tight, fitted->assignment).ok());
}

// Alignment 128 and an invalid input (overlapping, misaligned). The three share t1, so they
// are stacked in some order, each starting at the next multiple of 128 above the one below:
//   a, w, b: a [0, 200), w [256, 356), b [384, 684)  -> 684
//   w, a, b: w [0, 100), a [128, 328), b [384, 684)  -> 684
//   a, b, w: 256 + 300 = 556 -> w [640, 740)          -> 740
//   b, a, w: b [0, 300), a [384, 584), w [640, 740)   -> 740
//   w, b, a: b [128, 428), a [512, 712)               -> 712
//   b, w, a: w [384, 484), a [512, 712)               -> 712
// so 684 is the least peak.
TEST(RepackTest, FixesOverlappingMisalignedOffsetsUnderTheAlignment) {
  proto::Hardware hw = DecimalHardware();
  hw.set_fast_alignment(128);
  const proto::Assignment input = ChainAssignment(7, 7, 7);
  EXPECT_FALSE(ValidateAssignment(Chain(), hw, input).ok());
  absl::StatusOr<RepackResult> result = Repack(Chain(), hw, input);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, heap::PackStatus::kPacked);
  EXPECT_EQ(result->peak_before, 307);
  EXPECT_EQ(result->peak_after, 684);
  EXPECT_GE(result->lower_bound, 600);
  EXPECT_LE(result->lower_bound, 684);
  for (const proto::Placement& p : result->assignment.placements()) {
    EXPECT_EQ(p.offset() % 128, 0) << p.ShortDebugString();
  }
  ExpectOnlyOffsetsChanged(input, result->assignment);
  EXPECT_TRUE(ValidateAssignment(Chain(), hw, result->assignment).ok());
}

TEST(RepackTest, RefusesWhatOffsetsCannotFix) {
  // w's prefetch issued after its start: a timing fault, named with the placement.
  proto::Assignment late = ChainAssignment(0, 200, 500);
  late.mutable_placements(2)->set_copy_start(2);
  late.mutable_placements(2)->set_start(1);
  absl::StatusOr<RepackResult> result = Repack(Chain(), DecimalHardware(), late);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("placement 2 (buffer 4 'w')"));
  EXPECT_THAT(result.status().message(), HasSubstr("moves offsets only"));
  // b PRODUCED at t0, before g defines it at t1.
  proto::Assignment early = ChainAssignment(0, 200, 500);
  early.mutable_placements(1)->set_start(0);
  result = Repack(Chain(), DecimalHardware(), early);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("defined at t=1"));
  // More bytes than the hardware has.
  RepackOptions options;
  options.capacity = 1001;
  result = Repack(Chain(), DecimalHardware(), ChainAssignment(0, 200, 500), options);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("outside [0, 1000]"));
}

TEST(RepackTest, NoPlacementsIsAnEmptyPacking) {
  absl::StatusOr<RepackResult> result =
      Repack(Chain(), DecimalHardware(), AssignmentFromText(R"pb(program_name: "chain")pb"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, heap::PackStatus::kPacked);
  EXPECT_EQ(result->peak_before, 0);
  EXPECT_EQ(result->peak_after, 0);
}

// Offsets do not enter the simulator: a repacked heuristic assignment validates, simulates to
// the very same latency, has a peak no higher than before and no lower than the bound, and
// squeezing it to one byte under its peak live load is infeasible.
TEST(RepackTest, RepackedHeuristicAssignmentsKeepTheirLatencyAndLowerTheirPeak) {
  std::mt19937 rng(909);
  int lowered = 0;
  for (int trial = 0; trial < 30; ++trial) {
    absl::StatusOr<Program> program = Program::Create(RandomProgram(rng, 10 + rng() % 50));
    ASSERT_TRUE(program.ok()) << program.status();
    proto::Hardware hw = DecimalHardware();
    hw.set_fast_capacity(300 + rng() % 1200);
    hw.set_fast_alignment(1 << (rng() % 4));
    hw.set_max_outstanding_prefetches(trial % 3 == 0 ? 1 : -1);
    absl::StatusOr<CostModel> cost = CostModel::Create(*program, hw);
    ASSERT_TRUE(cost.ok()) << cost.status();
    absl::StatusOr<proto::Assignment> input = RunMsaHeuristic(*cost);
    ASSERT_TRUE(input.ok()) << input.status();
    RepackOptions options;
    options.time_limit_seconds = 0.1;
    options.exact_search = trial % 3 == 1;
    absl::StatusOr<RepackResult> result = Repack(*program, hw, *input, options);
    ASSERT_TRUE(result.ok()) << "trial " << trial << ": " << result.status();
    ASSERT_EQ(result->status, heap::PackStatus::kPacked) << trial;
    ASSERT_TRUE(ValidateAssignment(*program, hw, result->assignment).ok()) << trial;
    ExpectOnlyOffsetsChanged(*input, result->assignment);
    absl::StatusOr<SimulationResult> before = Simulate(*cost, *input);
    absl::StatusOr<SimulationResult> after = Simulate(*cost, result->assignment);
    ASSERT_TRUE(before.ok() && after.ok()) << trial;
    EXPECT_EQ(after->latency_s, before->latency_s) << trial;
    EXPECT_EQ(after->stall_s, before->stall_s) << trial;
    EXPECT_LE(result->peak_after, result->peak_before) << trial;
    EXPECT_GE(result->peak_after, result->lower_bound) << trial;
    const int64_t load = PeakLiveLoad(PlacementBuffers(*program, *input));
    EXPECT_GE(result->lower_bound, load) << trial;
    if (result->peak_after < result->peak_before) ++lowered;
    if (load > 0) {
      options.capacity = load - 1;
      absl::StatusOr<RepackResult> squeezed = Repack(*program, hw, *input, options);
      ASSERT_TRUE(squeezed.ok()) << trial << ": " << squeezed.status();
      EXPECT_EQ(squeezed->status, heap::PackStatus::kInfeasible) << trial;
    }
  }
  // The heuristic places buffers one by one, so repacking has something to gain somewhere.
  EXPECT_GT(lowered, 0);
}

}  // namespace
}  // namespace mmap_opt::plan
