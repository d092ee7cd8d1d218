// Hand-computed FLOPs, transcendentals and bytes of one small layer of each op kind the
// generator emits (the arithmetic is in the comments).
#include <string>

#include "gtest/gtest.h"
#include "mmap_opt/io/gen_graph.h"
#include "mmap_opt/model/program.h"

namespace mmap_opt::gen {
namespace {

// The instruction called `name` in a finished program; fails the test when absent.
const proto::Instruction& Find(const proto::Program& p, const std::string& name) {
  for (const proto::Instruction& inst : p.instructions()) {
    if (inst.name() == name) return inst;
  }
  ADD_FAILURE() << "no instruction " << name;
  static const proto::Instruction kNone;
  return kNone;
}

struct Bytes {
  int64_t read = 0, written = 0;
};

Bytes BytesOf(const Program& program, const std::string& name) {
  for (Time t = 0; t < program.num_instructions(); ++t) {
    if (program.instruction(t).name() == name)
      return {program.bytes_read(t), program.bytes_written(t)};
  }
  ADD_FAILURE() << "no instruction " << name;
  return {};
}

Program Build(GraphBuilder& g) {
  absl::StatusOr<proto::Program> proto = g.Finish("tpuv4i");
  EXPECT_TRUE(proto.ok()) << proto.status();
  absl::StatusOr<Program> program = Program::Create(*proto);
  EXPECT_TRUE(program.ok()) << program.status();
  return *std::move(program);
}

TEST(GenOpsTest, DenseWithBiasAndRelu) {
  GraphBuilder g("dense", DType::kBF16, /*training=*/true, 0);
  Tensor x = g.Input("x", {4, 8}, DType::kBF16);
  Tensor w = g.Weight("w", {8, 3});  // Only there so that x's consumer needs a data gradient.
  Tensor y = Linear(g, "fc", Dense(g, "pre", x, w, Tensor{}), 16, Activation::kRelu);
  g.BackwardAndUpdate(y);  // y stands in for a loss: its gradient is seeded as itself.
  Program p = Build(g);
  // Forward [4, 3] x [3, 16]: 2 * 4 * 3 * 16 = 384 for the dot, + 4 * 16 = 64 for the bias,
  // + 64 for the ReLU = 512.
  const proto::Instruction& fc = Find(p.proto(), "fc");
  EXPECT_EQ(fc.opcode(), "fusion");
  EXPECT_EQ(fc.flops(), 512);
  EXPECT_EQ(fc.transcendentals(), 0);
  // Reads x 4*3*2 = 24, weight 3*16*2 = 96, bias 16*2 = 32 bytes; writes 4*16*2 = 128.
  EXPECT_EQ(BytesOf(p, "fc").read, 24 + 96 + 32);
  EXPECT_EQ(BytesOf(p, "fc").written, 128);
  // Backward: ReLU 64, bias reduce 64, dx and dw 384 each.
  EXPECT_EQ(Find(p.proto(), "fc.relu_bwd").flops(), 64);
  EXPECT_EQ(Find(p.proto(), "fc.bias_bwd").flops(), 64);
  EXPECT_EQ(Find(p.proto(), "fc.bwd_data").flops(), 384);
  EXPECT_EQ(Find(p.proto(), "fc.bwd_weight").flops(), 384);
  // The plain dot: 2 * 4 * 8 * 3 = 192.
  EXPECT_EQ(Find(p.proto(), "pre").opcode(), "dot");
  EXPECT_EQ(Find(p.proto(), "pre").flops(), 192);
  // Adam on fc.weight (48 elements): 11 * 48 = 528 FLOPs, 48 sqrt; reads the weight and its
  // gradient (48 * 2 bytes each) and both f32 moments (48 * 4 each) = 576 bytes; writes the
  // three new tensors, 96 + 192 + 192 = 480.
  const proto::Instruction& adam = Find(p.proto(), "fc.weight.adam");
  EXPECT_EQ(adam.flops(), 528);
  EXPECT_EQ(adam.transcendentals(), 48);
  EXPECT_EQ(BytesOf(p, "fc.weight.adam").read, 576);
  EXPECT_EQ(BytesOf(p, "fc.weight.adam").written, 480);
}

TEST(GenOpsTest, ConvolutionAndDepthwise) {
  GraphBuilder g("conv", DType::kBF16, /*training=*/false, 0);
  Tensor x = g.Input("x", {2, 8, 8, 3}, DType::kBF16);
  Tensor y = Conv2D(g, "conv", x, 4, 3, 2, 1);
  Tensor d = Conv2D(g, "dw", g.Input("z", {1, 8, 8, 16}, DType::kBF16), 16, 3, 1, 1, 16);
  g.MarkOutput(y);
  g.MarkOutput(d);
  Program p = Build(g);
  // Ho = (8 + 2 - 3) / 2 + 1 = 4: 2 * (2 * 4 * 4 * 4 outputs) * (3 * 3 * 3 MACs) = 6912.
  EXPECT_EQ(y.shape, (Shape{2, 4, 4, 4}));
  EXPECT_EQ(Find(p.proto(), "conv").opcode(), "convolution");
  EXPECT_EQ(Find(p.proto(), "conv").flops(), 6912);
  // Reads 2*8*8*3*2 = 768 + filter 3*3*3*4*2 = 216; writes 2*4*4*4*2 = 256.
  EXPECT_EQ(BytesOf(p, "conv").read, 768 + 216);
  EXPECT_EQ(BytesOf(p, "conv").written, 256);
  // Depthwise, 16 groups of one channel: 2 * (8 * 8 * 16) * (3 * 3 * 1) = 18432; the filter
  // is [3, 3, 1, 16] = 144 elements, 288 bytes.
  EXPECT_EQ(Find(p.proto(), "dw").flops(), 18432);
  EXPECT_EQ(BytesOf(p, "dw").read, 8 * 8 * 16 * 2 + 288);
}

TEST(GenOpsTest, AttentionSoftmaxAndLayerNorm) {
  GraphBuilder g("attn", DType::kBF16, /*training=*/false, 0);
  // B = 1, S = 4, two heads of 4: qkv [4, 24], 192 bytes.
  Tensor qkv = g.Input("qkv", {4, 24}, DType::kBF16);
  Tensor ctx = SelfAttention(g, "attn", qkv, 1, 4, 2, /*causal=*/true);
  Tensor ln = LayerNorm(g, "ln", ctx);
  Tensor sm = Softmax(g, "sm", g.Input("s", {3, 5}, DType::kF32));
  g.MarkOutput(ln);
  g.MarkOutput(sm);
  Program p = Build(g);
  // Scores: 2 * (2 heads * 4 * 4 scores) * 4 MACs = 256, reading the q and k thirds (128 B).
  EXPECT_EQ(Find(p.proto(), "attn.scores").flops(), 256);
  EXPECT_EQ(BytesOf(p, "attn.scores").read, 128);
  // Softmax over 2 * 4 * 4 = 32 scores: (4 + scale + mask) * 32 = 192 FLOPs, 32 exp.
  EXPECT_EQ(Find(p.proto(), "attn.softmax").flops(), 192);
  EXPECT_EQ(Find(p.proto(), "attn.softmax").transcendentals(), 32);
  // Context: 256 FLOPs, reads probs (64 B) and the v third (64 B), writes [4, 8] = 64 B.
  EXPECT_EQ(Find(p.proto(), "attn.context").flops(), 256);
  EXPECT_EQ(BytesOf(p, "attn.context").read, 128);
  EXPECT_EQ(BytesOf(p, "attn.context").written, 64);
  // Plain softmax of [3, 5]: 4 * 15 = 60 FLOPs, 15 exp.
  EXPECT_EQ(Find(p.proto(), "sm").flops(), 60);
  EXPECT_EQ(Find(p.proto(), "sm").transcendentals(), 15);
  // LayerNorm of [4, 8]: 8 * 32 = 256 FLOPs, one rsqrt per row = 4; reads 64 + gamma and beta
  // (8 * 2 each).
  EXPECT_EQ(Find(p.proto(), "ln").flops(), 256);
  EXPECT_EQ(Find(p.proto(), "ln").transcendentals(), 4);
  EXPECT_EQ(BytesOf(p, "ln").read, 64 + 16 + 16);
}

TEST(GenOpsTest, EmbeddingLookupReadsOnlyItsRows) {
  GraphBuilder g("emb", DType::kBF16, /*training=*/true, 0);
  Tensor table = g.Weight("table", {100, 8});
  Tensor ids = g.Input("ids", {2, 3}, DType::kS32);
  Tensor y = Embedding(g, "lookup", table, ids, /*sparse_grad=*/true);
  g.BackwardAndUpdate(y);
  Program p = Build(g);
  // 6 rows of 8 bf16 = 96 bytes of the 1600-byte table, + 6 s32 ids = 24; no FLOPs.
  EXPECT_EQ(Find(p.proto(), "lookup").opcode(), "gather");
  EXPECT_EQ(Find(p.proto(), "lookup").flops(), 0);
  EXPECT_EQ(BytesOf(p, "lookup").read, 96 + 24);
  EXPECT_EQ(BytesOf(p, "lookup").written, 96);
  // Scatter-add of 6 * 8 = 48 elements; the sparse Adam touches the same 48: 11 * 48 = 528,
  // reading 96 + 96 + 2 * 192 bytes.
  EXPECT_EQ(Find(p.proto(), "lookup.bwd").flops(), 48);
  EXPECT_EQ(Find(p.proto(), "table.adam").flops(), 528);
  EXPECT_EQ(BytesOf(p, "table.adam").read, 96 + 96 + 384);
}

TEST(GenOpsTest, LstmCell) {
  GraphBuilder g("lstm", DType::kBF16, /*training=*/false, 0);
  // T = 2 steps, B = 1, I = 4, H = 3 (4H = 12).
  LstmOutputs out =
      Lstm(g, "lstm", g.Input("x", {2, 1, 4}, DType::kBF16), 3, std::nullopt, std::nullopt);
  g.MarkOutput(out.sequence);
  Program p = Build(g);
  // Input projection: 2 * (2 * 1) * 4 * 12 = 192, + bias 2 * 12 = 216.
  EXPECT_EQ(Find(p.proto(), "lstm.input_proj").flops(), 216);
  // h W_hh: 2 * 1 * 3 * 12 = 72.
  EXPECT_EQ(Find(p.proto(), "lstm.step1.hh").flops(), 72);
  // Cell: 14 FLOPs and 5 transcendentals (3 sigmoid, 2 tanh) per unit, 3 units.
  EXPECT_EQ(Find(p.proto(), "lstm.step1.cell").flops(), 42);
  EXPECT_EQ(Find(p.proto(), "lstm.step1.cell").transcendentals(), 15);
  // Reads its step's slice of the projection (12 * 2 = 24 B), hh (24 B), c (6 B); writes h, c.
  EXPECT_EQ(BytesOf(p, "lstm.step1.cell").read, 24 + 24 + 6);
  EXPECT_EQ(BytesOf(p, "lstm.step1.cell").written, 12);
}

TEST(GenOpsTest, PoolingAndElementwise) {
  GraphBuilder g("pool", DType::kBF16, /*training=*/false, 0);
  Tensor x = g.Input("x", {1, 4, 4, 2}, DType::kBF16);
  Tensor pool = Pool(g, "pool", x, /*max=*/true, 2, 2, 0);
  Tensor gap = GlobalAvgPool(g, "gap", x);
  Tensor a = g.Input("a", {4, 8}, DType::kBF16);
  Tensor sum = Add(g, "add", a, a);
  Tensor gelu = Activate(g, "gelu", sum, Activation::kGelu);
  for (const Tensor& t : {pool, gap, gelu}) g.MarkOutput(t);
  Program p = Build(g);
  // 2x2 windows, stride 2: output [1, 2, 2, 2] = 8 elements, 4 compares each = 32; reads
  // 32 * 2 = 64 bytes, writes 16.
  EXPECT_EQ(Find(p.proto(), "pool").opcode(), "reduce-window");
  EXPECT_EQ(Find(p.proto(), "pool").flops(), 32);
  EXPECT_EQ(BytesOf(p, "pool").read, 64);
  EXPECT_EQ(BytesOf(p, "pool").written, 16);
  // Global average: 32 adds + 2 divides = 34.
  EXPECT_EQ(Find(p.proto(), "gap").flops(), 34);
  // Add of two [4, 8]: 32 FLOPs, reads 2 * 64 bytes (the same buffer twice).
  EXPECT_EQ(Find(p.proto(), "add").flops(), 32);
  EXPECT_EQ(BytesOf(p, "add").read, 128);
  // GELU: 8 * 32 = 256 FLOPs and 32 tanh.
  EXPECT_EQ(Find(p.proto(), "gelu").flops(), 256);
  EXPECT_EQ(Find(p.proto(), "gelu").transcendentals(), 32);
}

TEST(GenOpsTest, ResidualGradientsAccumulate) {
  GraphBuilder g("residual", DType::kF32, /*training=*/true, 0);
  Tensor x = Linear(g, "fc", g.Input("x", {2, 4}, DType::kF32), 4, Activation::kNone, false);
  // fc.out feeds both operands of the add: its two incoming gradients are summed once.
  Tensor y = Add(g, "res", x, x);
  g.BackwardAndUpdate(y);
  Program p = Build(g);
  EXPECT_EQ(Find(p.proto(), "fc.out.grad.acc").opcode(), "add");
  EXPECT_EQ(Find(p.proto(), "fc.out.grad.acc").flops(), 8);
}

}  // namespace
}  // namespace mmap_opt::gen
