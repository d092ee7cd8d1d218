// `mmap-opt gen FAMILY ... -o P.pb`: a program of a published model architecture.
// `mmap-opt gen training-trace [--buffers N] [--seed S] -o T.csv`: a buffer trace for `pack`
// (io/gen_trace.h), whose peak live load a known packing reaches.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/cli_common.h"
#include "mmap_opt/io/csv.h"
#include "mmap_opt/io/gen.h"
#include "mmap_opt/io/gen_trace.h"
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
  // training-trace only.
  int64_t buffers = TraceOptions().buffers;
  int64_t max_size = TraceOptions().max_size;
  int64_t extra_cuts = TraceOptions().extra_cuts;
  bool with_packing = false;
};

constexpr char kTraceKind[] = "training-trace";

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
  std::cout << absl::StrFormat("%s: a MiniMalloc CSV buffer trace for `pack` (--buffers, --seed, "
                               "--max-size, --extra-cuts, --with-packing), not a program\n",
                               kTraceKind);
}

absl::Status RunTraceGen(const GenVerbOptions& opts) {
  TraceOptions options;
  options.buffers = opts.buffers;
  options.seed = opts.gen.seed;
  options.max_size = opts.max_size;
  options.extra_cuts = opts.extra_cuts;
  absl::StatusOr<GeneratedTrace> trace = GenerateTrainingTrace(options);
  if (!trace.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("gen: ", trace.status().message()));
  }
  std::vector<CsvBuffer> rows = trace->rows;
  if (!opts.with_packing) {
    for (CsvBuffer& row : rows) row.offset.reset();
  }
  RETURN_IF_ERROR(WriteFileAtomically(opts.output, FormatCsv(rows)));
  if (opts.output != "-") {
    std::cout << absl::StrFormat(
        "%s: %s, %d buffers (%d cut at time %d), peak live load %d, reached by the known "
        "packing\n",
        opts.output, kTraceKind, rows.size(), trace->fillers, trace->cut_time, trace->peak);
  }
  return absl::OkStatus();
}

absl::Status RunGen(GenVerbOptions& opts) {
  if (opts.list) {
    PrintFamilies();
    return absl::OkStatus();
  }
  if (opts.family.empty()) {
    return absl::InvalidArgumentError("gen: name a family (mmap-opt gen --list shows them)");
  }
  if (opts.family == kTraceKind) return RunTraceGen(opts);
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
  verb->add_option("--buffers", opts->buffers, "training-trace: about this many buffers")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}))
      ->capture_default_str();
  verb->add_option("--max-size", opts->max_size, "training-trace: the largest buffer, bytes")
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 40))
      ->capture_default_str();
  verb->add_option("--extra-cuts", opts->extra_cuts,
                   "training-trace: busy times made tight besides the busiest")
      ->check(CLI::Range(int64_t{0}, int64_t{1000000}))
      ->capture_default_str();
  verb->add_flag("--with-packing", opts->with_packing,
                 "training-trace: write the known packing's offsets too");
  verb->add_option("-o,--output", opts->output,
                   "Program file (.pb, .txtpb, .json or -); training-trace: CSV file (or -)")
      ->capture_default_str();
  verb->callback([opts] {
    absl::Status status = RunGen(*opts);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
