// `mmap-opt gen FAMILY ... -o P.pb`: a program of a published model architecture.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/cli_common.h"
#include "mmap_opt/io/gen.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/model/hardware.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

struct GenVerbOptions {
  std::string family;
  std::string mode = "inference";
  GenOptions gen;
  std::string output = "-";
  bool list = false;
};

void PrintFamilies() {
  std::cout << absl::StrFormat("%-13s %-26s %-27s %-7s %s\n", "family", "sizes (default)", "modes",
                               "batch", "seq (default)");
  for (const GenFamily& f : GenFamilies()) {
    std::string sizes;
    for (const std::string& s : f.sizes) {
      if (!sizes.empty()) sizes += ",";
      sizes += s == f.default_size ? "[" + s + "]" : s;
    }
    const std::string seq =
        f.seq_meaning.empty() ? "-" : absl::StrFormat("%s (%d)", f.seq_meaning, f.default_seq);
    std::cout << absl::StrFormat("%-13s %-26s %-27s %-7d %s\n", f.name, sizes,
                                 f.has_decode ? "inference,training,decode" : "inference,training",
                                 f.default_batch, seq);
    std::cout << absl::StrFormat("%-13s %s\n", "", f.description);
  }
}

absl::Status RunGen(GenVerbOptions& opts) {
  if (opts.list) {
    PrintFamilies();
    return absl::OkStatus();
  }
  if (opts.family.empty()) {
    return absl::InvalidArgumentError("gen: name a family (mmap-opt gen --list shows them)");
  }
  opts.gen.family = opts.family;
  ASSIGN_OR_RETURN(opts.gen.mode, ParseGenMode(opts.mode));
  if (!HardwarePreset(opts.gen.hardware).ok()) {
    // A generated program names its target; overrides belong on the verbs that run it.
    return absl::InvalidArgumentError(
        absl::StrCat("gen: --hardware '", opts.gen.hardware, "' is not a preset (",
                     absl::StrJoin(HardwarePresetNames(), ", "), ")"));
  }
  absl::StatusOr<proto::Program> generated = GenerateProgram(opts.gen);
  if (!generated.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("gen: ", generated.status().message()));
  }
  const proto::Program& program = *generated;
  RETURN_IF_ERROR(WriteMessage(opts.output, program));
  if (opts.output != "-") {
    std::cout << absl::StrFormat("%s: %s, %d instructions, %d buffers\n", opts.output,
                                 program.name(), program.instructions_size(),
                                 program.buffers_size());
  }
  return absl::OkStatus();
}

}  // namespace

void AddGenVerb(CLI::App& app) {
  auto opts = std::make_shared<GenVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "gen", "Generate the program of a published model (BERT, GPT-2, ViT, ResNet, ...)");
  verb->add_option("family", opts->family, "Model family (--list shows them)");
  verb->add_flag("--list", opts->list, "List the families, their sizes and defaults");
  verb->add_option("--mode", opts->mode,
                   "inference, training (forward, backward, Adam) or decode (gpt2: one token "
                   "against a KV cache)")
      ->capture_default_str();
  verb->add_option("--size", opts->gen.size, "Model size (default: the family's)");
  verb->add_option("--batch", opts->gen.batch, "Batch size (default: the family's)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  verb->add_option("--seq", opts->gen.seq,
                   "Sequence length, or image side for vision families (default: the family's)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  verb->add_option("--dtype", opts->gen.dtype, "Element type: f32, bf16, f16, f8, s8")
      ->capture_default_str();
  verb->add_option("--hardware", opts->gen.hardware,
                   "Preset the program targets (tpuv4i, tpuv4i-vmem, edge-npu)")
      ->capture_default_str();
  verb->add_option("--seed", opts->gen.seed,
                   "0: canonical order; else seeded tie-breaks of the backward and update order")
      ->capture_default_str();
  verb->add_option("-o,--output", opts->output, "Program file (.pb, .txtpb, .json or -)")
      ->capture_default_str();
  verb->callback([opts] {
    absl::Status status = RunGen(*opts);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
