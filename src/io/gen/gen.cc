// GenerateProgram: the family registry, option checks, and the dispatch to a family builder.
#include "mmap_opt/io/gen.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "families.h"
#include "mmap_opt/io/gen_graph.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

using gen::FamilyConfig;
using gen::GraphBuilder;

// Beyond these a program would not be realistic, and its byte counts could overflow.
constexpr int64_t kMaxBatch = int64_t{1} << 20;
constexpr int64_t kMaxImageSide = 4096;

struct FamilyEntry {
  GenFamily info;
  void (*build)(GraphBuilder&, const FamilyConfig&);
  int64_t seq_multiple;  // The seq must be a multiple of this (image sides), 1 for text.
  int64_t max_seq;       // 0: the family takes no seq.
};

const std::vector<FamilyEntry>& Registry() {
  static const auto* registry = new std::vector<FamilyEntry>{
      {{"bert",
        "BERT encoder + masked-LM head (Devlin et al. 2018)",
        {"tiny", "base", "large"},
        "base",
        false,
        "sequence length",
        8,
        128},
       gen::BuildBert,
       1,
       512},
      {{"gpt2",
        "GPT-2 decoder LM; inference = prefill, decode = 1 token on a KV cache of seq (Radford et "
        "al. 2019)",
        {"tiny", "small", "medium", "large"},
        "small",
        true,
        "sequence length",
        4,
        512},
       gen::BuildGpt2,
       1,
       1023},
      {{"vit",
        "Vision Transformer /16, GAP head (Dosovitskiy et al. 2020)",
        {"tiny", "base", "large"},
        "base",
        false,
        "image side",
        32,
        224},
       gen::BuildVit,
       16,
       kMaxImageSide},
      {{"resnet",
        "ResNet-18/34/50/101 (He et al. 2015)",
        {"18", "34", "50", "101"},
        "50",
        false,
        "image side",
        32,
        224},
       gen::BuildResnet,
       32,
       kMaxImageSide},
      {{"mobilenetv2",
        "MobileNetV2, width multiplier 0.5/1.0/1.4 (Sandler et al. 2018)",
        {"0.5", "1.0", "1.4"},
        "1.0",
        false,
        "image side",
        64,
        224},
       gen::BuildMobilenetV2,
       32,
       kMaxImageSide},
      {{"unet",
        "U-Net, 4 levels, width 32 or 64 (Ronneberger et al. 2015)",
        {"small", "base"},
        "base",
        false,
        "image side",
        4,
        256},
       gen::BuildUnet,
       16,
       kMaxImageSide},
      {{"alexnet",
        "AlexNet as torchvision defines it (Krizhevsky et al. 2012)",
        {"base"},
        "base",
        false,
        "image side",
        128,
        224},
       gen::BuildAlexnet,
       32,
       kMaxImageSide},
      {{"vgg",
        "VGG-11/16/19, configurations A/D/E (Simonyan & Zisserman 2014)",
        {"11", "16", "19"},
        "16",
        false,
        "image side",
        32,
        224},
       gen::BuildVgg,
       32,
       kMaxImageSide},
      {{"lstm-seq2seq",
        "LSTM encoder-decoder (Sutskever et al. 2014)",
        {"small", "base", "large"},
        "base",
        false,
        "sequence length",
        64,
        32},
       gen::BuildLstmSeq2seq,
       1,
       1024},
      {{"dlrm",
        "DLRM on Criteo's 26 tables: Kaggle (small) or MLPerf (base) config (Naumov et "
        "al. 2019)",
        {"small", "base"},
        "small",
        false,
        "",
        2048,
        0},
       gen::BuildDlrm,
       1,
       0},
  };
  return *registry;
}

absl::StatusOr<FamilyConfig> Resolve(const GenOptions& o, const FamilyEntry& e) {
  const GenFamily& f = e.info;
  FamilyConfig c;
  c.mode = o.mode;
  c.size = o.size.empty() ? f.default_size : o.size;
  if (std::find(f.sizes.begin(), f.sizes.end(), c.size) == f.sizes.end()) {
    return absl::InvalidArgumentError(absl::StrCat("family '", f.name, "' has no size '", c.size,
                                                   "' (sizes: ", absl::StrJoin(f.sizes, ", "),
                                                   ")"));
  }
  if (o.mode == GenMode::kDecode && !f.has_decode) {
    return absl::InvalidArgumentError(
        absl::StrCat("family '", f.name, "' has no decode mode (only gpt2 does)"));
  }
  if (o.batch < 0 || o.batch > kMaxBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch ", o.batch, " is out of range [1, ", kMaxBatch, "]"));
  }
  c.batch = o.batch == 0 ? f.default_batch : o.batch;
  if (e.max_seq == 0) {
    if (o.seq != 0) {
      return absl::InvalidArgumentError(absl::StrCat("family '", f.name, "' takes no --seq"));
    }
    return c;
  }
  c.seq = o.seq == 0 ? f.default_seq : o.seq;
  if (c.seq < e.seq_multiple || c.seq > e.max_seq || c.seq % e.seq_multiple != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "family '", f.name, "': ", f.seq_meaning, " ", c.seq, " must be in [", e.seq_multiple, ", ",
        e.max_seq, "]",
        e.seq_multiple > 1 ? absl::StrCat(" and a multiple of ", e.seq_multiple) : ""));
  }
  return c;
}

std::string ProgramName(const GenOptions& o, const FamilyConfig& c, const FamilyEntry& e) {
  std::string name =
      absl::StrCat(e.info.name, "-", c.size, ".", GenModeName(c.mode), ".b", c.batch);
  if (e.max_seq > 0) absl::StrAppend(&name, e.seq_multiple > 1 ? ".i" : ".s", c.seq);
  absl::StrAppend(&name, ".", o.dtype);
  if (o.seed != 0) absl::StrAppend(&name, ".seed", o.seed);
  return name;
}

}  // namespace

const std::vector<GenFamily>& GenFamilies() {
  static const auto* families = [] {
    auto* out = new std::vector<GenFamily>;
    for (const FamilyEntry& e : Registry()) out->push_back(e.info);
    return out;
  }();
  return *families;
}

absl::StatusOr<GenMode> ParseGenMode(const std::string& mode) {
  if (mode == "inference") return GenMode::kInference;
  if (mode == "training") return GenMode::kTraining;
  if (mode == "decode") return GenMode::kDecode;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown mode '", mode, "' (modes: inference, training, decode)"));
}

const char* GenModeName(GenMode mode) {
  switch (mode) {
    case GenMode::kInference:
      return "inference";
    case GenMode::kTraining:
      return "training";
    case GenMode::kDecode:
      return "decode";
  }
  return "inference";
}

absl::StatusOr<proto::Program> GenerateProgram(const GenOptions& options) {
  const FamilyEntry* entry = nullptr;
  std::vector<std::string> names;
  for (const FamilyEntry& e : Registry()) {
    if (e.info.name == options.family) entry = &e;
    names.push_back(e.info.name);
  }
  if (entry == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown family '", options.family, "' (families: ", absl::StrJoin(names, ", "), ")"));
  }
  ASSIGN_OR_RETURN(FamilyConfig config, Resolve(options, *entry));
  ASSIGN_OR_RETURN(gen::DType dtype, gen::ParseDType(options.dtype));
  if (config.mode == GenMode::kTraining && (dtype == gen::DType::kS8 || dtype == gen::DType::kF8)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dtype ", options.dtype, " is for inference; train in f32, bf16 or f16"));
  }
  GraphBuilder builder(ProgramName(options, config, *entry), dtype,
                       config.mode == GenMode::kTraining, options.seed);
  entry->build(builder, config);
  return builder.Finish(options.hardware);
}

}  // namespace mmap_opt
