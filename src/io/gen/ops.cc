// The layers of gen_graph.h: forward instruction(s) and, in training, the backward ones.
// Costs follow XLA's cost analysis: a dot or convolution is 2 x MACs, an elementwise op one
// FLOP per output element per arithmetic step, and exp/log/tanh/sigmoid/sqrt/rsqrt count as
// transcendentals, apart from the FLOPs. The per-op counts are written next to each op.
#include <cmath>
#include <memory>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mmap_opt/io/gen_graph.h"
#include "op_helpers.h"

namespace mmap_opt::gen {
namespace internal {

// db[n] = sum over rows of dz: one add per element of dz.
void BiasBackward(GraphBuilder& g, const std::string& name, const Tensor& bias, const Tensor& dz) {
  if (bias.id < 0 || !g.NeedsGrad(bias)) return;
  g.AddGrad(
      bias,
      g.Emit1({.name = absl::StrCat(name, ".bias_bwd"),
               .opcode = "reduce",
               .flops = D(dz.elements()),
               .operands = {dz},
               .outputs = {{absl::StrCat(g.NameOf(bias), ".grad"), bias.shape, bias.dtype}}}));
}

// Emits the two gradient instructions of a weighted op (data and weight), in the canonical
// order data-then-weight unless the seed's tie-break swaps them.
void DataAndWeightGrads(GraphBuilder& g, std::function<void()> data, std::function<void()> weight) {
  if (g.TieBreak()) std::swap(data, weight);
  data();
  weight();
}

}  // namespace internal

using internal::BiasBackward;
using internal::D;
using internal::DataAndWeightGrads;

namespace {

// Cost per element of an activation, forward and backward.
struct ActCost {
  double flops, trans, bwd_flops, bwd_trans;
};

ActCost CostOf(Activation act) {
  switch (act) {
    case Activation::kNone:
      return {0, 0, 0, 0};
    case Activation::kRelu:  // max(x, 0); backward: select(y > 0, dy, 0).
      return {1, 0, 1, 0};
    case Activation::kRelu6:  // min(max(x, 0), 6); backward: two compares and a select.
      return {2, 0, 2, 0};
    case Activation::kGelu:
      // tanh approximation 0.5 x (1 + tanh(c (x + 0.044715 x^3))): x^3 (2), * 0.044715, + x,
      // * c, + 1, * x, * 0.5 = 8 FLOPs and one tanh. Backward recomputes the tanh (5 FLOPs
      // and the tanh) and forms 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 * 0.044715 x^2) times dy
      // (13 FLOPs): 18 FLOPs, one tanh.
      return {8, 1, 18, 1};
    case Activation::kTanh:  // tanh; backward dy (1 - y^2): 3 FLOPs.
      return {0, 1, 3, 0};
    case Activation::kSigmoid:  // 1 / (1 + exp(-x)): add, divide, one exp; backward dy y (1 - y).
      return {2, 1, 3, 0};
  }
  return {0, 0, 0, 0};
}

const char* ActName(Activation act) {
  switch (act) {
    case Activation::kNone:
      return "none";
    case Activation::kRelu:
      return "relu";
    case Activation::kRelu6:
      return "relu6";
    case Activation::kGelu:
      return "gelu";
    case Activation::kTanh:
      return "tanh";
    case Activation::kSigmoid:
      return "sigmoid";
  }
  return "none";
}

// dy -> dz through the activation `act` whose output was y (nothing to emit for kNone).
Tensor ActBackward(GraphBuilder& g, const std::string& name, Activation act, const Tensor& dy,
                   const Tensor& y) {
  if (act == Activation::kNone) return dy;
  const ActCost c = CostOf(act);
  return g.Emit1(
      {.name = absl::StrCat(name, ".", ActName(act), "_bwd"),
       .opcode = "fusion",
       .flops = c.bwd_flops * y.elements(),
       .transcendentals = c.bwd_trans * y.elements(),
       .operands = {dy, y},
       .outputs = {{absl::StrCat(name, ".", ActName(act), ".grad"), y.shape, dy.dtype}}});
}

}  // namespace

// y = act(x . w + b), M = rows of x: 2 M K N for the dot, + M N for the bias, + M N times the
// activation's cost. Backward: the activation, the bias reduce (M N), dx = dz w^T and
// dw = x^T dz (2 M K N each).
Tensor Dense(GraphBuilder& g, const std::string& name, const Tensor& x, const Tensor& w,
             const Tensor& bias, Activation act) {
  // The weight's layout does not change the cost: a tied [V, K] embedding is a [K, V] matrix.
  const int64_t k = x.dim(-1), n = w.elements() / k, m = x.elements() / k;
  const ActCost c = CostOf(act);
  Shape out_shape = x.shape;
  out_shape.back() = n;
  std::vector<Operand> operands{x, w};
  if (bias.id >= 0) operands.push_back(bias);
  const bool fused = bias.id >= 0 || act != Activation::kNone;
  Tensor y = g.Emit1({.name = name,
                      .opcode = fused ? "fusion" : "dot",
                      .flops = 2.0 * m * k * n + (bias.id >= 0 ? D(m * n) : 0) + c.flops * m * n,
                      .transcendentals = c.trans * m * n,
                      .operands = operands,
                      .outputs = {{absl::StrCat(name, ".out"), out_shape, x.dtype}}});
  g.OnBackward([&g, name, x, w, bias, act, y, m, k, n] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy) return;
    Tensor dz = ActBackward(g, name, act, *dy, y);
    BiasBackward(g, name, bias, dz);
    DataAndWeightGrads(
        g,
        [&] {
          if (!g.NeedsGrad(x)) return;
          g.AddGrad(x,
                    g.Emit1({.name = absl::StrCat(name, ".bwd_data"),
                             .opcode = "dot",
                             .flops = 2.0 * m * k * n,
                             .operands = {dz, w},
                             .outputs = {{absl::StrCat(g.NameOf(x), ".grad"), x.shape, x.dtype}}}));
        },
        [&] {
          g.AddGrad(w,
                    g.Emit1({.name = absl::StrCat(name, ".bwd_weight"),
                             .opcode = "dot",
                             .flops = 2.0 * m * k * n,
                             .operands = {x, dz},
                             .outputs = {{absl::StrCat(g.NameOf(w), ".grad"), w.shape, w.dtype}}}));
        });
  });
  return y;
}

Tensor Linear(GraphBuilder& g, const std::string& name, const Tensor& x, int64_t out_features,
              Activation act, bool bias) {
  Tensor w = g.Weight(absl::StrCat(name, ".weight"), {x.dim(-1), out_features});
  Tensor b = bias ? g.Weight(absl::StrCat(name, ".bias"), {out_features}) : Tensor{};
  return Dense(g, name, x, w, b, act);
}

// 2 x batch x m x k x n; backward: one product of the same size per operand needing a grad.
Tensor BatchMatMul(GraphBuilder& g, const std::string& name, const Operand& a, const Operand& b,
                   int64_t batch, int64_t m, int64_t k, int64_t n, Shape out_shape) {
  const double flops = 2.0 * batch * m * k * n;
  Tensor y =
      g.Emit1({.name = name,
               .opcode = "dot",
               .flops = flops,
               .operands = {a, b},
               .outputs = {{absl::StrCat(name, ".out"), std::move(out_shape), a.tensor.dtype}}});
  g.OnBackward([&g, name, a, b, y, flops] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy) return;
    for (const auto& [self, other, suffix] :
         {std::tuple{a, b, ".bwd_lhs"}, std::tuple{b, a, ".bwd_rhs"}}) {
      if (!g.NeedsGrad(self.tensor)) continue;
      const Tensor& t = self.tensor;
      g.AddGrad(t, g.Emit1({.name = absl::StrCat(name, suffix),
                            .opcode = "dot",
                            .flops = flops,
                            .operands = {*dy, other},
                            .outputs = {{absl::StrCat(g.NameOf(t), ".grad"), t.shape, t.dtype,
                                         self.bytes}}}));
    }
  });
  return y;
}

// Output Ho = (H + 2 pad - kernel) / stride + 1 (likewise Wo); 2 N Ho Wo Cout k k (C/groups)
// FLOPs, + N Ho Wo Cout per fused bias and per activation step. Backward: the activation,
// the bias reduce, and the data and filter gradients, each as many FLOPs as the forward conv.
Tensor Conv2D(GraphBuilder& g, const std::string& name, const Tensor& x, int64_t out_channels,
              int64_t kernel, int64_t stride, int64_t pad, int64_t groups, Activation act,
              bool bias) {
  const int64_t n = x.dim(0), h = x.dim(1), wd = x.dim(2), c = x.dim(3);
  const int64_t ho = (h + 2 * pad - kernel) / stride + 1, wo = (wd + 2 * pad - kernel) / stride + 1;
  Tensor w = g.Weight(absl::StrCat(name, ".weight"), {kernel, kernel, c / groups, out_channels});
  Tensor b = bias ? g.Weight(absl::StrCat(name, ".bias"), {out_channels}) : Tensor{};
  const int64_t out_elems = n * ho * wo * out_channels;
  const double conv_flops = 2.0 * out_elems * kernel * kernel * (c / groups);
  const ActCost ac = CostOf(act);
  std::vector<Operand> operands{x, w};
  if (bias) operands.push_back(b);
  Tensor y =
      g.Emit1({.name = name,
               .opcode = bias || act != Activation::kNone ? "fusion" : "convolution",
               .flops = conv_flops + (bias ? D(out_elems) : 0) + ac.flops * out_elems,
               .transcendentals = ac.trans * out_elems,
               .operands = operands,
               .outputs = {{absl::StrCat(name, ".out"), {n, ho, wo, out_channels}, x.dtype}}});
  g.OnBackward([&g, name, x, w, b, act, y, conv_flops] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy) return;
    Tensor dz = ActBackward(g, name, act, *dy, y);
    BiasBackward(g, name, b, dz);
    DataAndWeightGrads(
        g,
        [&] {
          if (!g.NeedsGrad(x)) return;
          g.AddGrad(x,
                    g.Emit1({.name = absl::StrCat(name, ".bwd_data"),
                             .opcode = "convolution",
                             .flops = conv_flops,
                             .operands = {dz, w},
                             .outputs = {{absl::StrCat(g.NameOf(x), ".grad"), x.shape, x.dtype}}}));
        },
        [&] {
          g.AddGrad(w,
                    g.Emit1({.name = absl::StrCat(name, ".bwd_weight"),
                             .opcode = "convolution",
                             .flops = conv_flops,
                             .operands = {x, dz},
                             .outputs = {{absl::StrCat(g.NameOf(w), ".grad"), w.shape, w.dtype}}}));
        });
  });
  return y;
}

// Every input pixel meets the 2x2xC filter of each output channel once: 2 N H W C Cout 4
// FLOPs, + the bias over the 4x larger output.
Tensor ConvTranspose2x2(GraphBuilder& g, const std::string& name, const Tensor& x,
                        int64_t out_channels) {
  const int64_t n = x.dim(0), h = x.dim(1), wd = x.dim(2), c = x.dim(3);
  Tensor w = g.Weight(absl::StrCat(name, ".weight"), {2, 2, c, out_channels});
  Tensor b = g.Weight(absl::StrCat(name, ".bias"), {out_channels});
  const double conv_flops = 2.0 * n * h * wd * c * out_channels * 4;
  const Shape out_shape{n, 2 * h, 2 * wd, out_channels};
  Tensor y = g.Emit1({.name = name,
                      .opcode = "fusion",
                      .flops = conv_flops + D(n * 4 * h * wd * out_channels),
                      .operands = {x, w, b},
                      .outputs = {{absl::StrCat(name, ".out"), out_shape, x.dtype}}});
  g.OnBackward([&g, name, x, w, b, y, conv_flops] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy) return;
    BiasBackward(g, name, b, *dy);
    DataAndWeightGrads(
        g,
        [&] {
          if (!g.NeedsGrad(x)) return;
          g.AddGrad(x,
                    g.Emit1({.name = absl::StrCat(name, ".bwd_data"),
                             .opcode = "convolution",
                             .flops = conv_flops,
                             .operands = {*dy, w},
                             .outputs = {{absl::StrCat(g.NameOf(x), ".grad"), x.shape, x.dtype}}}));
        },
        [&] {
          g.AddGrad(w,
                    g.Emit1({.name = absl::StrCat(name, ".bwd_weight"),
                             .opcode = "convolution",
                             .flops = conv_flops,
                             .operands = {x, *dy},
                             .outputs = {{absl::StrCat(g.NameOf(w), ".grad"), w.shape, w.dtype}}}));
        });
  });
  return y;
}

namespace {

// Normalisation over `groups` statistics groups of the elements of x (BatchNorm: C channels;
// LayerNorm: the rows). Training forward: mean (1 add per element), variance (sub, mul, add:
// 3), normalise and affine (sub, mul, mul, add: 4) = 8 FLOPs per element and one rsqrt per
// group. Inference BatchNorm is folded into a per-channel scale and shift: 2 FLOPs per
// element, no rsqrt. Backward: dx, dgamma, dbeta in one multi-output fusion of 12 FLOPs per
// element (two reductions and the chain rule) that recomputes the rsqrt.
Tensor Normalize(GraphBuilder& g, const std::string& name, const Tensor& x, int64_t groups,
                 bool folded, Activation act) {
  const int64_t c = x.dim(-1);
  Tensor gamma = g.Weight(absl::StrCat(name, ".gamma"), {c});
  Tensor beta = g.Weight(absl::StrCat(name, ".beta"), {c});
  const ActCost ac = CostOf(act);
  const int64_t e = x.elements();
  Tensor y = g.Emit1({.name = name,
                      .opcode = "fusion",
                      .flops = (folded ? 2.0 : 8.0) * e + ac.flops * e,
                      .transcendentals = (folded ? 0.0 : D(groups)) + ac.trans * e,
                      .operands = {x, gamma, beta},
                      .outputs = {{absl::StrCat(name, ".out"), x.shape, x.dtype}}});
  g.OnBackward([&g, name, x, gamma, beta, y, groups, act, e] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy) return;
    Tensor dz = ActBackward(g, name, act, *dy, y);
    std::vector<Tensor> grads =
        g.Emit({.name = absl::StrCat(name, ".bwd"),
                .opcode = "fusion",
                .flops = 12.0 * e,
                .transcendentals = D(groups),
                .operands = {dz, x, gamma},
                .outputs = {{absl::StrCat(g.NameOf(x), ".grad"), x.shape, x.dtype},
                            {absl::StrCat(g.NameOf(gamma), ".grad"), gamma.shape, gamma.dtype},
                            {absl::StrCat(g.NameOf(beta), ".grad"), beta.shape, beta.dtype}}});
    g.AddGrad(x, grads[0]);
    g.AddGrad(gamma, grads[1]);
    g.AddGrad(beta, grads[2]);
  });
  return y;
}

}  // namespace

namespace internal {

// Softmax over the last axis: max (1), subtract (1), exp (transcendental), sum (1), divide
// (1) = 4 FLOPs and one exp per element, + `extra` FLOPs per element fused in (attention's
// scale and causal mask). Backward dx = y (dy - sum(dy y)): mul, add, sub, mul = 4 FLOPs per
// element, + `extra` for the scale.
Tensor SoftmaxImpl(GraphBuilder& g, const std::string& name, const Tensor& x, double extra) {
  const int64_t e = x.elements();
  Tensor y = g.Emit1({.name = name,
                      .opcode = "fusion",
                      .flops = (4.0 + extra) * e,
                      .transcendentals = D(e),
                      .operands = {x},
                      .outputs = {{absl::StrCat(name, ".out"), x.shape, x.dtype}}});
  g.OnBackward([&g, name, x, y, e, extra] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy || !g.NeedsGrad(x)) return;
    g.AddGrad(x, g.Emit1({.name = absl::StrCat(name, ".bwd"),
                          .opcode = "fusion",
                          .flops = (4.0 + extra) * e,
                          .operands = {*dy, y},
                          .outputs = {{absl::StrCat(g.NameOf(x), ".grad"), x.shape, x.dtype}}}));
  });
  return y;
}

}  // namespace internal

using internal::SoftmaxImpl;

Tensor BatchNormAct(GraphBuilder& g, const std::string& name, const Tensor& x, Activation act) {
  return Normalize(g, name, x, x.dim(-1), !g.training(), act);
}

Tensor LayerNorm(GraphBuilder& g, const std::string& name, const Tensor& x) {
  return Normalize(g, name, x, x.elements() / x.dim(-1), false, Activation::kNone);
}

Tensor Softmax(GraphBuilder& g, const std::string& name, const Tensor& x) {
  return SoftmaxImpl(g, name, x, 0);
}

Tensor Activate(GraphBuilder& g, const std::string& name, const Tensor& x, Activation act) {
  const ActCost c = CostOf(act);
  Tensor y = g.Emit1({.name = name,
                      .opcode = "fusion",
                      .flops = c.flops * x.elements(),
                      .transcendentals = c.trans * x.elements(),
                      .operands = {x},
                      .outputs = {{absl::StrCat(name, ".out"), x.shape, x.dtype}}});
  g.OnBackward([&g, name, x, y, act] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy || !g.NeedsGrad(x)) return;
    g.AddGrad(x, ActBackward(g, name, act, *dy, y));
  });
  return y;
}

// One FLOP per element; the gradient flows unchanged into both operands.
Tensor Add(GraphBuilder& g, const std::string& name, const Tensor& a, const Tensor& b) {
  Tensor y = g.Emit1({.name = name,
                      .opcode = "add",
                      .flops = D(a.elements()),
                      .operands = {a, b},
                      .outputs = {{absl::StrCat(name, ".out"), a.shape, a.dtype}}});
  g.OnBackward([&g, a, b, y] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy) return;
    g.AddGrad(a, *dy);
    g.AddGrad(b, *dy);
  });
  return y;
}

// One add per element of x; backward: dx = dy, dp = dy summed over the leading axes (one add
// per element of dy).
Tensor AddBroadcast(GraphBuilder& g, const std::string& name, const Tensor& x, const Tensor& p) {
  Tensor y = g.Emit1({.name = name,
                      .opcode = "add",
                      .flops = D(x.elements()),
                      .operands = {x, p},
                      .outputs = {{absl::StrCat(name, ".out"), x.shape, x.dtype}}});
  g.OnBackward([&g, name, x, p, y] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy) return;
    g.AddGrad(x, *dy);
    if (!g.NeedsGrad(p)) return;
    g.AddGrad(p, g.Emit1({.name = absl::StrCat(name, ".bwd"),
                          .opcode = "reduce",
                          .flops = D(dy->elements()),
                          .operands = {*dy},
                          .outputs = {{absl::StrCat(g.NameOf(p), ".grad"), p.shape, p.dtype}}}));
  });
  return y;
}

// A copy of rows C elements: no FLOPs, reads only those rows. Backward pads dy with zeros
// into a gradient as large as x.
Tensor SliceRows(GraphBuilder& g, const std::string& name, const Tensor& x, int64_t rows) {
  const int64_t c = x.dim(-1);
  Tensor y = g.Emit1({.name = name,
                      .opcode = "slice",
                      .operands = {{x, rows * c * DTypeBytes(x.dtype)}},
                      .outputs = {{absl::StrCat(name, ".out"), {rows, c}, x.dtype}}});
  g.OnBackward([&g, name, x, y] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy || !g.NeedsGrad(x)) return;
    g.AddGrad(x, g.Emit1({.name = absl::StrCat(name, ".bwd"),
                          .opcode = "pad",
                          .operands = {*dy},
                          .outputs = {{absl::StrCat(g.NameOf(x), ".grad"), x.shape, x.dtype}}}));
  });
  return y;
}

Tensor Reshape(const Tensor& t, Shape shape) {
  Tensor r = t;
  r.shape = std::move(shape);
  return r;
}

// One compare (max) or add (average) per window element per output: N Ho Wo C window^2
// FLOPs; the backward (select-and-scatter for max) costs the same.
Tensor Pool(GraphBuilder& g, const std::string& name, const Tensor& x, bool max, int64_t window,
            int64_t stride, int64_t pad) {
  const int64_t n = x.dim(0), h = x.dim(1), wd = x.dim(2), c = x.dim(3);
  const int64_t ho = (h + 2 * pad - window) / stride + 1, wo = (wd + 2 * pad - window) / stride + 1;
  const double flops = D(n * ho * wo * c) * window * window;
  Tensor y = g.Emit1({.name = name,
                      .opcode = "reduce-window",
                      .flops = flops,
                      .operands = {x},
                      .outputs = {{absl::StrCat(name, ".out"), {n, ho, wo, c}, x.dtype}}});
  g.OnBackward([&g, name, x, y, max, flops] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy || !g.NeedsGrad(x)) return;
    std::vector<Operand> operands{*dy};
    if (max) operands.push_back(x);  // The argmax is recomputed from the input.
    g.AddGrad(x, g.Emit1({.name = absl::StrCat(name, ".bwd"),
                          .opcode = max ? "select-and-scatter" : "fusion",
                          .flops = flops,
                          .operands = operands,
                          .outputs = {{absl::StrCat(g.NameOf(x), ".grad"), x.shape, x.dtype}}}));
  });
  return y;
}

// N H W C adds and N C divides; backward broadcasts dy / (H W): one multiply per input element.
Tensor GlobalAvgPool(GraphBuilder& g, const std::string& name, const Tensor& x) {
  const int64_t n = x.dim(0), c = x.dim(3);
  Tensor y = g.Emit1({.name = name,
                      .opcode = "reduce",
                      .flops = D(x.elements() + n * c),
                      .operands = {x},
                      .outputs = {{absl::StrCat(name, ".out"), {n, c}, x.dtype}}});
  g.OnBackward([&g, name, x, y] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy || !g.NeedsGrad(x)) return;
    g.AddGrad(x, g.Emit1({.name = absl::StrCat(name, ".bwd"),
                          .opcode = "fusion",
                          .flops = D(x.elements()),
                          .operands = {*dy},
                          .outputs = {{absl::StrCat(g.NameOf(x), ".grad"), x.shape, x.dtype}}}));
  });
  return y;
}

// A gather: no FLOPs; reads the L = ids.elements() picked rows (L D elements) of the table and
// the ids. Backward: a scatter-add of dy into the table's gradient, L D adds.
Tensor Embedding(GraphBuilder& g, const std::string& name, const Tensor& table, const Tensor& ids,
                 bool sparse_grad) {
  const int64_t d = table.dim(1), lookups = ids.elements();
  const int64_t row_bytes = lookups * d * DTypeBytes(table.dtype);
  Shape out_shape = ids.shape;
  out_shape.push_back(d);
  Tensor y = g.Emit1({.name = name,
                      .opcode = "gather",
                      .operands = {{table, row_bytes}, ids},
                      .outputs = {{absl::StrCat(name, ".out"), out_shape, table.dtype}}});
  g.OnBackward([&g, name, table, ids, y, lookups, d, row_bytes, sparse_grad] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy || !g.NeedsGrad(table)) return;
    // A dense gradient is a zeroed table plus the scatter: the whole buffer is written.
    g.AddGrad(table, g.Emit1({.name = absl::StrCat(name, ".bwd"),
                              .opcode = "scatter",
                              .flops = D(lookups * d),
                              .operands = {*dy, ids},
                              .outputs = {{absl::StrCat(g.NameOf(table), ".grad"), table.shape,
                                           table.dtype, sparse_grad ? row_bytes : -1}}}));
    if (sparse_grad) g.SetSparseGrad(table, lookups * d);
  });
  return y;
}

// A copy: no FLOPs. Backward: one slice of dy per part that needs a gradient.
Tensor Concat(GraphBuilder& g, const std::string& name, const std::vector<Tensor>& parts) {
  Shape out_shape = parts[0].shape;
  out_shape.back() = 0;
  std::vector<Operand> operands;
  for (const Tensor& p : parts) {
    out_shape.back() += p.dim(-1);
    operands.push_back(p);
  }
  Tensor y = g.Emit1({.name = name,
                      .opcode = "concatenate",
                      .operands = operands,
                      .outputs = {{absl::StrCat(name, ".out"), out_shape, parts[0].dtype}}});
  g.OnBackward([&g, name, parts, y] {
    std::optional<Tensor> dy = g.Grad(y);
    if (!dy) return;
    for (size_t i = 0; i < parts.size(); ++i) {
      const Tensor& p = parts[i];
      if (!g.NeedsGrad(p)) continue;
      g.AddGrad(p, g.Emit1({.name = absl::StrCat(name, ".bwd.", i),
                            .opcode = "slice",
                            .operands = {{*dy, p.elements() * DTypeBytes(dy->dtype)}},
                            .outputs = {{absl::StrCat(g.NameOf(p), ".grad"), p.shape, p.dtype}}}));
    }
  });
  return y;
}

// Forward: the softmax (4 FLOPs and one exp per logit), then per row the log of the sum (one
// log), minus the label's logit and the running mean (2 FLOPs): 4 M V + 2 M FLOPs, M V + M
// transcendentals. Backward: (softmax - onehot) / M, recomputing the softmax: 6 FLOPs and one
// exp per logit.
Tensor SoftmaxCrossEntropy(GraphBuilder& g, const std::string& name, const Tensor& logits,
                           const Tensor& labels) {
  const int64_t e = logits.elements(), m = e / logits.dim(-1);
  Tensor loss = g.Emit1({.name = name,
                         .opcode = "fusion",
                         .flops = 4.0 * e + 2.0 * m,
                         .transcendentals = D(e + m),
                         .operands = {logits, labels},
                         .outputs = {{absl::StrCat(name, ".loss"), {}, DType::kF32}}});
  g.OnBackward([&g, name, logits, labels, e] {
    if (!g.NeedsGrad(logits)) return;
    g.AddGrad(logits, g.Emit1({.name = absl::StrCat(name, ".bwd"),
                               .opcode = "fusion",
                               .flops = 6.0 * e,
                               .transcendentals = D(e),
                               .operands = {logits, labels},
                               .outputs = {{absl::StrCat(g.NameOf(logits), ".grad"), logits.shape,
                                            logits.dtype}}}));
  });
  return loss;
}

// Stable form max(x, 0) - x y + log(1 + exp(-|x|)): abs, neg, add, max, mul, sub (6 FLOPs),
// an exp and a log, + 1 for the mean: 7 FLOPs and 2 transcendentals per element. Backward
// (sigmoid(x) - y) / M: the sigmoid (2 FLOPs, one exp), sub, scale = 4 FLOPs and one exp.
Tensor SigmoidCrossEntropy(GraphBuilder& g, const std::string& name, const Tensor& logits,
                           const Tensor& labels) {
  const int64_t e = logits.elements();
  Tensor loss = g.Emit1({.name = name,
                         .opcode = "fusion",
                         .flops = 7.0 * e,
                         .transcendentals = 2.0 * e,
                         .operands = {logits, labels},
                         .outputs = {{absl::StrCat(name, ".loss"), {}, DType::kF32}}});
  g.OnBackward([&g, name, logits, labels, e] {
    if (!g.NeedsGrad(logits)) return;
    g.AddGrad(logits, g.Emit1({.name = absl::StrCat(name, ".bwd"),
                               .opcode = "fusion",
                               .flops = 4.0 * e,
                               .transcendentals = D(e),
                               .operands = {logits, labels},
                               .outputs = {{absl::StrCat(g.NameOf(logits), ".grad"), logits.shape,
                                            logits.dtype}}}));
  });
  return loss;
}

}  // namespace mmap_opt::gen
