// Sequence and recommendation families: the LSTM encoder-decoder of Sutskever et al. 2014
// and DLRM (Naumov et al. 2019).
#include "absl/strings/str_cat.h"
#include "families.h"

namespace mmap_opt::gen {

// Sizes: small (1 layer of 256, 8k vocabularies), base (2 x 512, 32k) and large (the paper's
// 4 x 1000 with 1000-wide embeddings, 160k source / 80k target vocabularies). The decoder's
// layer l starts from the encoder's final state of layer l; teacher forcing over `seq` target
// tokens; the output projection and softmax loss cover every target token. Inference runs the
// same forward (scoring a given target) and outputs the logits.
void BuildLstmSeq2seq(GraphBuilder& g, const FamilyConfig& c) {
  int64_t layers = 2, hidden = 512, src_vocab = 32000, tgt_vocab = 32000;
  if (c.size == "small") layers = 1, hidden = 256, src_vocab = tgt_vocab = 8000;
  if (c.size == "large") layers = 4, hidden = 1000, src_vocab = 160000, tgt_vocab = 80000;
  const int64_t t = c.seq, b = c.batch;
  Tensor x =
      Embedding(g, "encoder.embedding", g.Weight("encoder.embedding.weight", {src_vocab, hidden}),
                g.Input("source_ids", {t, b}, DType::kS32));
  std::vector<LstmOutputs> enc;
  for (int64_t l = 0; l < layers; ++l) {
    enc.push_back(Lstm(g, absl::StrCat("encoder.lstm", l), x, hidden, std::nullopt, std::nullopt));
    x = enc.back().sequence;
  }
  Tensor y =
      Embedding(g, "decoder.embedding", g.Weight("decoder.embedding.weight", {tgt_vocab, hidden}),
                g.Input("target_ids", {t, b}, DType::kS32));
  for (int64_t l = 0; l < layers; ++l) {
    y = Lstm(g, absl::StrCat("decoder.lstm", l), y, hidden, enc[l].h_last, enc[l].c_last).sequence;
  }
  Tensor logits = Linear(g, "decoder.projection", Reshape(y, {t * b, hidden}), tgt_vocab);
  if (c.mode != GenMode::kTraining) {
    g.MarkOutput(logits);
    return;
  }
  Tensor loss =
      SoftmaxCrossEntropy(g, "loss", logits, g.Input("target_labels", {t * b}, DType::kS32));
  g.MarkOutput(loss);
  g.BackwardAndUpdate(loss);
}

namespace {

// The 26 categorical features of Criteo's Kaggle display-advertising set (the cardinalities
// DLRM's data loader reports), capped at `cap` rows as DLRM's --max-ind-range does.
std::vector<int64_t> CriteoTables(int64_t cap) {
  const int64_t rows[] = {1460,  583,  10131227, 2202608, 305, 24,     12517,   633,   3,
                          93145, 5683, 8351593,  3194,    27,  14992,  5461306, 10,    5652,
                          2173,  4,    7046547,  18,      15,  286181, 105,     142572};
  std::vector<int64_t> out;
  for (int64_t r : rows) out.push_back(std::min(r, cap));
  return out;
}

}  // namespace

// small: the DLRM paper's Kaggle configuration (embeddings 16 wide, bottom MLP 512-256-64-16,
// top MLP 512-256-1, tables capped at 1M rows); base: MLPerf's Terabyte configuration
// (128 wide, bottom 512-256-128, top 1024-1024-512-256-1, capped at 4M rows). One lookup per
// table per sample; the pairwise dot interaction keeps the upper triangle; sparse row-wise
// embedding updates. `seq` is unused.
void BuildDlrm(GraphBuilder& g, const FamilyConfig& c) {
  const bool small = c.size == "small";
  const int64_t dim = small ? 16 : 128, b = c.batch;
  std::vector<int64_t> bottom =
      small ? std::vector<int64_t>{512, 256, 64, 16} : std::vector<int64_t>{512, 256, 128};
  std::vector<int64_t> top =
      small ? std::vector<int64_t>{512, 256, 1} : std::vector<int64_t>{1024, 1024, 512, 256, 1};
  Tensor x = g.Input("dense_features", {b, 13}, g.dtype());
  for (size_t i = 0; i < bottom.size(); ++i) {
    x = Linear(g, absl::StrCat("bot_l.", i), x, bottom[i], Activation::kRelu);
  }
  std::vector<Tensor> features{x};
  const std::vector<int64_t> tables = CriteoTables(small ? 1000000 : 4000000);
  for (size_t i = 0; i < tables.size(); ++i) {
    Tensor table = g.Weight(absl::StrCat("emb_l.", i), {tables[i], dim});
    features.push_back(Embedding(g, absl::StrCat("emb_l.", i, ".lookup"), table,
                                 g.Input(absl::StrCat("sparse_ids.", i), {b}, DType::kS32),
                                 /*sparse_grad=*/true));
  }
  const int64_t f = features.size(), pairs = f * (f - 1) / 2;
  Tensor stacked = Reshape(Concat(g, "interact.stack", features), {b, f, dim});
  Tensor z = BatchMatMul(g, "interact.dot", stacked, stacked, b, f, dim, f, {b, f, f});
  // The strict upper triangle, as a gather of f (f - 1) / 2 of the f^2 entries per sample.
  const int64_t tri_bytes = b * pairs * DTypeBytes(g.dtype());
  Tensor tri = g.Emit1({.name = "interact.triangle",
                        .opcode = "gather",
                        .operands = {{z, tri_bytes}},
                        .outputs = {{"interact.triangle.out", {b, pairs}, g.dtype()}}});
  g.OnBackward([&g, z, tri] {
    std::optional<Tensor> dy = g.Grad(tri);
    if (!dy) return;
    g.AddGrad(z, g.Emit1({.name = "interact.triangle.bwd",
                          .opcode = "scatter",
                          .operands = {*dy},
                          .outputs = {{"interact.dot.out.grad", z.shape, z.dtype}}}));
  });
  x = Concat(g, "interact.concat", {x, tri});
  for (size_t i = 0; i < top.size(); ++i) {
    const bool last = i + 1 == top.size();
    x = Linear(g, absl::StrCat("top_l.", i), x, top[i],
               last ? Activation::kNone : Activation::kRelu);
  }
  if (c.mode != GenMode::kTraining) {
    g.MarkOutput(x);
    return;
  }
  Tensor loss = SigmoidCrossEntropy(g, "loss", x, g.Input("labels", {b, 1}, DType::kF32));
  g.MarkOutput(loss);
  g.BackwardAndUpdate(loss);
}

}  // namespace mmap_opt::gen
