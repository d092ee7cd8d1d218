// Convolutional families: ResNet (He et al. 2015), MobileNetV2 (Sandler et al. 2018), U-Net
// (Ronneberger et al. 2015), AlexNet and VGG as torchvision defines them. NHWC throughout;
// `seq` is the image side.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "families.h"

namespace mmap_opt::gen {
namespace {

// A 1000-class classifier head on [B, C] features: logits, and in training the loss and the
// whole backward and update.
void ClassifierEnd(GraphBuilder& g, const FamilyConfig& c, const Tensor& logits) {
  if (c.mode != GenMode::kTraining) {
    g.MarkOutput(logits);
    return;
  }
  Tensor loss = SoftmaxCrossEntropy(g, "loss", logits, g.Input("labels", {c.batch}, DType::kS32));
  g.MarkOutput(loss);
  g.BackwardAndUpdate(loss);
}

Tensor ConvBn(GraphBuilder& g, const std::string& p, const Tensor& x, int64_t out, int64_t k,
              int64_t stride, Activation act, int64_t groups = 1) {
  return BatchNormAct(g, p + ".bn", Conv2D(g, p, x, out, k, stride, k / 2, groups), act);
}

Tensor Bottleneck(GraphBuilder& g, const std::string& p, const Tensor& x, int64_t planes,
                  int64_t stride) {
  Tensor y = ConvBn(g, p + ".conv1", x, planes, 1, 1, Activation::kRelu);
  y = ConvBn(g, p + ".conv2", y, planes, 3, stride, Activation::kRelu);
  y = ConvBn(g, p + ".conv3", y, 4 * planes, 1, 1, Activation::kNone);
  Tensor shortcut = x;
  if (stride != 1 || x.dim(3) != 4 * planes) {
    shortcut = ConvBn(g, p + ".downsample", x, 4 * planes, 1, stride, Activation::kNone);
  }
  return Activate(g, p + ".relu", Add(g, p + ".residual", y, shortcut), Activation::kRelu);
}

Tensor BasicBlock(GraphBuilder& g, const std::string& p, const Tensor& x, int64_t planes,
                  int64_t stride) {
  Tensor y = ConvBn(g, p + ".conv1", x, planes, 3, stride, Activation::kRelu);
  y = ConvBn(g, p + ".conv2", y, planes, 3, 1, Activation::kNone);
  Tensor shortcut = x;
  if (stride != 1 || x.dim(3) != planes) {
    shortcut = ConvBn(g, p + ".downsample", x, planes, 1, stride, Activation::kNone);
  }
  return Activate(g, p + ".relu", Add(g, p + ".residual", y, shortcut), Activation::kRelu);
}

// torchvision's _make_divisible: round to a multiple of 8, never more than 10% down.
int64_t MakeDivisible(double v) {
  int64_t r = std::max<int64_t>(8, static_cast<int64_t>(v + 4) / 8 * 8);
  if (r < 0.9 * v) r += 8;
  return r;
}

Tensor DoubleConv(GraphBuilder& g, const std::string& p, const Tensor& x, int64_t out) {
  Tensor y = Conv2D(g, p + ".conv1", x, out, 3, 1, 1, 1, Activation::kRelu, true);
  return Conv2D(g, p + ".conv2", y, out, 3, 1, 1, 1, Activation::kRelu, true);
}

}  // namespace

void BuildResnet(GraphBuilder& g, const FamilyConfig& c) {
  const bool bottleneck = c.size == "50" || c.size == "101";
  std::vector<int64_t> blocks{2, 2, 2, 2};  // 18
  if (c.size == "34" || c.size == "50") blocks = {3, 4, 6, 3};
  if (c.size == "101") blocks = {3, 4, 23, 3};
  Tensor x = g.Input("image", {c.batch, c.seq, c.seq, 3}, g.dtype());
  x = ConvBn(g, "conv1", x, 64, 7, 2, Activation::kRelu);
  x = Pool(g, "maxpool", x, /*max=*/true, 3, 2, 1);
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t planes = int64_t{64} << stage;
    for (int64_t i = 0; i < blocks[stage]; ++i) {
      const std::string p = absl::StrCat("layer", stage + 1, ".", i);
      const int64_t stride = i == 0 && stage > 0 ? 2 : 1;
      x = bottleneck ? Bottleneck(g, p, x, planes, stride) : BasicBlock(g, p, x, planes, stride);
    }
  }
  ClassifierEnd(g, c, Linear(g, "fc", GlobalAvgPool(g, "avgpool", x), 1000));
}

// The paper's table 2: (expansion t, channels c, repeats n, stride s), width multiplier from
// the size ("0.5", "1.0", "1.4").
void BuildMobilenetV2(GraphBuilder& g, const FamilyConfig& c) {
  const double width = c.size == "0.5" ? 0.5 : c.size == "1.4" ? 1.4 : 1.0;
  struct Stage {
    int64_t t, c, n, s;
  };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  Tensor x = g.Input("image", {c.batch, c.seq, c.seq, 3}, g.dtype());
  x = ConvBn(g, "features.0", x, MakeDivisible(32 * width), 3, 2, Activation::kRelu6);
  int block = 1;
  for (const Stage& st : stages) {
    const int64_t out = MakeDivisible(st.c * width);
    for (int64_t i = 0; i < st.n; ++i, ++block) {
      const std::string p = absl::StrCat("features.", block);
      const int64_t stride = i == 0 ? st.s : 1, in = x.dim(3), hidden = in * st.t;
      Tensor y = x;
      if (st.t != 1) y = ConvBn(g, p + ".expand", y, hidden, 1, 1, Activation::kRelu6);
      y = ConvBn(g, p + ".depthwise", y, hidden, 3, stride, Activation::kRelu6, hidden);
      y = ConvBn(g, p + ".project", y, out, 1, 1, Activation::kNone);
      x = stride == 1 && in == out ? Add(g, p + ".residual", y, x) : y;
    }
  }
  x = ConvBn(g, absl::StrCat("features.", block), x, MakeDivisible(1280 * std::max(1.0, width)), 1,
             1, Activation::kRelu6);
  ClassifierEnd(g, c, Linear(g, "classifier", GlobalAvgPool(g, "avgpool", x), 1000));
}

// Four levels down and up with two 3x3 convolutions each (same padding, as most
// re-implementations, so the skip connections need no cropping), 2x2 max-pool down, 2x2
// up-convolution up, a 1x1 convolution to 2 classes and a per-pixel softmax loss. Widths from
// the size: small 32, base 64 (the paper's) at the first level, doubling per level.
void BuildUnet(GraphBuilder& g, const FamilyConfig& c) {
  const int64_t base = c.size == "small" ? 32 : 64, b = c.batch, s = c.seq;
  Tensor x = g.Input("image", {b, s, s, 3}, g.dtype());
  std::vector<Tensor> skips;
  for (int level = 0; level < 4; ++level) {
    x = DoubleConv(g, absl::StrCat("down", level), x, base << level);
    skips.push_back(x);
    x = Pool(g, absl::StrCat("down", level, ".pool"), x, /*max=*/true, 2, 2, 0);
  }
  x = DoubleConv(g, "bottleneck", x, base << 4);
  for (int level = 3; level >= 0; --level) {
    const std::string p = absl::StrCat("up", level);
    Tensor up = ConvTranspose2x2(g, p + ".upconv", x, base << level);
    x = DoubleConv(g, p, Concat(g, p + ".concat", {skips[level], up}), base << level);
  }
  Tensor logits = Conv2D(g, "head", x, 2, 1, 1, 0, 1, Activation::kNone, true);
  if (c.mode != GenMode::kTraining) {
    g.MarkOutput(logits);
    return;
  }
  Tensor loss = SoftmaxCrossEntropy(g, "loss", Reshape(logits, {b * s * s, 2}),
                                    g.Input("labels", {b * s * s}, DType::kS32));
  g.MarkOutput(loss);
  g.BackwardAndUpdate(loss);
}

// torchvision's AlexNet (the single-GPU variant of Krizhevsky et al. 2012, no LRN; dropout is
// left out: it adds masks but no memory decisions of interest).
void BuildAlexnet(GraphBuilder& g, const FamilyConfig& c) {
  Tensor x = g.Input("image", {c.batch, c.seq, c.seq, 3}, g.dtype());
  const Activation relu = Activation::kRelu;
  x = Conv2D(g, "features.0", x, 64, 11, 4, 2, 1, relu, true);
  x = Pool(g, "features.2", x, true, 3, 2, 0);
  x = Conv2D(g, "features.3", x, 192, 5, 1, 2, 1, relu, true);
  x = Pool(g, "features.5", x, true, 3, 2, 0);
  x = Conv2D(g, "features.6", x, 384, 3, 1, 1, 1, relu, true);
  x = Conv2D(g, "features.8", x, 256, 3, 1, 1, 1, relu, true);
  x = Conv2D(g, "features.10", x, 256, 3, 1, 1, 1, relu, true);
  x = Pool(g, "features.12", x, true, 3, 2, 0);
  x = Reshape(x, {c.batch, x.elements() / c.batch});
  x = Linear(g, "classifier.1", x, 4096, relu);
  x = Linear(g, "classifier.4", x, 4096, relu);
  ClassifierEnd(g, c, Linear(g, "classifier.6", x, 1000));
}

// VGG configurations A (11), D (16) and E (19) of Simonyan & Zisserman 2014; 0 is a max-pool.
void BuildVgg(GraphBuilder& g, const FamilyConfig& c) {
  std::vector<int64_t> cfg{64, 64,  0,   128, 128, 0,   256, 256, 256,
                           0,  512, 512, 512, 0,   512, 512, 512, 0};
  if (c.size == "11") cfg = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
  if (c.size == "19") {
    cfg = {64,  64,  0,   128, 128, 0,   256, 256, 256, 256, 0,
           512, 512, 512, 512, 0,   512, 512, 512, 512, 0};
  }
  Tensor x = g.Input("image", {c.batch, c.seq, c.seq, 3}, g.dtype());
  for (size_t i = 0; i < cfg.size(); ++i) {
    const std::string p = absl::StrCat("features.", i);
    x = cfg[i] == 0 ? Pool(g, p, x, true, 2, 2, 0)
                    : Conv2D(g, p, x, cfg[i], 3, 1, 1, 1, Activation::kRelu, true);
  }
  x = Reshape(x, {c.batch, x.elements() / c.batch});
  x = Linear(g, "classifier.0", x, 4096, Activation::kRelu);
  x = Linear(g, "classifier.3", x, 4096, Activation::kRelu);
  ClassifierEnd(g, c, Linear(g, "classifier.6", x, 1000));
}

}  // namespace mmap_opt::gen
