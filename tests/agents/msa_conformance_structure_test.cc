// Conformance with XLA's memory_space_assignment_test.cc, part 2: values reached through
// tuples, bitcasts, fusions and while loops (the set-up and conventions of part 1,
// msa_conformance_test.cc). Our importer follows XLA's dataflow: get-tuple-element, bitcast
// and tuple elements are views of the buffer they forward, so "the add's operand is in
// alternate memory" is "a placement of the buffer behind it covers the add".
#include <string>
#include <vector>

#include "conformance_util.h"
#include "gtest/gtest.h"
#include "mmap_opt/game/buffer_order.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::MsaRun;
using ::mmap_opt::testing::NegateChain;
using ::mmap_opt::testing::RunXlaMsa;
using ::mmap_opt::testing::XlaInstructionCountOptions;

// XLA: MemorySpaceAssignmentTest.Tuple. A tuple parameter's elements are prefetched where they
// are read late: element {1} for the add and the nested {2}{0} for the mul.
TEST(MsaConformanceStructureTest, Tuple) {
  MsaRun run = RunXlaMsa(R"(HloModule Tuple, is_scheduled=true

ENTRY %Tuple (p: (f32[2,3], f32[2,3], (f32[2,3]))) -> f32[2,3] {
  %p = (f32[2,3]{1,0}, f32[2,3]{1,0}, (f32[2,3]{1,0})) parameter(0)
  %p0 = f32[2,3]{1,0} get-tuple-element(%p), index=0
)" + NegateChain("p0", 7) +
                         R"(
  %p1 = f32[2,3]{1,0} get-tuple-element(%p), index=1
  %add = f32[2,3]{1,0} add(%negate6, %p1)
  %p2 = (f32[2,3]{1,0}) get-tuple-element(%p), index=2
  %p2_0 = f32[2,3]{1,0} get-tuple-element(%p2), index=0
  ROOT %mul = f32[2,3]{1,0} multiply(%add, %p2_0)
}
)");
  SCOPED_TRACE(run.Describe());
  ASSERT_EQ(run.Prefetches("p{1}").size(), 1u);
  EXPECT_TRUE(run.FastAt("p{1}", run.TimeOf("add")));
  ASSERT_EQ(run.Prefetches("p{2}{0}").size(), 1u);
  EXPECT_TRUE(run.FastAt("p{2}{0}", run.TimeOf("mul")));
  EXPECT_TRUE(run.Produced("add"));
}

// XLA: MemorySpaceAssignmentTest.Bitcast. negate goes to alternate memory and the add reads it
// there through the bitcast.
TEST(MsaConformanceStructureTest, Bitcast) {
  MsaRun run = RunXlaMsa(R"(HloModule Bitcast, is_scheduled=true

ENTRY %Bitcast (p0: f32[2,3], p1: f32[6]) -> f32[6] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[6]{0} parameter(1)
  %negate = f32[2,3]{1,0} negate(%p0)
  %bitcast = f32[6]{0} bitcast(%negate)
  ROOT %add = f32[6]{0} add(%bitcast, %p1)
}
)");
  EXPECT_TRUE(run.Produced("negate"));
  EXPECT_TRUE(run.FastAt("negate", run.TimeOf("add")));
}

// XLA: MemorySpaceAssignmentTest.Bitcast2. p1, read through a bitcast by the add after five
// negates, is prefetched: the add's operand 0 is in alternate memory.
TEST(MsaConformanceStructureTest, Bitcast2) {
  MsaRun run = RunXlaMsa(R"(HloModule Bitcast2, is_scheduled=true

ENTRY %Bitcast2 (p0: f32[2,3], p1: f32[6]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[6]{0} parameter(1)
)" + NegateChain("p0", 5) +
                         R"(
  %bitcast = f32[2,3]{1,0} bitcast(%p1)
  ROOT %add = f32[2,3]{1,0} add(%bitcast, %negate4)
}
)");
  ASSERT_EQ(run.Prefetches("p1").size(), 1u);
  EXPECT_TRUE(run.FastAt("p1", run.TimeOf("add")));
}

// XLA: MemorySpaceAssignmentTest.Bitcast3. p1 is prefetched once and read in alternate memory
// through three bitcasts by the add and the mul; add is made in alternate memory and read
// there by the mul through a bitcast.
TEST(MsaConformanceStructureTest, Bitcast3) {
  MsaRun run = RunXlaMsa(R"(HloModule Bitcast3, is_scheduled=true

ENTRY %Bitcast3 (p0: f32[2,3], p1: f32[6]) -> f32[3,2] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[6]{0} parameter(1)
)" + NegateChain("p0", 5) +
                         R"(
  %bitcast1 = f32[2,3]{1,0} bitcast(%p1)
  %add = f32[2,3]{1,0} add(%bitcast1, %negate4)
  %bitcast2 = f32[1,6]{1,0} bitcast(%p1)
  %bitcast3 = f32[3,2]{1,0} bitcast(%bitcast2)
  %bitcast4 = f32[3,2]{1,0} bitcast(%add)
  ROOT %mul = f32[3,2]{1,0} multiply(%bitcast3, %bitcast4)
}
)");
  ASSERT_EQ(run.Prefetches("p1").size(), 1u);
  EXPECT_TRUE(run.FastAt("p1", run.TimeOf("add")));
  EXPECT_TRUE(run.FastAt("p1", run.TimeOf("mul")));
  EXPECT_TRUE(run.Produced("add"));
  EXPECT_TRUE(run.FastAt("add", run.TimeOf("mul")));
}

// XLA: MemorySpaceAssignmentTest.BitcastMultiUse. A bitcast of p1 read by negate0 at once and
// by the add after five negates: negate0 reads default memory, the add alternate memory.
TEST(MsaConformanceStructureTest, BitcastMultiUse) {
  MsaRun run = RunXlaMsa(R"(HloModule BitcastMultiUse, is_scheduled=true

ENTRY %BitcastMultiUse (p1: f32[6]) -> f32[2,3] {
  %p1 = f32[6]{0} parameter(0)
  %bitcast = f32[2,3]{1,0} bitcast(%p1)
)" + NegateChain("bitcast", 5) +
                         R"(
  ROOT %add = f32[2,3]{1,0} add(%bitcast, %negate4)
}
)");
  EXPECT_FALSE(run.FastAt("p1", run.TimeOf("negate0")));
  ASSERT_EQ(run.Prefetches("p1").size(), 1u);
  EXPECT_TRUE(run.FastAt("p1", run.TimeOf("add")));
}

// XLA: MemorySpaceAssignmentTest.BitcastMultiUseTuple. As BitcastMultiUse, the second read
// being a fusion that takes a tuple of the bitcast and negate4: the fusion reads p1 from
// alternate memory, negate0 from default memory.
TEST(MsaConformanceStructureTest, BitcastMultiUseTuple) {
  MsaRun run = RunXlaMsa(R"(HloModule BitcastMultiUseTuple, is_scheduled=true

%fused_add (fp: (f32[2,3], f32[2,3])) -> f32[2,3] {
  %fp = (f32[2,3]{1,0}, f32[2,3]{1,0}) parameter(0)
  %fe0 = f32[2,3]{1,0} get-tuple-element(%fp), index=0
  %fe1 = f32[2,3]{1,0} get-tuple-element(%fp), index=1
  ROOT %fadd = f32[2,3]{1,0} add(%fe0, %fe1)
}

ENTRY %BitcastMultiUseTuple (p1: f32[6]) -> f32[2,3] {
  %p1 = f32[6]{0} parameter(0)
  %bitcast = f32[2,3]{1,0} bitcast(%p1)
)" + NegateChain("bitcast", 5) +
                         R"(
  %tuple = (f32[2,3]{1,0}, f32[2,3]{1,0}) tuple(%bitcast, %negate4)
  ROOT %fusion = f32[2,3]{1,0} fusion(%tuple), kind=kCustom, calls=%fused_add
}
)");
  SCOPED_TRACE(run.Describe());
  EXPECT_FALSE(run.FastAt("p1", run.TimeOf("negate0")));
  ASSERT_EQ(run.Prefetches("p1").size(), 1u);
  EXPECT_TRUE(run.FastAt("p1", run.TimeOf("fusion")));
}

// The fusions of XLA's TupleToTuple tests: fused_pair makes a tuple of its two operands,
// fused_sum adds the two elements of the tuple it takes.
constexpr char kPairFusions[] = R"(%fused_pair (a: f32[2,3], b: f32[2,3]) -> (f32[2,3], f32[2,3]) {
  %a = f32[2,3]{1,0} parameter(0)
  %b = f32[2,3]{1,0} parameter(1)
  ROOT %pair = (f32[2,3]{1,0}, f32[2,3]{1,0}) tuple(%a, %b)
}

%fused_sum (fp: (f32[2,3], f32[2,3])) -> f32[2,3] {
  %fp = (f32[2,3]{1,0}, f32[2,3]{1,0}) parameter(0)
  %fe0 = f32[2,3]{1,0} get-tuple-element(%fp), index=0
  %fe1 = f32[2,3]{1,0} get-tuple-element(%fp), index=1
  ROOT %fadd = f32[2,3]{1,0} add(%fe0, %fe1)
}

)";

// XLA: MemorySpaceAssignmentTest.TupleToTuple1. fusion0 makes a tuple of two values; add0,
// after seven negates, reads both through get-tuple-elements and fusion1 reads the tuple
// last. With windows of at most 5 instructions, each element is too long-lived to stay in
// alternate memory from fusion0 on: both are written to default memory and prefetched, and
// fusion1 reads the prefetched copies.
TEST(MsaConformanceStructureTest, TupleToTuple1) {
  MsaRun run = RunXlaMsa(std::string("HloModule TupleToTuple1, is_scheduled=true\n\n") +
                             kPairFusions + R"(
ENTRY %TupleToTuple1 (p0: f32[2,3]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %fusion0 = (f32[2,3]{1,0}, f32[2,3]{1,0}) fusion(%p0, %p0), kind=kCustom, calls=%fused_pair
  %element0 = f32[2,3]{1,0} get-tuple-element(%fusion0), index=0
  %element1 = f32[2,3]{1,0} get-tuple-element(%fusion0), index=1
)" + NegateChain("p0", 7) + R"(
  %add0 = f32[2,3]{1,0} add(%element0, %element1)
  %add1 = f32[2,3]{1,0} add(%add0, %negate6)
  %fusion1 = f32[2,3]{1,0} fusion(%fusion0), kind=kCustom, calls=%fused_sum
  ROOT %mul = f32[2,3]{1,0} multiply(%add1, %fusion1)
}
)",
                         XlaInstructionCountOptions(2, 5));
  SCOPED_TRACE(run.Describe());
  for (const std::string element : {"fusion0{0}", "fusion0{1}"}) {
    std::vector<proto::Placement> back = run.Prefetches(element);
    ASSERT_EQ(back.size(), 1u) << element;
    EXPECT_LE(back[0].start(), run.TimeOf("fusion1")) << element;
    EXPECT_GE(back[0].end(), run.TimeOf("fusion1")) << element;
    EXPECT_EQ(run.Of(element).size(), 1u) << element;
  }
}

// XLA: MemorySpaceAssignmentTest.TupleToTuple2. As TupleToTuple1 with a nested tuple
// (p0, (p0, p0)) from fusion0 and fusion1 reading it after seven negates: all three array
// elements are prefetched for fusion1.
TEST(MsaConformanceStructureTest, TupleToTuple2) {
  MsaRun run = RunXlaMsa(R"(HloModule TupleToTuple2, is_scheduled=true

%fused_nest (a: f32[2,3], b: f32[2,3]) -> (f32[2,3], (f32[2,3], f32[2,3])) {
  %a = f32[2,3]{1,0} parameter(0)
  %b = f32[2,3]{1,0} parameter(1)
  %inner = (f32[2,3]{1,0}, f32[2,3]{1,0}) tuple(%a, %b)
  ROOT %outer = (f32[2,3]{1,0}, (f32[2,3]{1,0}, f32[2,3]{1,0})) tuple(%a, %inner)
}

%fused_read (fp: (f32[2,3], (f32[2,3], f32[2,3]))) -> f32[2,3] {
  %fp = (f32[2,3]{1,0}, (f32[2,3]{1,0}, f32[2,3]{1,0})) parameter(0)
  %fe0 = f32[2,3]{1,0} get-tuple-element(%fp), index=0
  %fe1 = (f32[2,3]{1,0}, f32[2,3]{1,0}) get-tuple-element(%fp), index=1
  %fe11 = f32[2,3]{1,0} get-tuple-element(%fe1), index=1
  ROOT %fadd = f32[2,3]{1,0} add(%fe0, %fe11)
}

ENTRY %TupleToTuple2 (p0: f32[2,3]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %fusion0 = (f32[2,3]{1,0}, (f32[2,3]{1,0}, f32[2,3]{1,0})) fusion(%p0, %p0), kind=kCustom, calls=%fused_nest
)" + NegateChain("p0", 7) + R"(
  ROOT %fusion1 = f32[2,3]{1,0} fusion(%fusion0), kind=kCustom, calls=%fused_read
}
)",
                         XlaInstructionCountOptions(2, 5));
  SCOPED_TRACE(run.Describe());
  for (const std::string element : {"fusion0{0}", "fusion0{1}{0}", "fusion0{1}{1}"}) {
    ASSERT_EQ(run.Prefetches(element).size(), 1u) << element;
    EXPECT_TRUE(run.FastAt(element, run.TimeOf("fusion1"))) << element;
  }
}

// XLA: MemorySpaceAssignmentTest.TupleToTuple3. fusion1 reads fusion0's tuple right after it
// is made: its elements stay in alternate memory from fusion0 to fusion1 with no copy.
TEST(MsaConformanceStructureTest, TupleToTuple3) {
  MsaRun run =
      RunXlaMsa(std::string("HloModule TupleToTuple3, is_scheduled=true\n\n") + kPairFusions + R"(
ENTRY %TupleToTuple3 (p0: f32[2,3]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %fusion0 = (f32[2,3]{1,0}, f32[2,3]{1,0}) fusion(%p0, %p0), kind=kCustom, calls=%fused_pair
  ROOT %fusion1 = f32[2,3]{1,0} fusion(%fusion0), kind=kCustom, calls=%fused_sum
}
)");
  SCOPED_TRACE(run.Describe());
  EXPECT_TRUE(run.Produced("fusion0{0}"));
  EXPECT_TRUE(run.Produced("fusion0{1}"));
  EXPECT_TRUE(run.FastAt("fusion0{0}", run.TimeOf("fusion1")));
}

// XLA: MemorySpaceAssignmentTest.While. body_data_mul, made and read inside the loop body and
// independent of the loop state, goes to alternate memory.
TEST(MsaConformanceStructureTest, While) {
  MsaRun run = RunXlaMsa(R"(HloModule While, is_scheduled=true

%WhileCond (cond_param: (f32[2,3], f32[])) -> pred[] {
  %cond_param = (f32[2,3]{1,0}, f32[]) parameter(0)
  %cond_iter = f32[] get-tuple-element(%cond_param), index=1
  %cond_limit = f32[] constant(50)
  ROOT %cond_lt = pred[] compare(%cond_iter, %cond_limit), direction=LT
}

%WhileBody (body_param: (f32[2,3], f32[])) -> (f32[2,3], f32[]) {
  %body_param = (f32[2,3]{1,0}, f32[]) parameter(0)
  %body_iter = f32[] get-tuple-element(%body_param), index=1
  %body_data = f32[2,3]{1,0} get-tuple-element(%body_param), index=0
  %body_iter_increment = f32[] constant(1)
  %body_iter_next = f32[] add(%body_iter, %body_iter_increment)
  %body_data_increment = f32[2,3]{1,0} constant({ { 1, 2, 3 }, { 4, 5, 6 } })
  %body_data_mul = f32[2,3]{1,0} multiply(%body_data, %body_data)
  %body_data_add = f32[2,3]{1,0} add(%body_data, %body_data_increment)
  %body_data_next = f32[2,3]{1,0} add(%body_data_add, %body_data_mul)
  ROOT %body_out = (f32[2,3]{1,0}, f32[]) tuple(%body_data_next, %body_iter_next)
}

ENTRY %While (param_iter: f32[2,3], param_data: f32[]) -> (f32[2,3], f32[]) {
  %param_data = f32[] parameter(1)
  %param_iter = f32[2,3]{1,0} parameter(0)
  %tuple = (f32[2,3]{1,0}, f32[]) tuple(%param_iter, %param_data)
  ROOT %while = (f32[2,3]{1,0}, f32[]) while(%tuple), condition=%WhileCond, body=%WhileBody
}
)");
  EXPECT_TRUE(run.Produced("body_data_mul"));
}

// XLA: MemorySpaceAssignmentTest.NonEntryComputationSchedule6. param_data enters the loop
// unchanged (element {0}, passed through by the body) and is read by the body's first negate
// and by the ROOT after the loop: it is in alternate memory at both. (XLA also requires the
// loop-carried element {2}, rewritten by the body, to stay in default memory, because XLA
// gives a loop's carried values one buffer; ours gives the body's value a buffer of its own,
// so that rule has nothing to bind: listed difference.)
TEST(MsaConformanceStructureTest, NonEntryComputationSchedule6) {
  MsaRun run = RunXlaMsa(R"(HloModule NonEntryComputationSchedule6, is_scheduled=true

%WhileCond (cond_param: (f32[2,3], f32[], f32[2,3])) -> pred[] {
  %cond_param = (f32[2,3]{1,0}, f32[], f32[2,3]{1,0}) parameter(0)
  %cond_iter = f32[] get-tuple-element(%cond_param), index=1
  %cond_limit = f32[] constant(50)
  ROOT %cond_lt = pred[] compare(%cond_iter, %cond_limit), direction=LT
}

%WhileBody (body_param: (f32[2,3], f32[], f32[2,3])) -> (f32[2,3], f32[], f32[2,3]) {
  %body_param = (f32[2,3]{1,0}, f32[], f32[2,3]{1,0}) parameter(0)
  %body_iter = f32[] get-tuple-element(%body_param), index=1
  %body_data = f32[2,3]{1,0} get-tuple-element(%body_param), index=0
)" + NegateChain("body_data", 8, "f32[2,3]{1,0}", "body_negate") +
                             R"(
  %body_iter_increment = f32[] constant(1)
  %body_iter_next = f32[] add(%body_iter, %body_iter_increment)
  ROOT %body_out = (f32[2,3]{1,0}, f32[], f32[2,3]{1,0}) tuple(%body_data, %body_iter_next, %body_negate7)
}

ENTRY %main (param_data: f32[2,3], param_iter: f32[]) -> f32[2,3] {
  %param_iter = f32[] parameter(1)
  %param_data = f32[2,3]{1,0} parameter(0)
)" + NegateChain("param_data", 8) +
                             R"(
  %tuple = (f32[2,3]{1,0}, f32[], f32[2,3]{1,0}) tuple(%param_data, %param_iter, %negate7)
  %while = (f32[2,3]{1,0}, f32[], f32[2,3]{1,0}) while(%tuple), condition=%WhileCond, body=%WhileBody
  %while_data = f32[2,3]{1,0} get-tuple-element(%while), index=0
  %while_data2 = f32[2,3]{1,0} get-tuple-element(%while), index=2
  ROOT %root = f32[2,3]{1,0} add(%while_data, %while_data2)
}
)",
                         XlaInstructionCountOptions(2, 25));
  SCOPED_TRACE(run.Describe());
  EXPECT_TRUE(run.FastAt("param_data", run.TimeOf("body_negate0")));
  EXPECT_TRUE(run.FastAt("param_data", run.TimeOf("root")));
}

// XLA: MemorySpaceAssignmentTest.SimpleWhileTupleTest. A loop over an (s32[], f32[1]) tuple
// parameter whose result is the program's output: the parameter and the loop's result are in
// default memory. Ours: the parameter's elements stay in default memory (they are only
// prefetched for their reads), and the loop's results end there (evicted outputs). XLA keeps
// the results in default memory throughout, because a loop's carried values share one
// buffer with the (default-memory) parameter; ours gives the body's values buffers of their
// own and produces them in alternate memory (listed difference: loop-carried values).
TEST(MsaConformanceStructureTest, SimpleWhileTupleTest) {
  MsaRun run = RunXlaMsa(R"(HloModule SimpleWhile, is_scheduled=true

%WhileCond (x: (s32[], f32[1])) -> pred[] {
  %const4 = s32[] constant(4)
  %x = (s32[], f32[1]{0}) parameter(0)
  %index = s32[] get-tuple-element(%x), index=0
  ROOT %compare = pred[] compare(%index, %const4), direction=LT
}

%WhileBody (x: (s32[], f32[1])) -> (s32[], f32[1]) {
  %const1 = s32[] constant(1)
  %constv = f32[1]{0} constant({1.1})
  %x = (s32[], f32[1]{0}) parameter(0)
  %indexc = s32[] get-tuple-element(%x), index=0
  %addc = s32[] add(%indexc, %const1)
  %indexv = f32[1]{0} get-tuple-element(%x), index=1
  %addv = f32[1]{0} add(%indexv, %constv)
  ROOT %body_out = (s32[], f32[1]{0}) tuple(%addc, %addv)
}

ENTRY %SimpleWhile (param: (s32[], f32[1])) -> (s32[], f32[1]) {
  %param = (s32[], f32[1]{0}) parameter(0)
  %gte0 = s32[] get-tuple-element(%param), index=0
  %gte1 = f32[1]{0} get-tuple-element(%param), index=1
  %tuple = (s32[], f32[1]{0}) tuple(%gte0, %gte1)
  ROOT %while0 = (s32[], f32[1]{0}) while(%tuple), condition=%WhileCond, body=%WhileBody
}
)",
                         XlaInstructionCountOptions(2, 50));
  SCOPED_TRACE(run.Describe());
  for (const std::string name : {"param{0}", "param{1}"}) {
    for (const proto::Placement& p : run.Of(name)) {
      EXPECT_EQ(p.source(), proto::Placement::PREFETCHED) << name;
    }
  }
  for (const std::string name : {"addc", "addv"}) {
    EXPECT_TRUE(run.Produced(name)) << name;
    EXPECT_TRUE(run.Evicted(name)) << name << " is an output";
  }
}

// XLA: MemorySpaceAssignmentTest.InputOutputAlias. A tuple parameter whose elements alias the
// output: both elements stay in default memory (no PRODUCED placement can exist for an
// input, and p{0}, returned as is, is never brought in: nothing reads it).
TEST(MsaConformanceStructureTest, InputOutputAlias) {
  MsaRun run = RunXlaMsa(
      R"(HloModule InputOutputAlias, is_scheduled=true, input_output_alias={ {0}: (0, {0}, may-alias), {1}: (0, {1}, may-alias) }

ENTRY %InputOutputAlias (p: (f32[2,3], f32[2,3])) -> (f32[2,3], f32[2,3]) {
  %p = (f32[2,3]{1,0}, f32[2,3]{1,0}) parameter(0)
  %p0 = f32[2,3]{1,0} get-tuple-element(%p), index=0
)" + NegateChain("p0", 7) +
      R"(
  %p1 = f32[2,3]{1,0} get-tuple-element(%p), index=1
  %add = f32[2,3]{1,0} add(%negate6, %p1)
  %negate7 = f32[2,3]{1,0} negate(%add)
  ROOT %tuple = (f32[2,3]{1,0}, f32[2,3]{1,0}) tuple(%p0, %add)
}
)");
  SCOPED_TRACE(run.Describe());
  for (const std::string name : {"p{0}", "p{1}"}) {
    for (const proto::Placement& p : run.Of(name)) {
      EXPECT_EQ(p.source(), proto::Placement::PREFETCHED) << name;
    }
  }
  EXPECT_TRUE(run.Slow("p{0}"));
}

// XLA: MemorySpaceAssignmentTest.PendingChunkMemoryCorruptionBug. With a comparator that
// decides sine, then cosine, then tanh values first, prefetches for m and o must not land in
// chunks another pending allocation holds: the assignment validates (no two rectangles
// overlap), and the values the comparator put first are in alternate memory.
TEST(MsaConformanceStructureTest, PendingChunkMemoryCorruptionBug) {
  const std::string hlo = R"(HloModule bug, is_scheduled=true

ENTRY %Entry (param0: f32[8,3], param1: f32[2,4]) -> (f32[2,4], f32[8,3], f32[8,3]) {
  %param0 = f32[8,3]{1,0} parameter(0)
  %param1 = f32[2,4]{1,0} parameter(1)
  %a = f32[8,3]{1,0} sine(%param0)
  %b = f32[2,4]{1,0} cosine(%param1)
  %d = f32[8,3]{1,0} tanh(%a)
  %c = f32[8,3]{1,0} negate(%a)
  %e = f32[2,4]{1,0} negate(%b)
  %f = f32[2,4]{1,0} negate(%e)
  %g = f32[2,4]{1,0} negate(%f)
  %h = f32[2,4]{1,0} negate(%g)
  %i = f32[2,4]{1,0} negate(%h)
  %j = f32[2,4]{1,0} negate(%i)
  %k = f32[2,4]{1,0} negate(%j)
  %l = f32[2,4]{1,0} negate(%k)
  %m = f32[8,3]{1,0} negate(%d)
  %n = f32[2,4]{1,0} sine(%l)
  %o = f32[8,3]{1,0} negate(%d)
  %p = f32[2,4]{1,0} negate(%n)
  %q = f32[8,3]{1,0} negate(%m)
  ROOT %tuple = (f32[2,4]{1,0}, f32[8,3]{1,0}, f32[8,3]{1,0}) tuple(%p, %q, %o)
}
)";
  // XLA's comparator as a priority list: sine first, then cosine, then tanh, then the rest.
  const MsaRun plain = RunXlaMsa(hlo);
  HeuristicOptions options = XlaInstructionCountOptions();
  const std::vector<double> spatial = SpatialBufferPriority(*Program::Create(plain.program()));
  options.priority = spatial;
  for (int b = 0; b < plain.program().buffers_size(); ++b) {
    const std::string& name = plain.program().buffers(b).name();
    const double band = name == "a" || name == "n" ? 3 : name == "b" ? 2 : name == "d" ? 1 : 0;
    options.priority[b] += band * 1000;
  }
  MsaRun run = RunXlaMsa(hlo, options);
  SCOPED_TRACE(run.Describe());
  EXPECT_TRUE(run.Produced("a"));
  EXPECT_TRUE(run.Produced("b"));
  EXPECT_FALSE(run.Of("d").empty());
}

}  // namespace
}  // namespace mmap_opt
