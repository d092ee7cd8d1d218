// A layer-by-layer builder of Program protos, the engine behind `mmap-opt gen`: tensors with
// shapes, one instruction per framework op with its FLOPs and bytes from the shapes, a tape of
// backward functions for training mode, and the Adam update that ends a training step.
#ifndef MMAP_OPT_IO_GEN_GRAPH_H_
#define MMAP_OPT_IO_GEN_GRAPH_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt::gen {

// Element types of activations and weights. Integer ids and labels are always s32.
enum class DType { kF32, kBF16, kF16, kF8, kS8, kS32 };

int64_t DTypeBytes(DType dtype);
absl::string_view DTypeName(DType dtype);
// "f32", "bf16", "f16", "f8", "s8" (s32 is internal: ids and labels).
absl::StatusOr<DType> ParseDType(absl::string_view name);

using Shape = std::vector<int64_t>;

// A buffer of the program under construction, with the shape it was created with.
struct Tensor {
  int64_t id = -1;  // Buffer id.
  Shape shape;
  DType dtype = DType::kF32;

  int64_t elements() const;
  int64_t bytes() const { return elements() * DTypeBytes(dtype); }
  int64_t dim(int i) const { return shape[i < 0 ? shape.size() + i : i]; }
};

// One operand of an instruction: a tensor and how many of its bytes are read (-1: all of it;
// a slice, a gathered row set or a KV-cache token read less).
struct Operand {
  Tensor tensor;
  int64_t bytes = -1;
  Operand(Tensor t) : tensor(std::move(t)) {}  // NOLINT: implicit on purpose.
  Operand(Tensor t, int64_t b) : tensor(std::move(t)), bytes(b) {}
};

// One output an instruction defines; bytes as for Operand (-1: the whole buffer is written).
struct OutputSpec {
  std::string name;
  Shape shape;
  DType dtype = DType::kF32;
  int64_t bytes = -1;
};

struct OpSpec {
  std::string name;    // Instruction name, e.g. "encoder.3.attn.qkv".
  std::string opcode;  // XLA-style: dot, convolution, fusion, reduce, gather, ...
  double flops = 0;
  double transcendentals = 0;
  std::vector<Operand> operands;
  std::vector<OutputSpec> outputs;
};

class GraphBuilder {
 public:
  // `seed` 0 keeps the canonical order everywhere; any other seed breaks the ties listed in
  // gen.h (which of two independent backward instructions comes first, the Adam order).
  GraphBuilder(std::string program_name, DType dtype, bool training, uint64_t seed);

  DType dtype() const { return dtype_; }
  bool training() const { return training_; }

  // A program input that carries no gradient: data, ids, labels, a KV cache.
  Tensor Input(const std::string& name, Shape shape, DType dtype);
  // A trained parameter in the builder's dtype; in training it gets a gradient and an update.
  Tensor Weight(const std::string& name, Shape shape);

  // Appends one instruction and returns the tensors it defines, in `spec.outputs` order.
  std::vector<Tensor> Emit(const OpSpec& spec);
  Tensor Emit1(const OpSpec& spec) { return Emit(spec)[0]; }

  // Marks a tensor as a program output (it must be in slow memory at the end).
  void MarkOutput(const Tensor& t);
  // The buffer name `t` was created with.
  const std::string& NameOf(const Tensor& t) const { return program_.buffers(t.id).name(); }

  // --- Training ---------------------------------------------------------------------------
  // True when `t` depends on a weight, so that a gradient must flow into it.
  bool NeedsGrad(const Tensor& t) const;
  // Registers the function that emits this op's backward; run in reverse order by Backward.
  void OnBackward(std::function<void()> fn);
  // The gradient accumulated so far for `t`, if any.
  std::optional<Tensor> Grad(const Tensor& t) const;
  // Adds `dx` to x's gradient: the first one is taken as is, later ones cost an `add`.
  void AddGrad(const Tensor& x, const Tensor& dx);
  // Only `touched_elements` of the weight's gradient are non-zero (embedding rows): its Adam
  // update then reads and writes only those rows of the weight and its moments.
  void SetSparseGrad(const Tensor& weight, int64_t touched_elements);
  // Seeds the loss gradient, runs the tape backwards, then one Adam update per weight (moments
  // in f32, program inputs; updated weights and moments are outputs).
  void BackwardAndUpdate(const Tensor& loss);

  // True with probability 1/2 when the seed is non-zero; false for seed 0. Every call draws.
  bool TieBreak();

  // The finished program, validated, targeting the `hardware` preset (just its name is set).
  absl::StatusOr<proto::Program> Finish(const std::string& hardware);

 private:
  Tensor NewBuffer(const std::string& name, Shape shape, DType dtype, bool needs_grad);
  void AdamUpdate(const Tensor& weight);

  proto::Program program_;
  DType dtype_;
  bool training_;
  uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<bool> needs_grad_;  // By buffer id.
  std::vector<Tensor> weights_;
  std::vector<std::function<void()>> tape_;
  absl::flat_hash_map<int64_t, Tensor> grads_;
  absl::flat_hash_map<int64_t, int64_t> sparse_touched_;
};

// --- Layers -----------------------------------------------------------------------------
// Each emits its forward instructions and, in training, registers its backward. The cost of
// every op is documented next to its definition in src/io/gen/ops.cc and checked by hand in
// tests/io/gen_ops_test.cc.

enum class Activation { kNone, kRelu, kRelu6, kGelu, kTanh, kSigmoid };

// y[..., N] = act(x[..., K] . w[K, N] + b[N]); `bias` may be absent (id -1).
Tensor Dense(GraphBuilder& g, const std::string& name, const Tensor& x, const Tensor& w,
             const Tensor& bias, Activation act = Activation::kNone);
// A dense layer that creates its own weight `name.weight` [K, N] and bias `name.bias` [N].
Tensor Linear(GraphBuilder& g, const std::string& name, const Tensor& x, int64_t out_features,
              Activation act = Activation::kNone, bool bias = true);

// out[b, m, n] = sum_k a[b, m, k] * b[b, k, n] over `batch` independent products, reading
// `a_bytes` / `b_bytes` of the operands (-1: whole).
Tensor BatchMatMul(GraphBuilder& g, const std::string& name, const Operand& a, const Operand& b,
                   int64_t batch, int64_t m, int64_t k, int64_t n, Shape out_shape);

// NHWC convolution with a [kh, kw, C/groups, Cout] filter it creates (`name.weight`), zero
// padding `pad` on each side; groups == C is a depthwise convolution. With a bias or an
// activation they are fused into its output (one `fusion`).
Tensor Conv2D(GraphBuilder& g, const std::string& name, const Tensor& x, int64_t out_channels,
              int64_t kernel, int64_t stride, int64_t pad, int64_t groups = 1,
              Activation act = Activation::kNone, bool bias = false);
// 2x2 stride-2 transposed convolution with bias (U-Net's up-convolution), doubling H and W.
Tensor ConvTranspose2x2(GraphBuilder& g, const std::string& name, const Tensor& x,
                        int64_t out_channels);

// Batch normalisation over N, H, W (training: batch statistics; inference: folded into a
// per-channel scale and shift), then `act`, as one fusion with its own gamma and beta.
Tensor BatchNormAct(GraphBuilder& g, const std::string& name, const Tensor& x, Activation act);
// Layer normalisation over the last axis with its own gamma and beta.
Tensor LayerNorm(GraphBuilder& g, const std::string& name, const Tensor& x);
// Softmax over the last axis.
Tensor Softmax(GraphBuilder& g, const std::string& name, const Tensor& x);
// An elementwise activation alone.
Tensor Activate(GraphBuilder& g, const std::string& name, const Tensor& x, Activation act);
// a + b (residual connections); shapes must match.
Tensor Add(GraphBuilder& g, const std::string& name, const Tensor& a, const Tensor& b);
// x [..., N, C] + p [N, C] broadcast over the leading axes (a learned position embedding).
Tensor AddBroadcast(GraphBuilder& g, const std::string& name, const Tensor& x, const Tensor& p);
// `rows` rows of x viewed as [R, C] (the last token of each sequence): [rows, C].
Tensor SliceRows(GraphBuilder& g, const std::string& name, const Tensor& x, int64_t rows);
// The same buffer seen with another shape of as many elements (a bitcast: no instruction).
Tensor Reshape(const Tensor& t, Shape shape);

// Max or average pooling, `window` x `window` with `stride` and `pad` (NHWC).
Tensor Pool(GraphBuilder& g, const std::string& name, const Tensor& x, bool max, int64_t window,
            int64_t stride, int64_t pad);
// Mean over H and W: [N, H, W, C] -> [N, C].
Tensor GlobalAvgPool(GraphBuilder& g, const std::string& name, const Tensor& x);

// Rows of `table` [V, D] picked by `ids` (s32, any shape): ids.shape + [D]. Reads only the
// picked rows of the table. With `sparse_grad` the backward scatter writes (and Adam updates)
// only those rows, as DLRM's row-wise optimisers do; otherwise the gradient is a dense table.
Tensor Embedding(GraphBuilder& g, const std::string& name, const Tensor& table, const Tensor& ids,
                 bool sparse_grad = false);
// Concatenation along the last axis (first axes must match).
Tensor Concat(GraphBuilder& g, const std::string& name, const std::vector<Tensor>& parts);

// Mean softmax cross-entropy of logits [M, V] against s32 labels [M]: an f32 scalar.
Tensor SoftmaxCrossEntropy(GraphBuilder& g, const std::string& name, const Tensor& logits,
                           const Tensor& labels);
// Mean sigmoid binary cross-entropy of logits [M, 1] against f32 labels [M, 1].
Tensor SigmoidCrossEntropy(GraphBuilder& g, const std::string& name, const Tensor& logits,
                           const Tensor& labels);

// Multi-head self-attention over qkv [B*S, 3*H] (the fused projection's output), causal or
// not: scores, softmax, context. Returns the context [B*S, H] before the output projection.
Tensor SelfAttention(GraphBuilder& g, const std::string& name, const Tensor& qkv, int64_t batch,
                     int64_t seq, int64_t heads, bool causal);

// One LSTM layer over a sequence x [T, B, I], from state (h0, c0) [B, H] (absent: zeros).
// Creates `name.w_ih` [I, 4H], `name.w_hh` [H, 4H], `name.bias` [4H]. The input projection
// runs once for all steps (as cuDNN does), then per step one dot and one cell fusion.
struct LstmOutputs {
  Tensor sequence;  // [T, B, H], every step's h.
  Tensor h_last, c_last;
};
LstmOutputs Lstm(GraphBuilder& g, const std::string& name, const Tensor& x, int64_t hidden,
                 const std::optional<Tensor>& h0, const std::optional<Tensor>& c0);

}  // namespace mmap_opt::gen

#endif  // MMAP_OPT_IO_GEN_GRAPH_H_
