// Transformer families: BERT (Devlin et al. 2018), GPT-2 (Radford et al. 2019) and ViT
// (Dosovitskiy et al. 2020), with the published layer counts, widths and heads.
#include "absl/strings/str_cat.h"
#include "families.h"

namespace mmap_opt::gen {
namespace {

struct TransformerSize {
  int64_t layers, hidden, heads, ffn;
};

// "tiny" sizes are for smoke tests: BERT-Tiny (Turc et al. 2019: 2 layers, 128 wide) and the
// same shape for GPT-2; ViT's is DeiT-Ti (Touvron et al. 2021).
TransformerSize BertSize(const std::string& s) {
  if (s == "tiny") return {2, 128, 2, 512};
  if (s == "large") return {24, 1024, 16, 4096};
  return {12, 768, 12, 3072};  // base
}
TransformerSize Gpt2Size(const std::string& s) {
  if (s == "tiny") return {2, 128, 2, 512};
  if (s == "medium") return {24, 1024, 16, 4096};
  if (s == "large") return {36, 1280, 20, 5120};
  return {12, 768, 12, 3072};  // small
}
TransformerSize VitSize(const std::string& s) {
  if (s == "tiny") return {12, 192, 3, 768};
  if (s == "large") return {24, 1024, 16, 4096};
  return {12, 768, 12, 3072};  // base
}

// BERT's post-LN block: x = LN(x + Attn(x)); x = LN(x + MLP(x)).
Tensor PostLnBlock(GraphBuilder& g, const std::string& p, const Tensor& x, const TransformerSize& t,
                   int64_t batch, int64_t seq) {
  Tensor qkv = Linear(g, p + ".attn.qkv", x, 3 * t.hidden);
  Tensor ctx = SelfAttention(g, p + ".attn", qkv, batch, seq, t.heads, /*causal=*/false);
  Tensor o = Linear(g, p + ".attn.out", ctx, t.hidden);
  Tensor x1 = LayerNorm(g, p + ".attn.ln", Add(g, p + ".attn.residual", o, x));
  Tensor f = Linear(g, p + ".mlp.fc1", x1, t.ffn, Activation::kGelu);
  Tensor f2 = Linear(g, p + ".mlp.fc2", f, t.hidden);
  return LayerNorm(g, p + ".mlp.ln", Add(g, p + ".mlp.residual", f2, x1));
}

// GPT-2 / ViT pre-LN block: x = x + Attn(LN(x)); x = x + MLP(LN(x)).
Tensor PreLnBlock(GraphBuilder& g, const std::string& p, const Tensor& x, const TransformerSize& t,
                  int64_t batch, int64_t seq, bool causal) {
  Tensor qkv = Linear(g, p + ".attn.qkv", LayerNorm(g, p + ".ln1", x), 3 * t.hidden);
  Tensor ctx = SelfAttention(g, p + ".attn", qkv, batch, seq, t.heads, causal);
  Tensor x1 = Add(g, p + ".attn.residual", Linear(g, p + ".attn.out", ctx, t.hidden), x);
  Tensor f = Linear(g, p + ".mlp.fc1", LayerNorm(g, p + ".ln2", x1), t.ffn, Activation::kGelu);
  return Add(g, p + ".mlp.residual", Linear(g, p + ".mlp.fc2", f, t.hidden), x1);
}

void Finish(GraphBuilder& g, const Tensor& out, const std::optional<Tensor>& loss) {
  if (loss) {
    g.MarkOutput(*loss);
    g.BackwardAndUpdate(*loss);
  } else {
    g.MarkOutput(out);
  }
}

}  // namespace

// Masked-LM pre-training head as in the paper: 15% of the tokens are predicted (ceil), their
// hidden states gathered, transformed (dense + GELU + LN) and projected on the tied word
// embedding. Inference runs the same head (fill-mask) and outputs its logits.
void BuildBert(GraphBuilder& g, const FamilyConfig& c) {
  const TransformerSize t = BertSize(c.size);
  const int64_t vocab = 30522, b = c.batch, s = c.seq, masked = (15 * s + 99) / 100;
  Tensor ids = g.Input("input_ids", {b, s}, DType::kS32);
  Tensor pos = g.Input("position_ids", {b, s}, DType::kS32);
  Tensor types = g.Input("token_type_ids", {b, s}, DType::kS32);
  Tensor word = g.Weight("embeddings.word", {vocab, t.hidden});
  Tensor x = Embedding(g, "embeddings.word_lookup", word, ids);
  x = Add(g, "embeddings.add_position", x,
          Embedding(g, "embeddings.position_lookup",
                    g.Weight("embeddings.position", {512, t.hidden}), pos));
  x = Add(
      g, "embeddings.add_type", x,
      Embedding(g, "embeddings.type_lookup", g.Weight("embeddings.type", {2, t.hidden}), types));
  x = LayerNorm(g, "embeddings.ln", Reshape(x, {b * s, t.hidden}));
  for (int64_t l = 0; l < t.layers; ++l) {
    x = PostLnBlock(g, absl::StrCat("encoder.", l), x, t, b, s);
  }
  Tensor positions = g.Input("masked_positions", {b * masked}, DType::kS32);
  Tensor h = Embedding(g, "mlm.gather", x, positions);
  h = LayerNorm(g, "mlm.transform.ln", Linear(g, "mlm.transform", h, t.hidden, Activation::kGelu));
  Tensor logits = Dense(g, "mlm.decoder", h, word, g.Weight("mlm.decoder.bias", {vocab}));
  std::optional<Tensor> loss;
  if (c.mode == GenMode::kTraining) {
    loss = SoftmaxCrossEntropy(g, "mlm.loss", logits,
                               g.Input("masked_labels", {b * masked}, DType::kS32));
  }
  Finish(g, logits, loss);
}

// GPT-2 with its 50257-token vocabulary, 1024 learned positions and the output projection
// tied to the token embedding. Prefill (inference) emits each layer's keys and values (the KV
// cache) and the last token's logits; decode reads a cache of `seq` tokens, appends one token
// in place (dynamic-update-slice) and outputs the new cache and logits.
void BuildGpt2(GraphBuilder& g, const FamilyConfig& c) {
  const TransformerSize t = Gpt2Size(c.size);
  const int64_t vocab = 50257, b = c.batch, h = t.hidden;
  const bool decode = c.mode == GenMode::kDecode;
  const int64_t s = decode ? 1 : c.seq;  // Tokens processed in this step.
  Tensor wte = g.Weight("wte", {vocab, h});
  Tensor x = Add(g, "embeddings.add_position",
                 Embedding(g, "wte.lookup", wte, g.Input("input_ids", {b, s}, DType::kS32)),
                 Embedding(g, "wpe.lookup", g.Weight("wpe", {1024, h}),
                           g.Input("position_ids", {b, s}, DType::kS32)));
  x = Reshape(x, {b * s, h});
  const int64_t tok_kv_bytes = b * 2 * h * DTypeBytes(g.dtype());
  for (int64_t l = 0; l < t.layers; ++l) {
    const std::string p = absl::StrCat("h.", l);
    if (!decode) {
      Tensor qkv = Linear(g, p + ".attn.qkv", LayerNorm(g, p + ".ln1", x), 3 * h);
      if (c.mode == GenMode::kInference) {
        g.MarkOutput(g.Emit1({.name = p + ".attn.present",
                              .opcode = "slice",
                              .operands = {{qkv, qkv.bytes() / 3 * 2}},
                              .outputs = {{p + ".attn.kv_cache", {b, s, 2 * h}, g.dtype()}}}));
      }
      Tensor ctx = SelfAttention(g, p + ".attn", qkv, b, s, t.heads, /*causal=*/true);
      Tensor x1 = Add(g, p + ".attn.residual", Linear(g, p + ".attn.out", ctx, h), x);
      Tensor f = Linear(g, p + ".mlp.fc1", LayerNorm(g, p + ".ln2", x1), t.ffn, Activation::kGelu);
      x = Add(g, p + ".mlp.residual", Linear(g, p + ".mlp.fc2", f, h), x1);
      continue;
    }
    // Decode: the cache holds `seq` past tokens and room for this one.
    const int64_t ctx_len = c.seq + 1, head_dim = h / t.heads;
    Tensor qkv = Linear(g, p + ".attn.qkv", LayerNorm(g, p + ".ln1", x), 3 * h);
    Tensor past = g.Input(p + ".attn.kv_cache", {b, ctx_len, 2 * h}, g.dtype());
    Tensor cache =
        g.Emit1({.name = p + ".attn.cache_update",
                 .opcode = "dynamic-update-slice",
                 .operands = {{past, 0}, {qkv, tok_kv_bytes}},
                 .outputs = {{p + ".attn.kv_cache.new", past.shape, g.dtype(), tok_kv_bytes}}});
    g.MarkOutput(cache);
    Tensor scores =
        BatchMatMul(g, p + ".attn.scores", {qkv, qkv.bytes() / 3}, {cache, cache.bytes() / 2},
                    b * t.heads, 1, head_dim, ctx_len, {b, t.heads, 1, ctx_len});
    Tensor probs = Softmax(g, p + ".attn.softmax", scores);
    Tensor ctx = BatchMatMul(g, p + ".attn.context", probs, {cache, cache.bytes() / 2}, b * t.heads,
                             1, ctx_len, head_dim, {b, h});
    Tensor x1 = Add(g, p + ".attn.residual", Linear(g, p + ".attn.out", ctx, h), x);
    Tensor f = Linear(g, p + ".mlp.fc1", LayerNorm(g, p + ".ln2", x1), t.ffn, Activation::kGelu);
    x = Add(g, p + ".mlp.residual", Linear(g, p + ".mlp.fc2", f, h), x1);
  }
  x = LayerNorm(g, "ln_f", x);
  if (c.mode == GenMode::kTraining) {
    Tensor logits = Dense(g, "lm_head", x, wte, Tensor{});
    Finish(g, logits,
           SoftmaxCrossEntropy(g, "lm.loss", logits, g.Input("labels", {b * s}, DType::kS32)));
    return;
  }
  if (!decode) x = SliceRows(g, "last_token", x, b);
  Finish(g, Dense(g, "lm_head", x, wte, Tensor{}), std::nullopt);
}

// ViT with the paper's 16x16 patch embedding (a stride-16 convolution), learned position
// embeddings, pre-LN blocks, and the global-average-pool head the paper also evaluates (no
// class token), 1000 classes. `seq` is the image side (224 by default).
void BuildVit(GraphBuilder& g, const FamilyConfig& c) {
  const TransformerSize t = VitSize(c.size);
  const int64_t b = c.batch, side = c.seq / 16, tokens = side * side;
  Tensor image = g.Input("image", {b, c.seq, c.seq, 3}, g.dtype());
  Tensor x = Conv2D(g, "patch_embed", image, t.hidden, 16, 16, 0, 1, Activation::kNone, true);
  x = AddBroadcast(g, "pos_embed.add", Reshape(x, {b, tokens, t.hidden}),
                   g.Weight("pos_embed", {tokens, t.hidden}));
  x = Reshape(x, {b * tokens, t.hidden});
  for (int64_t l = 0; l < t.layers; ++l) {
    x = PreLnBlock(g, absl::StrCat("blocks.", l), x, t, b, tokens, /*causal=*/false);
  }
  x = LayerNorm(g, "norm", x);
  Tensor pooled = GlobalAvgPool(g, "pool", Reshape(x, {b, side, side, t.hidden}));
  Tensor logits = Linear(g, "head", pooled, 1000);
  std::optional<Tensor> loss;
  if (c.mode == GenMode::kTraining) {
    loss = SoftmaxCrossEntropy(g, "loss", logits, g.Input("labels", {b}, DType::kS32));
  }
  Finish(g, logits, loss);
}

}  // namespace mmap_opt::gen
