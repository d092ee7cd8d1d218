// Conformance with the expected figures of XLA's prefetch_interval_picker_test.cc and
// simulator_test.cc (openxla/xla, xla/service/memory_space_assignment/), wherever our picker
// and simulator model the same thing. Each test names the XLA test it follows; the scenarios
// XLA has and we cannot express (while-nest levels, slices, split read/write queues) are
// listed, with why, in data/results/conformance/README.md.
#include <string>
#include <vector>

#include "conformance_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/plan/repack.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/prefetch_interval_picker.h"
#include "mmap_opt/sim/simulator.h"

namespace mmap_opt {
namespace {

using ::testing::ElementsAre;

// XLA's FakeCostAnalysis: every instruction takes 1 s, a copy of the 32 B f32[2,4] takes 3 s
// (so 32/3 B/s), and an instruction runs 0.5 s faster with the operand in alternate memory.
// The picker's ratios are the test's: min 1, preferred 2, max 4 x copy(mem_size = 32 B).
PrefetchIntervalPicker XlaFakeCostPicker(const std::vector<double>& elapsed) {
  PrefetchIntervalOptions options;
  options.min_overlap_to_async_copy_ratio = 1.0;
  options.preferred_overlap_to_async_copy_ratio = 2.0;
  options.max_overlap_to_mem_size_async_copy_ratio = 4.0;
  return PrefetchIntervalPicker(elapsed, /*copy_bandwidth=*/32.0 / 3.0, /*fast_capacity=*/32,
                                options);
}
constexpr double kXlaFakeUseSpeedup = 0.5;

// XLA: CostAnalysisPrefetchIntervalPickerTest.PrefetchIntervalOrder. Param0 then 21 negates
// and the add at t22 that reads param0: the first candidate is 15 (an overlap of 6 s, twice
// the copy), then alternately later and earlier until the minimum overlap (18) and the most
// (9); from 19 the window is too short for any start.
TEST(XlaPickerConformanceTest, PrefetchIntervalOrder) {
  PrefetchIntervalPicker picker = XlaFakeCostPicker(std::vector<double>(23, 1.0));
  EXPECT_THAT(picker.PrefetchStartCandidates(32, 0, 22, kXlaFakeUseSpeedup),
              ElementsAre(15, 16, 14, 17, 13, 18, 12, 11, 10, 9));
  EXPECT_TRUE(picker.PrefetchStartCandidates(32, 19, 22, kXlaFakeUseSpeedup).empty());
}

// XLA: CostAnalysisPrefetchIntervalPickerTest.EarliestLatestWindowTooSmall. A 20 s tanh sits
// between the earliest and the latest start: the one candidate is the start just before it.
TEST(XlaPickerConformanceTest, EarliestLatestWindowTooSmall) {
  PrefetchIntervalPicker picker = XlaFakeCostPicker({1.0, 1.0, 20.0, 1.0});
  EXPECT_THAT(picker.PrefetchStartCandidates(32, 1, 3, kXlaFakeUseSpeedup), ElementsAre(1));
}

// A post-MSA module (S(1) layouts, copy-start/copy-done) on XLA's simulator-test machine
// (tests/testdata/conformance/xla_simulator_test.txtpb: 1 FLOP/s, 1 B/s default memory and
// copies, 2 B/s alternate memory), simulated. XLA's tests hand its simulator the module
// itself; ours reads the assignment the module expresses (offsets from the repacker).
struct Simulated {
  proto::Program program;
  SimulationResult result;
  // The timing of the instruction named `name`.
  const InstructionTiming& At(const std::string& name) const {
    for (int t = 0; t < program.instructions_size(); ++t) {
      if (program.instructions(t).name() == name) return result.instructions[t];
    }
    ADD_FAILURE() << "no instruction named " << name;
    return result.instructions.front();
  }
};

Simulated SimulateXla(const std::string& hlo) {
  Simulated out;
  const proto::Hardware hw = testing::ConformanceHardware("xla_simulator_test");
  absl::StatusOr<HloImportWithAssignment> imported = ImportHloWithAssignment("xla.hlo", hlo);
  EXPECT_TRUE(imported.ok()) << imported.status();
  if (!imported.ok()) return out;
  absl::StatusOr<Program> program = Program::Create(imported->program);
  EXPECT_TRUE(program.ok()) << program.status();
  if (!program.ok()) return out;
  plan::RepackOptions repack;
  repack.exact_search = false;
  absl::StatusOr<plan::RepackResult> packed =
      plan::Repack(*program, hw, imported->assignment, repack);
  EXPECT_TRUE(packed.ok()) << packed.status();
  if (!packed.ok()) return out;
  absl::StatusOr<CostModel> cost = CostModel::Create(*program, hw);
  EXPECT_TRUE(cost.ok()) << cost.status();
  if (!cost.ok()) return out;
  absl::StatusOr<SimulationResult> result = Simulate(*cost, packed->assignment);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return out;
  out.program = imported->program;
  out.result = *result;
  return out;
}

// XLA: MemorySpaceAssignmentSimulatorTest.SingleLayerLoop. 42 iterations: the body's add
// (12 B) and tuple (8 B), the condition's compare (9 B), and the entry's tuple (8 B) once:
// 12 x 42 + 8 + 9 x 42 + 8 x 42 = 1226 s.
TEST(XlaSimulatorConformanceTest, SingleLayerLoop) {
  Simulated sim = SimulateXla(R"(HloModule module, is_scheduled=true

%body (param: (s32[])) -> (s32[]) {
  %constant.1 = s32[] constant(1)
  %param = (s32[]) parameter(0)
  %count = s32[] get-tuple-element(%param), index=0
  %increment = s32[] add(%count, %constant.1)
  ROOT %loop_result = (s32[]) tuple(%increment)
}

%condition (param: (s32[])) -> pred[] {
  %param = (s32[]) parameter(0)
  %constant.42 = s32[] constant(42)
  %condition_input = s32[] get-tuple-element(%param), index=0
  ROOT %greater = pred[] compare(%constant.42, %condition_input), direction=GT
}

ENTRY %Entry (dummy_input: s32[]) -> (s32[]) {
  %dummy_input = s32[] parameter(0)
  %constant.0 = s32[] constant(0)
  %init = (s32[]) tuple(%constant.0)
  ROOT %while = (s32[]) while(%init), condition=%condition, body=%body, backend_config={"known_trip_count":{"n":"42"}}
}
)");
  EXPECT_DOUBLE_EQ(sim.result.latency_s, 1226);
}

// XLA: MemorySpaceAssignmentSimulatorTest.NestedLayerLoop. The loop above inside a loop of
// 27 iterations whose own add, tuple and compare run 27 times and whose inner init tuple once
// per outer iteration: 1226 x 27 + 12 x 27 + 8 + 9 x 27 + 8 x 27 = 33893 s.
TEST(XlaSimulatorConformanceTest, NestedLayerLoop) {
  Simulated sim = SimulateXla(R"(HloModule module, is_scheduled=true

%inner.body (param: (s32[])) -> (s32[]) {
  %constant.1 = s32[] constant(1)
  %param = (s32[]) parameter(0)
  %count = s32[] get-tuple-element(%param), index=0
  %increment = s32[] add(%count, %constant.1)
  ROOT %loop_result = (s32[]) tuple(%increment)
}

%inner.condition (param: (s32[])) -> pred[] {
  %param = (s32[]) parameter(0)
  %constant.42 = s32[] constant(42)
  %condition_input = s32[] get-tuple-element(%param), index=0
  ROOT %greater = pred[] compare(%constant.42, %condition_input), direction=GT
}

%outer.body (param: (s32[])) -> (s32[]) {
  %constant.0 = s32[] constant(0)
  %constant.1 = s32[] constant(1)
  %param = (s32[]) parameter(0)
  %inner_init = (s32[]) tuple(%constant.0)
  %inner_while = (s32[]) while(%inner_init), condition=%inner.condition, body=%inner.body, backend_config={"known_trip_count":{"n":"42"}}
  %count = s32[] get-tuple-element(%param), index=0
  %increment = s32[] add(%count, %constant.1)
  ROOT %loop_result = (s32[]) tuple(%increment)
}

%outer.condition (param: (s32[])) -> pred[] {
  %param = (s32[]) parameter(0)
  %constant.27 = s32[] constant(27)
  %condition_input = s32[] get-tuple-element(%param), index=0
  ROOT %greater = pred[] compare(%constant.27, %condition_input), direction=GT
}

ENTRY %Entry () -> (s32[]) {
  %constant.0 = s32[] constant(0)
  %init = (s32[]) tuple(%constant.0)
  ROOT %while_outer = (s32[]) while(%init), condition=%outer.condition, body=%outer.body, backend_config={"known_trip_count":{"n":"27"}}
}
)");
  EXPECT_DOUBLE_EQ(sim.result.latency_s, 33893);
}

// XLA: SimulateAsyncCopyLikeDoneTest.SimulateComputeInstructionWithEmptyQueues. A negate of
// f32[128] reads and writes 512 B each in default memory: 1024 s.
TEST(XlaSimulatorConformanceTest, ComputeInstructionWithEmptyQueues) {
  Simulated sim = SimulateXla(R"(HloModule module, is_scheduled=true

ENTRY %Entry (param_0: f32[128]) -> f32[128] {
  %param_0 = f32[128]{0} parameter(0)
  ROOT %neg = f32[128]{0} negate(%param_0)
}
)");
  EXPECT_DOUBLE_EQ(sim.At("neg").cost.elapsed_s, 1024);
  EXPECT_DOUBLE_EQ(sim.result.latency_s, 1024);
}

// XLA: SimulateAsyncCopyLikeDoneTest.SimulateComputeInstructionWithSingleAsyncCopy and
// AsyncCopyFullBandwidth. A 512 B prefetch is outstanding while a negate moves 256 B of
// default memory (256 s, memory bound: no idle time for the copy); the whole copy is left for
// its copy-done: 512 s at 1 B/s. Ours waits where the prefetched value is first read (a
// negate we add after the copy-done: our placements need a reader).
TEST(XlaSimulatorConformanceTest, ComputeInstructionWithSingleAsyncCopy) {
  Simulated sim = SimulateXla(R"(HloModule module, is_scheduled=true

ENTRY %Entry (param_0: f32[128], param_1: f32[32]) -> f32[128] {
  %param_0 = f32[128]{0} parameter(0)
  %param_1 = f32[32]{0} parameter(1)
  %copy-start.1 = (f32[128]{0:S(1)}, f32[128]{0}, u32[]) copy-start(%param_0)
  %neg = f32[32]{0} negate(%param_1)
  %copy-done.1 = f32[128]{0:S(1)} copy-done(%copy-start.1)
  ROOT %reader = f32[128]{0} negate(%copy-done.1)
}
)");
  EXPECT_DOUBLE_EQ(sim.At("neg").cost.elapsed_s, 256);
  EXPECT_DOUBLE_EQ(sim.At("reader").stall_s, 512);
}

// XLA: SimulateAsyncCopyLikeDoneTest.SimulateComputeInstructionWithFullBandwidth. The negate
// reads its 128 B operand from alternate memory (64 s at 2 B/s) and writes 128 B to default
// memory (128 s): 192 s, of which 64 s leave default memory idle, so the outstanding 512 B
// prefetch moves 64 B and 448 B are left (448 s at its copy-done). Ours makes the negate's
// operand in alternate memory first (XLA's test puts a parameter there, which our programs do
// not allow: inputs start in default memory).
TEST(XlaSimulatorConformanceTest, ComputeInstructionWithFullBandwidth) {
  Simulated sim = SimulateXla(R"(HloModule module, is_scheduled=true

ENTRY %Entry (param_0: f32[128], param_1: f32[32]) -> f32[128] {
  %param_0 = f32[128]{0} parameter(0)
  %param_1 = f32[32]{0} parameter(1)
  %operand = f32[32]{0:S(1)} negate(%param_1)
  %copy-start.1 = (f32[128]{0:S(1)}, f32[128]{0}, u32[]) copy-start(%param_0)
  %neg = f32[32]{0} negate(%operand)
  %copy-done.1 = f32[128]{0:S(1)} copy-done(%copy-start.1)
  ROOT %reader = f32[128]{0} negate(%copy-done.1)
}
)");
  EXPECT_DOUBLE_EQ(sim.At("neg").cost.elapsed_s, 192);
  EXPECT_DOUBLE_EQ(sim.At("reader").stall_s, 448);
}

// XLA: MemorySpaceAssignmentSimulatorTest.AsyncCopyWithComputationOverhead. A 32 B prefetch
// over a negate that moves 16 B of default memory (16 s, memory bound): 16 s, then 32 s at the
// copy-done, 48 s in all (ours: the 32 s fall on the reader we add).
TEST(XlaSimulatorConformanceTest, AsyncCopyWithComputationOverhead) {
  Simulated sim = SimulateXla(R"(HloModule module, is_scheduled=true

ENTRY %Entry (param_0: f32[8], param_1: f32[2]) -> f32[8] {
  %param_0 = f32[8]{0} parameter(0)
  %param_1 = f32[2]{0} parameter(1)
  %copy-start.1 = (f32[8]{0:S(1)}, f32[8]{0}, u32[]) copy-start(%param_0)
  %neg_compute = f32[2]{0} negate(%param_1)
  %copy-done.1 = f32[8]{0:S(1)} copy-done(%copy-start.1)
  ROOT %reader = f32[8]{0} negate(%copy-done.1)
}
)");
  EXPECT_DOUBLE_EQ(sim.At("neg_compute").cost.elapsed_s, 16);
  EXPECT_DOUBLE_EQ(sim.At("neg_compute").cost.elapsed_s + sim.At("reader").stall_s, 48);
}

// XLA: MemorySpaceAssignmentSimulatorTest.SingleAsyncCopyOverhead. A prefetch of
// f32[1,1,1024,2048] with nothing to overlap: 1024 x 2048 x 4 B at 1 B/s = 8388608 s.
TEST(XlaSimulatorConformanceTest, SingleAsyncCopyOverhead) {
  Simulated sim = SimulateXla(R"(HloModule module, is_scheduled=true

ENTRY %Entry (param_0: f32[1,1,1024,2048]) -> f32[1,1,1024,2048] {
  %param_0 = f32[1,1,1024,2048]{3,2,1,0} parameter(0)
  %copy-start.1 = (f32[1,1,1024,2048]{3,2,1,0:S(1)}, f32[1,1,1024,2048]{3,2,1,0}, u32[]) copy-start(%param_0)
  %copy-done.1 = f32[1,1,1024,2048]{3,2,1,0:S(1)} copy-done(%copy-start.1)
  ROOT %reader = f32[1,1,1024,2048]{3,2,1,0} negate(%copy-done.1)
}
)");
  EXPECT_DOUBLE_EQ(sim.At("reader").stall_s, 8388608);
}

}  // namespace
}  // namespace mmap_opt
