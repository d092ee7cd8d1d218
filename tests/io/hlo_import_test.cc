// HLO import: both text dialects, dataflow (tuples, views, while, conditional), byte sizes of
// every element type, and FLOPs worked out by hand.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/model/program.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::SourcePath;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

proto::Program Import(const std::string& text, const HloImportOptions& options = {}) {
  absl::StatusOr<proto::Program> program = ImportHlo("test.hlo", text, options);
  EXPECT_TRUE(program.ok()) << program.status();
  if (!program.ok()) return {};
  absl::Status valid = ValidateProgram(*program);
  EXPECT_TRUE(valid.ok()) << valid;
  return *program;
}

const proto::Buffer& BufferNamed(const proto::Program& program, const std::string& name) {
  for (const proto::Buffer& b : program.buffers()) {
    if (b.name() == name) return b;
  }
  ADD_FAILURE() << "no buffer named " << name;
  static const proto::Buffer kNone;
  return kNone;
}

const proto::Instruction& InstructionNamed(const proto::Program& program, const std::string& name) {
  for (const proto::Instruction& i : program.instructions()) {
    if (i.name() == name) return i;
  }
  ADD_FAILURE() << "no instruction named " << name;
  static const proto::Instruction kNone;
  return kNone;
}

std::vector<std::string> Names(const proto::Program& program) {
  std::vector<std::string> names;
  for (const proto::Instruction& i : program.instructions()) names.push_back(i.name());
  return names;
}

std::string AllNotes(const proto::Program& program) { return absl::StrJoin(program.notes(), "\n"); }

TEST(HloImportTest, InlineShapeDialectGivesTheHandComputedProgram) {
  proto::Program program =
      Import(ReadTestFile(SourcePath("tests/testdata/hlo/mlp_inline_shapes.hlo")));
  EXPECT_EQ(program.name(), "mlp");
  // Parameters and constants are inputs, so the schedule is the five computing instructions.
  EXPECT_THAT(Names(program), ElementsAre("dot", "fusion", "tanh", "loss", "out"));
  // dot: 2 x (8x32 outputs) x 16 contracted = 8192. fusion: its body's maximum, 256 (the
  // broadcast is free). tanh: 256 transcendentals. reduce: 256 input elements.
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "dot").flops(), 8192);
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "fusion").flops(), 256);
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "tanh").flops(), 0);
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "tanh").transcendentals(), 256);
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "loss").flops(), 256);
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "out").flops(), 0);

  absl::StatusOr<Program> model = Program::Create(program);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_DOUBLE_EQ(model->total_flops(), 8192 + 256 + 256);
  // Buffers: x 8x16x4 = 512, w 16x32x4 = 2048, dot/fusion/tanh 8x32x4 = 1024 each, the two
  // f32 scalars (constant zero, loss) 4 each, the output tuple's table 2 x 8 = 16.
  ASSERT_EQ(program.buffers_size(), 8);
  EXPECT_EQ(BufferNamed(program, "x").size(), 512);
  EXPECT_EQ(BufferNamed(program, "w").size(), 2048);
  EXPECT_EQ(BufferNamed(program, "out").size(), 16);
  EXPECT_FALSE(BufferNamed(program, "x").has_defined_by());
  EXPECT_FALSE(BufferNamed(program, "zero").has_defined_by());
  // Outputs: the ROOT tuple's table and both elements (fusion, loss); nothing else.
  std::vector<std::string> outputs;
  for (const proto::Buffer& b : program.buffers()) {
    if (b.is_output()) outputs.push_back(b.name());
  }
  EXPECT_THAT(outputs, ElementsAre("fusion", "loss", "out"));
  // The tuple writes its table and reads nothing: its elements are aliases.
  EXPECT_THAT(InstructionNamed(program, "out").operands(), IsEmpty());
  // t=0: x 512 + w 2048 + zero 4 + dot 1024 = 3588, more than any later time (t=3: zero,
  // fusion, tanh, loss = 2056).
  EXPECT_EQ(model->peak_live_bytes(), 3588);
  EXPECT_EQ(model->peak_live_time(), 0);
  EXPECT_EQ(model->live_bytes(3), 2056);
}

TEST(HloImportTest, BareNameDialectGivesTheSameProgram) {
  proto::Program inline_shapes =
      Import(ReadTestFile(SourcePath("tests/testdata/hlo/mlp_inline_shapes.hlo")));
  proto::Program bare = Import(ReadTestFile(SourcePath("tests/testdata/hlo/mlp_bare_names.hlo")));
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(inline_shapes, bare)) << diff;
}

TEST(HloImportTest, TupleElementsAliasAndZeroByteValuesHaveNoBuffer) {
  proto::Program program = Import(R"(HloModule m
ENTRY e {
  a = f32[4] parameter(0)
  cc = (f32[4], token[], bf16[0], s8[3]) custom-call(a), custom_call_target="my_kernel"
  g0 = f32[4] get-tuple-element(cc), index=0
  g1 = token[] get-tuple-element(cc), index=1
  b = f32[4] bitcast(g0)
  n = f32[4] negate(b)
  s = f32[4] add(n, g0), control-predecessors={cc}
  g3 = s8[3] get-tuple-element(cc), index=3
  ROOT r = (f32[4], token[], s8[3]) tuple(s, g1, g3)
}
)");
  // The custom-call defines its table (4 x 8 = 32 bytes), f32[4] (16) and s8[3] (3); the token
  // and the empty array are stored nowhere.
  const proto::Instruction& cc = InstructionNamed(program, "cc");
  ASSERT_EQ(cc.outputs_size(), 3);
  EXPECT_EQ(program.buffers(cc.outputs(0)).size(), 32);
  EXPECT_EQ(program.buffers(cc.outputs(1)).size(), 16);
  EXPECT_EQ(program.buffers(cc.outputs(2)).size(), 3);
  EXPECT_EQ(program.buffers(cc.outputs(1)).name(), "cc{0}");
  // negate reads through bitcast and get-tuple-element: the custom-call's {0} buffer.
  EXPECT_THAT(InstructionNamed(program, "n").operands(), ElementsAre(cc.outputs(1)));
  const int64_t n_out = InstructionNamed(program, "n").outputs(0);
  EXPECT_THAT(InstructionNamed(program, "s").operands(), ElementsAre(n_out, cc.outputs(1)));
  EXPECT_THAT(AllNotes(program), HasSubstr("2 zero-byte values"));
  EXPECT_THAT(AllNotes(program), HasSubstr("1 my_kernel"));
}

TEST(HloImportTest, InlineOperandShapesWithTuplesAndAttributesOnTheirOwn) {
  // A tuple-shaped inline operand, and an operand list split across lines.
  proto::Program program = Import(R"(HloModule m
ENTRY e {
  p = (f32[2]{0}, (s32[], u8[5])) parameter(0)
  q = (s32[], u8[5]) get-tuple-element((f32[2]{0}, (s32[], u8[5])) %p), index=1
  u = u8[5] get-tuple-element((s32[], u8[5]) %q), index=1
  ROOT c = u8[5]{0} copy(
      u8[5]{0} %u)
}
)");
  // An entry tuple parameter: its tables (2 x 8, 2 x 8) and leaves are all inputs.
  EXPECT_EQ(program.buffers_size(), 6);
  EXPECT_EQ(BufferNamed(program, "p{1}{1}").size(), 5);
  EXPECT_THAT(InstructionNamed(program, "c").operands(),
              ElementsAre(BufferNamed(program, "p{1}{1}").id()));
}

TEST(HloImportTest, ElementTypesHaveXlaByteSizes) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"pred[3]", 3},        // One byte per bool.
      {"s4[3]", 2},          // 12 bits -> 2 bytes.
      {"u4[5]", 3},          // 20 bits -> 3 bytes.
      {"s2[5]", 2},          // 10 bits -> 2 bytes.
      {"u2[4]", 1},          // 8 bits.
      {"s4[3]{0:E(8)}", 3},  // Unpacked by the layout: 8 bits each.
      {"s8[7]", 7},         {"u16[3]", 6},          {"s32[2,3]", 24},  {"u64[2]", 16},
      {"f16[5]", 10},       {"bf16[2,2048]", 8192}, {"f64[3]", 24},    {"c64[2]", 16},
      {"c128[2]", 32},      {"f8e4m3fn[7]", 7},     {"f8e5m2[7]", 7},  {"f8e4m3b11fnuz[2]", 2},
      {"f8e5m2fnuz[2]", 2}, {"f8e4m3fnuz[2]", 2},   {"f8e3m4[2]", 2},  {"f8e4m3[2]", 2},
      {"f8e8m0fnu[2]", 2},  {"f32[]", 4},           {"f32[<=16]", 64},  // A dynamic dimension takes
                                                                        // its bound.
  };
  std::string text = "HloModule m\nENTRY e {\n";
  std::vector<std::string> names;
  for (size_t i = 0; i < cases.size(); ++i) {
    absl::StrAppend(&text, "  p", i, " = ", cases[i].first, " parameter(", i, ")\n");
    names.push_back(absl::StrCat("p", i));
  }
  absl::StrAppend(&text, "  tk = token[] after-all()\n");
  absl::StrAppend(&text, "  ROOT t = (pred[3], token[]) tuple(p0, tk)\n}\n");
  proto::Program program = Import(text);
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(BufferNamed(program, names[i]).size(), cases[i].second) << cases[i].first;
  }
  EXPECT_THAT(AllNotes(program), HasSubstr("1 zero-byte values"));  // The token.
}

constexpr char kWhile[] = R"(HloModule loop
cond {
  p = (s32[], f32[4]) parameter(0)
  i = s32[] get-tuple-element(p), index=0
  n = s32[] constant(8)
  ROOT lt = pred[] compare(i, n), direction=LT
}
body {
  p = (s32[], f32[4]) parameter(0)
  i = s32[] get-tuple-element(p), index=0
  x = f32[4] get-tuple-element(p), index=1
  one = s32[] constant(1)
  next = s32[] add(i, one)
  y = f32[4] exponential(x)
  ROOT t = (s32[], f32[4]) tuple(next, y)
}
ENTRY main {
  x0 = f32[4] parameter(0)
  zero = s32[] constant(0)
  init = (s32[], f32[4]) tuple(zero, x0)
  w = (s32[], f32[4]) while(init), condition=cond, body=body, backend_config={"known_trip_count":{"n":"8"}}
  ROOT r = f32[4] get-tuple-element(w), index=1
}
)";

TEST(HloImportTest, WhileBodiesAreFlattenedAndScaledByTheKnownTripCount) {
  proto::Program program = Import(kWhile);
  // The init tuple, then the condition, then the body.
  EXPECT_THAT(Names(program), ElementsAre("init", "lt", "next", "y", "t"));
  // Each body instruction runs 8 times: compare and add 1 FLOP x 8, exp 4 x 8.
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "lt").flops(), 8);
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "next").flops(), 8);
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "y").transcendentals(), 32);
  // And moves its bytes 8 times: exp reads x0 (16 B) and writes y (16 B) per iteration.
  EXPECT_THAT(InstructionNamed(program, "y").operand_bytes(), ElementsAre(128));
  EXPECT_THAT(InstructionNamed(program, "y").output_bytes(), ElementsAre(128));
  // The body's parameter is the init value: exp reads x0 itself, compare and add read zero.
  EXPECT_THAT(InstructionNamed(program, "y").operands(),
              ElementsAre(BufferNamed(program, "x0").id()));
  EXPECT_THAT(InstructionNamed(program, "lt").operands(),
              ElementsAre(BufferNamed(program, "zero").id(), BufferNamed(program, "n").id()));
  EXPECT_THAT(InstructionNamed(program, "next").operands(),
              ElementsAre(BufferNamed(program, "zero").id(), BufferNamed(program, "one").id()));
  // The loop's result is the body ROOT's: the output is y's buffer.
  EXPECT_TRUE(BufferNamed(program, "y").is_output());
  EXPECT_FALSE(BufferNamed(program, "x0").is_output());
  EXPECT_THAT(AllNotes(program), HasSubstr("while 'w': known_trip_count 8"));
}

TEST(HloImportTest, WhileWithoutTripCountCostsTheOptionsCount) {
  std::string text = kWhile;
  text.replace(text.find(", backend_config"), std::string::npos,
               "\n  ROOT r = f32[4] get-tuple-element(w), index=1\n}\n");
  proto::Program once = Import(text);
  EXPECT_DOUBLE_EQ(InstructionNamed(once, "y").transcendentals(), 4);
  EXPECT_THAT(InstructionNamed(once, "y").operand_bytes(), IsEmpty());
  EXPECT_THAT(AllNotes(once), HasSubstr("no known_trip_count"));
  proto::Program thrice = Import(text, {.unknown_trip_count = 3});
  EXPECT_DOUBLE_EQ(InstructionNamed(thrice, "y").transcendentals(), 12);
}

TEST(HloImportTest, ConditionalBranchesAreFlattenedAndTheResultAliasesTheLastBranch) {
  proto::Program program = Import(R"(HloModule c
on_true {
  a = f32[8] parameter(0)
  ROOT e = f32[8] exponential(a)
}
on_false {
  b = f32[8] parameter(0)
  ROOT n = f32[8] negate(b)
}
ENTRY main {
  p = pred[] parameter(0)
  x = f32[8] parameter(1)
  y = f32[8] parameter(2)
  c = f32[8] conditional(p, x, y), true_computation=on_true, false_computation=on_false
  ROOT out = f32[8] multiply(c, c)
}
)");
  EXPECT_THAT(Names(program), ElementsAre("e", "n", "out"));
  EXPECT_THAT(InstructionNamed(program, "e").operands(),
              ElementsAre(BufferNamed(program, "x").id()));
  EXPECT_THAT(InstructionNamed(program, "n").operands(),
              ElementsAre(BufferNamed(program, "y").id()));
  // multiply(c, c) reads the last branch's result, once.
  EXPECT_THAT(InstructionNamed(program, "out").operands(),
              ElementsAre(BufferNamed(program, "n").id()));
  EXPECT_THAT(AllNotes(program), HasSubstr("1 conditionals"));
}

TEST(HloImportTest, IndexedConditionalAndCallAreFlattenedInOrder) {
  proto::Program program = Import(R"(HloModule c
b0 {
  a = f32[2] parameter(0)
  ROOT r0 = f32[2] sqrt(a)
}
b1 {
  a = f32[2] parameter(0)
  ROOT r1 = f32[2] abs(a)
}
callee {
  u = f32[2] parameter(0)
  v = f32[2] parameter(1)
  ROOT s = f32[2] subtract(u, v)
}
ENTRY main {
  i = s32[] parameter(0)
  x = f32[2] parameter(1)
  c = f32[2] conditional(i, x, x), branch_computations={%b0, %b1}
  ROOT k = f32[2] call(c, x), to_apply=callee
}
)");
  EXPECT_THAT(Names(program), ElementsAre("r0", "r1", "s"));
  EXPECT_THAT(InstructionNamed(program, "s").operands(),
              ElementsAre(BufferNamed(program, "r1").id(), BufferNamed(program, "x").id()));
  EXPECT_TRUE(BufferNamed(program, "s").is_output());
}

TEST(HloImportTest, DotAndConvolutionFlopsFromDimensionNumbers) {
  proto::Program program = Import(R"(HloModule f
ENTRY main {
  l = bf16[2,3,4] parameter(0)
  r = bf16[2,4,5] parameter(1)
  bd = bf16[2,3,5] dot(l, r), lhs_batch_dims={0}, lhs_contracting_dims={2}, rhs_batch_dims={0}, rhs_contracting_dims={1}
  img = f32[1,8,8,3] parameter(2)
  k = f32[3,3,3,16] parameter(3)
  conv = f32[1,8,8,16] convolution(img, k), window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f
  dimg = f32[1,8,8,16] parameter(4)
  dk = f32[3,3,1,16] parameter(5)
  dw = f32[1,8,8,16] convolution(dimg, dk), window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f, feature_group_count=16
  v = s32[4] parameter(6)
  zero = s32[] constant(0)
  rw = s32[2] reduce-window(v, zero), window={size=2 stride=2}, to_apply=add
  ROOT t = (bf16[2,3,5], f32[1,8,8,16], f32[1,8,8,16], s32[2]) tuple(bd, conv, dw, rw)
}
add {
  a = s32[] parameter(0)
  b = s32[] parameter(1)
  ROOT s = s32[] add(a, b)
}
)");
  // Batched dot: 2 batches x 3 x 5 outputs = 30, x 4 contracted x 2 = 240.
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "bd").flops(), 240);
  // 3x3 conv, 3 -> 16 channels on 8x8: 1x8x8x16 = 1024 outputs x 9 taps x 3 inputs = 27648
  // MACs = 55296 FLOPs (border taps in the padding counted too).
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "conv").flops(), 55296);
  // Depthwise (16 groups of 1 channel): 1024 outputs x 9 taps x 1 input x 2 = 18432.
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "dw").flops(), 18432);
  // reduce-window: 2 outputs x 2-element windows.
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "rw").flops(), 4);
}

TEST(HloImportTest, CollectivesMoveBytesAndAsyncPairsAlias) {
  proto::Program program = Import(R"(HloModule coll, is_scheduled=true
sum {
  a = f32[] parameter(0)
  b = f32[] parameter(1)
  ROOT s = f32[] add(a, b)
}
ENTRY main {
  x = f32[256] parameter(0)
  ags = (f32[256], f32[1024]) all-gather-start(x), dimensions={0}, replica_groups={{0,1,2,3}}
  agd = f32[1024] all-gather-done(ags)
  ar = f32[1024] all-reduce(agd), replica_groups=[1,4]<=[4], to_apply=sum
  cps = (f32[1024], f32[1024], u32[], u32[]) collective-permute-start(ar), source_target_pairs={{0,1},{1,0}}
  cpd = f32[1024] collective-permute-done(cps)
  ROOT n = f32[1024] negate(cpd)
}
)");
  EXPECT_THAT(Names(program), ElementsAre("ags", "ar", "cps", "n"));
  // all-gather-start: reads x, writes its table (2 x 8) and the gathered f32[1024]; {0} is x.
  const proto::Instruction& ags = InstructionNamed(program, "ags");
  EXPECT_THAT(ags.operands(), ElementsAre(BufferNamed(program, "x").id()));
  EXPECT_THAT(ags.outputs(),
              ElementsAre(BufferNamed(program, "ags").id(), BufferNamed(program, "ags{1}").id()));
  EXPECT_EQ(BufferNamed(program, "ags{1}").size(), 4096);
  // all-reduce reads the gathered buffer (through the -done view); one FLOP per element.
  EXPECT_THAT(InstructionNamed(program, "ar").operands(),
              ElementsAre(BufferNamed(program, "ags{1}").id()));
  EXPECT_DOUBLE_EQ(InstructionNamed(program, "ar").flops(), 1024);
  EXPECT_DOUBLE_EQ(ags.flops(), 0);
  // negate reads {1} of the collective-permute-start: its received data.
  EXPECT_THAT(InstructionNamed(program, "n").operands(),
              ElementsAre(BufferNamed(program, "cps{1}").id()));
  EXPECT_THAT(AllNotes(program), HasSubstr("1 all-gather-start, 1 all-reduce"));
}

TEST(HloImportTest, UnscheduledModulesAreSortedTopologically) {
  proto::Program program = Import(R"(HloModule u
ENTRY main {
  b = f32[2] negate(a)
  a = f32[2] parameter(0)
  c = f32[2] abs(a)
  ROOT d = f32[2] add(b, c)
}
)");
  EXPECT_THAT(Names(program), ElementsAre("b", "c", "d"));
}

TEST(HloImportTest, NameOptionOverridesTheModuleName) {
  proto::Program program = Import(kWhile, {.name = "renamed"});
  EXPECT_EQ(program.name(), "renamed");
}

}  // namespace
}  // namespace mmap_opt
