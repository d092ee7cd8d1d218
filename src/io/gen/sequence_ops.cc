// Sequence layers of gen_graph.h: multi-head self-attention and the LSTM layer.
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mmap_opt/io/gen_graph.h"
#include "op_helpers.h"

namespace mmap_opt::gen {

using internal::BiasBackward;
using internal::D;
using internal::DataAndWeightGrads;
using internal::SoftmaxImpl;

// scores = q k^T per head (2 B S S H FLOPs over all heads, reading the q and k thirds of qkv),
// softmax with the 1/sqrt(d) scale fused (+1 FLOP per score) and the causal mask (+1),
// context = probs v (2 B S S H, reading the v third). The backward is the textbook one: dv and
// dprobs, the softmax backward, dq and dk (2 B S S H each), then one concatenate into dqkv.
Tensor SelfAttention(GraphBuilder& g, const std::string& name, const Tensor& qkv, int64_t batch,
                     int64_t seq, int64_t heads, bool causal) {
  const int64_t hidden = qkv.dim(-1) / 3, head_dim = hidden / heads;
  const int64_t third = qkv.bytes() / 3;
  const Shape scores_shape{batch, heads, seq, seq};
  const Shape ctx_shape{batch * seq, hidden};
  const double mm = 2.0 * batch * heads * seq * seq * head_dim;
  auto dot = [&g, name, mm, dtype = qkv.dtype](const std::string& suffix, std::vector<Operand> ops,
                                               const std::string& out, const Shape& shape) {
    return g.Emit1({.name = absl::StrCat(name, suffix),
                    .opcode = "dot",
                    .flops = mm,
                    .operands = std::move(ops),
                    .outputs = {{out, shape, dtype}}});
  };
  Tensor scores =
      dot(".scores", {{qkv, 2 * third}}, absl::StrCat(name, ".scores.out"), scores_shape);
  // dv is emitted by the context's backward (which runs first) and joins dq and dk here.
  auto dv = std::make_shared<std::optional<Tensor>>();
  g.OnBackward([&g, name, qkv, third, scores, ctx_shape, dv, dot] {
    std::optional<Tensor> dscores = g.Grad(scores);
    if (!dscores || !*dv) return;
    Tensor dq =
        dot(".scores.bwd_q", {*dscores, {qkv, third}}, absl::StrCat(name, ".q.grad"), ctx_shape);
    Tensor dk =
        dot(".scores.bwd_k", {*dscores, {qkv, third}}, absl::StrCat(name, ".k.grad"), ctx_shape);
    g.AddGrad(qkv, Concat(g, absl::StrCat(name, ".qkv_grad"), {dq, dk, **dv}));
  });
  Tensor probs = SoftmaxImpl(g, absl::StrCat(name, ".softmax"), scores, causal ? 2 : 1);
  Tensor ctx =
      dot(".context", {probs, {qkv, third}}, absl::StrCat(name, ".context.out"), ctx_shape);
  g.OnBackward([&g, name, qkv, third, probs, ctx, ctx_shape, scores_shape, dv, dot] {
    std::optional<Tensor> dctx = g.Grad(ctx);
    if (!dctx) return;
    *dv = dot(".context.bwd_v", {probs, *dctx}, absl::StrCat(name, ".v.grad"), ctx_shape);
    g.AddGrad(probs, dot(".context.bwd_probs", {*dctx, {qkv, third}},
                         absl::StrCat(g.NameOf(probs), ".grad"), scores_shape));
  });
  return ctx;
}

// Input projection for all steps: 2 T B I 4H + T B 4H (bias) FLOPs. Per step: h W_hh
// (2 B H 4H) and the cell fusion, per hidden unit: 4 gate adds, 3 sigmoids (2 FLOPs and an
// exp each), the tanh of g, c' = f c + i g (3), tanh(c'), h' = o tanh(c') (1): 14 FLOPs and 5
// transcendentals, i.e. 14 B H and 5 B H. Backward per step: the cell (20 FLOPs per unit and
// the tanh(c') recomputed) and dh W_hh^T (2 B 4H H); then for all steps at once dW_hh, dW_ih,
// dbias and dx, as cuDNN does.
LstmOutputs Lstm(GraphBuilder& g, const std::string& name, const Tensor& x, int64_t hidden,
                 const std::optional<Tensor>& h0_in, const std::optional<Tensor>& c0_in) {
  const int64_t steps = x.dim(0), batch = x.dim(1), in = x.dim(2), h4 = 4 * hidden;
  const DType dt = x.dtype;
  Tensor w_ih = g.Weight(absl::StrCat(name, ".w_ih"), {in, h4});
  Tensor w_hh = g.Weight(absl::StrCat(name, ".w_hh"), {hidden, h4});
  Tensor bias = g.Weight(absl::StrCat(name, ".bias"), {h4});
  // A missing initial state is the zeros a framework passes in.
  Tensor h0 = h0_in ? *h0_in : g.Input(absl::StrCat(name, ".h0"), {batch, hidden}, dt);
  Tensor c0 = c0_in ? *c0_in : g.Input(absl::StrCat(name, ".c0"), {batch, hidden}, dt);
  Tensor xproj =
      g.Emit1({.name = absl::StrCat(name, ".input_proj"),
               .opcode = "fusion",
               .flops = 2.0 * steps * batch * in * h4 + D(steps * batch * h4),
               .operands = {x, w_ih, bias},
               .outputs = {{absl::StrCat(name, ".input_proj.out"), {steps, batch, h4}, dt}}});
  const int64_t slice_bytes = batch * h4 * DTypeBytes(dt);
  std::vector<Tensor> hs, cs, gates;
  Tensor h = h0, c = c0;
  for (int64_t t = 0; t < steps; ++t) {
    const std::string step = absl::StrCat(name, ".step", t);
    Tensor hh = g.Emit1({.name = absl::StrCat(step, ".hh"),
                         .opcode = "dot",
                         .flops = 2.0 * batch * hidden * h4,
                         .operands = {h, w_hh},
                         .outputs = {{absl::StrCat(step, ".hh.out"), {batch, h4}, dt}}});
    std::vector<OutputSpec> outs{{absl::StrCat(step, ".h"), {batch, hidden}, dt},
                                 {absl::StrCat(step, ".c"), {batch, hidden}, dt}};
    // Training keeps the gate activations for the backward.
    if (g.training()) outs.push_back({absl::StrCat(step, ".gates"), {batch, h4}, dt});
    std::vector<Tensor> cell = g.Emit({.name = absl::StrCat(step, ".cell"),
                                       .opcode = "fusion",
                                       .flops = 14.0 * batch * hidden,
                                       .transcendentals = 5.0 * batch * hidden,
                                       .operands = {{xproj, slice_bytes}, hh, c},
                                       .outputs = outs});
    h = cell[0];
    c = cell[1];
    hs.push_back(h);
    cs.push_back(c);
    if (g.training()) gates.push_back(cell[2]);
  }
  std::vector<Operand> seq_parts(hs.begin(), hs.end());
  Tensor sequence =
      g.Emit1({.name = absl::StrCat(name, ".sequence"),
               .opcode = "concatenate",
               .operands = seq_parts,
               .outputs = {{absl::StrCat(name, ".sequence.out"), {steps, batch, hidden}, dt}}});
  g.OnBackward([=, &g] {
    std::optional<Tensor> dseq = g.Grad(sequence);
    std::optional<Tensor> dh = g.Grad(hs.back());
    std::optional<Tensor> dc = g.Grad(cs.back());
    if (!dseq && !dh && !dc) return;
    const int64_t h_bytes = batch * hidden * DTypeBytes(dt);
    std::vector<Tensor> dgates(steps);
    for (int64_t t = steps - 1; t >= 0; --t) {
      const std::string step = absl::StrCat(name, ".step", t);
      std::vector<Operand> ops{gates[t], cs[t], t > 0 ? cs[t - 1] : c0};
      if (dseq) ops.push_back({*dseq, h_bytes});
      if (dh) ops.push_back(*dh);
      if (dc) ops.push_back(*dc);
      std::vector<Tensor> d =
          g.Emit({.name = absl::StrCat(step, ".cell_bwd"),
                  .opcode = "fusion",
                  .flops = 20.0 * batch * hidden,
                  .transcendentals = D(batch * hidden),
                  .operands = ops,
                  .outputs = {{absl::StrCat(step, ".gates.grad"), {batch, h4}, dt},
                              {absl::StrCat(step, ".c_prev.grad"), {batch, hidden}, dt}}});
      dgates[t] = d[0];
      dc = d[1];
      const Tensor& h_prev = t > 0 ? hs[t - 1] : h0;
      if (t == 0 && !g.NeedsGrad(h0)) {
        dh.reset();
        continue;
      }
      dh = g.Emit1({.name = absl::StrCat(step, ".hh_bwd"),
                    .opcode = "dot",
                    .flops = 2.0 * batch * h4 * hidden,
                    .operands = {d[0], w_hh},
                    .outputs = {{absl::StrCat(g.NameOf(h_prev), ".grad"), {batch, hidden}, dt}}});
    }
    if (dh) g.AddGrad(h0, *dh);
    if (dc) g.AddGrad(c0, *dc);
    std::vector<Operand> parts(dgates.begin(), dgates.end());
    Tensor dall =
        g.Emit1({.name = absl::StrCat(name, ".gates_grad"),
                 .opcode = "concatenate",
                 .operands = parts,
                 .outputs = {{absl::StrCat(name, ".gates.grad"), {steps, batch, h4}, dt}}});
    auto weight_grads = [&] {
      g.AddGrad(w_hh, g.Emit1({.name = absl::StrCat(name, ".w_hh.bwd"),
                               .opcode = "dot",
                               .flops = 2.0 * steps * batch * hidden * h4,
                               .operands = {h0, {sequence, (steps - 1) * h_bytes}, dall},
                               .outputs = {{absl::StrCat(name, ".w_hh.grad"), w_hh.shape, dt}}}));
      g.AddGrad(w_ih, g.Emit1({.name = absl::StrCat(name, ".w_ih.bwd"),
                               .opcode = "dot",
                               .flops = 2.0 * steps * batch * in * h4,
                               .operands = {x, dall},
                               .outputs = {{absl::StrCat(name, ".w_ih.grad"), w_ih.shape, dt}}}));
      BiasBackward(g, name, bias, dall);
    };
    auto data_grad = [&] {
      if (!g.NeedsGrad(x)) return;
      g.AddGrad(x, g.Emit1({.name = absl::StrCat(name, ".input_proj.bwd_data"),
                            .opcode = "dot",
                            .flops = 2.0 * steps * batch * h4 * in,
                            .operands = {dall, w_ih},
                            .outputs = {{absl::StrCat(g.NameOf(x), ".grad"), x.shape, dt}}}));
    };
    DataAndWeightGrads(g, data_grad, weight_grads);
  });
  return {sequence, hs.back(), cs.back()};
}

}  // namespace mmap_opt::gen
