// `mmap-opt pack IN.csv [--capacity N] -o OUT.csv [--time-limit S]`: offsets for MiniMalloc
// CSV buffers, a drop-in replacement for MiniMalloc's solver.
// `mmap-opt pack --program P --assignment A -o OUT [--capacity N]`: repack mode, new offsets
// for an assignment's placements with their times fixed (plan/repack.h).
//
// Exit codes: 0 packed (OUT written), 1 bad input, 2 bad command line, 3 proved infeasible,
// 4 unknown (time limit reached before a packing or a proof). Only a packing that passed the
// validator is written, atomically.
#include <chrono>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli_common.h"
#include "cli/score_report.h"
#include "mmap_opt/heap/packer.h"
#include "mmap_opt/io/csv.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/plan/repack.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

inline constexpr int kExitInfeasible = 3;
inline constexpr int kExitUnknown = 4;

struct PackVerbOptions {
  std::string input;
  std::string program;  // Repack mode: with `assignment` instead of `input`.
  std::string assignment;
  std::string hardware;
  std::string output;
  int64_t capacity = 0;
  int64_t alignment = 1;
  double time_limit = 60;
  double tolerance = 0;
  bool no_search = false;
};

absl::Status RunPack(const PackVerbOptions& opts) {
  if (opts.capacity < 0) return absl::InvalidArgumentError("--capacity must be >= 0");
  if (opts.alignment < 1) return absl::InvalidArgumentError("--alignment must be >= 1");
  if (!(opts.time_limit >= 0) || !(opts.tolerance >= 0)) {
    return absl::InvalidArgumentError("--time-limit and --tolerance must be >= 0");
  }
  ASSIGN_OR_RETURN(std::string text, ReadFile(opts.input));
  ASSIGN_OR_RETURN(std::vector<CsvBuffer> rows, ParseCsv(opts.input, text));
  std::vector<heap::PackBuffer> buffers;
  for (const CsvBuffer& row : rows) buffers.push_back({row.lower, row.upper, row.size});
  heap::PackOptions options;
  options.capacity = opts.capacity;
  options.alignment = opts.alignment;
  options.time_limit_seconds = opts.time_limit;
  options.peak_tolerance = opts.tolerance;
  options.exact_search = !opts.no_search;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<heap::PackResult> result = heap::Pack(buffers, options);
  if (!result.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(opts.input, ": ", result.status().message()));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The summary goes to stderr when the CSV itself goes to stdout.
  std::ostream& report = opts.output == "-" ? std::cerr : std::cout;
  const std::string where = absl::StrCat(
      opts.input, " (", buffers.size(), " buffers, ",
      opts.capacity > 0 ? absl::StrCat("capacity ", opts.capacity) : std::string("no capacity"),
      ")");
  if (result->status == heap::PackStatus::kInfeasible) {
    report << "infeasible " << where << ": proved by " << result->method << ", peak live load "
           << result->lower_bound << ", " << result->search_nodes << " nodes, "
           << FormatSeconds(seconds) << "\n";
    ExitCode() = kExitInfeasible;
    return absl::OkStatus();
  }
  if (result->status == heap::PackStatus::kUnknown) {
    report << "unknown " << where << ": no packing or proof within " << opts.time_limit
           << " s, peak live load " << result->lower_bound << ", " << result->search_nodes
           << " nodes\n";
    ExitCode() = kExitUnknown;
    return absl::OkStatus();
  }
  // Pack validated already; validate once more against exactly what gets written.
  RETURN_IF_ERROR(heap::ValidatePacking(buffers, result->offsets, opts.capacity, opts.alignment));
  for (size_t i = 0; i < rows.size(); ++i) rows[i].offset = result->offsets[i];
  RETURN_IF_ERROR(WriteFileAtomically(opts.output, FormatCsv(rows)));
  report << "packed " << where << ": peak " << result->peak << ", lower bound "
         << result->lower_bound
         << absl::StrFormat(" (%.5fx%s)",
                            static_cast<double>(result->peak) /
                                static_cast<double>(std::max<int64_t>(1, result->lower_bound)),
                            opts.capacity == 0 && result->optimal ? ", optimal" : "")
         << ", by " << result->method << ", " << result->search_nodes << " nodes, "
         << FormatSeconds(seconds) << "\n";
  return absl::OkStatus();
}

absl::Status RunRepack(const PackVerbOptions& opts) {
  if (opts.capacity < 0) return absl::InvalidArgumentError("--capacity must be >= 0");
  if (!(opts.time_limit >= 0) || !(opts.tolerance >= 0)) {
    return absl::InvalidArgumentError("--time-limit and --tolerance must be >= 0");
  }
  ASSIGN_OR_RETURN(LoadedProgram loaded, LoadProgram(opts.program, opts.hardware));
  const proto::Hardware& hardware = loaded.model->hardware();
  if (opts.capacity > hardware.fast_capacity()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--capacity ", opts.capacity, " exceeds the ", hardware.fast_capacity(),
        "-byte fast memory of hardware '", hardware.name(), "' (a larger one needs --hardware)"));
  }
  ASSIGN_OR_RETURN(proto::Assignment assignment, LoadAssignment(opts.assignment, *loaded.program));
  plan::RepackOptions options;
  options.capacity = opts.capacity;
  options.time_limit_seconds = opts.time_limit;
  options.peak_tolerance = opts.tolerance;
  options.exact_search = !opts.no_search;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<plan::RepackResult> result =
      plan::Repack(*loaded.program, hardware, assignment, options);
  if (!result.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(opts.assignment, ": ", result.status().message()));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ostream& report = opts.output == "-" ? std::cerr : std::cout;
  const std::string where = absl::StrCat(opts.assignment, " (", assignment.placements_size(),
                                         " placements, capacity ", result->capacity, ")");
  if (result->status == heap::PackStatus::kInfeasible) {
    report << "infeasible " << where << ": proved by " << result->method << ", peak before "
           << result->peak_before << ", lower bound " << result->lower_bound << ", "
           << result->search_nodes << " nodes, " << FormatSeconds(seconds) << "\n";
    ExitCode() = kExitInfeasible;
    return absl::OkStatus();
  }
  if (result->status == heap::PackStatus::kUnknown) {
    report << "unknown " << where << ": no packing or proof within " << opts.time_limit
           << " s, peak before " << result->peak_before << ", lower bound " << result->lower_bound
           << ", " << result->search_nodes << " nodes\n";
    ExitCode() = kExitUnknown;
    return absl::OkStatus();
  }
  // Repack validated the assignment it returns, under this hardware and capacity.
  RETURN_IF_ERROR(WriteMessage(opts.output, result->assignment));
  report << "repacked " << where << ": peak " << result->peak_before << " -> " << result->peak_after
         << ", lower bound " << result->lower_bound
         << absl::StrFormat(" (%.5fx)",
                            static_cast<double>(result->peak_after) /
                                static_cast<double>(std::max<int64_t>(1, result->lower_bound)))
         << ", by "
         << (result->kept_input ? std::string("input (no lower peak found)") : result->method)
         << ", " << result->search_nodes << " nodes, " << FormatSeconds(seconds) << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddPackVerb(CLI::App& app) {
  auto opts = std::make_shared<PackVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "pack",
      "Offsets for MiniMalloc CSV buffers (id,lower,upper,size) under a capacity, or with the "
      "smallest peak; or, with --program and --assignment, new offsets for an assignment's "
      "placements with their times fixed (repack). Exit 0 packed, 3 proved infeasible, 4 "
      "unknown at the time limit");
  CLI::Option* input = verb->add_option("input", opts->input, "CSV file (or -)");
  CLI::Option* program =
      verb->add_option("--program", opts->program, "Repack: program file (.pb, .txtpb, .json)")
          ->excludes(input);
  CLI::Option* assignment = verb->add_option("--assignment", opts->assignment,
                                             "Repack: assignment file whose offsets to re-choose")
                                ->needs(program)
                                ->excludes(input);
  program->needs(assignment);
  verb->add_option("--hardware", opts->hardware,
                   "Repack: preset or hardware file; default: the program's own, else tpuv4i")
      ->needs(program);
  verb->add_option("-o,--output", opts->output,
                   "CSV file with an offset column (repack: assignment file) (or -)")
      ->required();
  verb->add_option("--capacity", opts->capacity,
                   "Bytes of memory; 0 or absent: minimise the peak instead (repack: the "
                   "hardware's fast memory, with the peak minimised within it)");
  verb->add_option("--alignment", opts->alignment,
                   "Every offset is a multiple of this (CSV only: repack uses the hardware's)")
      ->capture_default_str()
      ->excludes(program);
  verb->add_option("--time-limit", opts->time_limit, "Seconds before answering 'unknown'")
      ->capture_default_str();
  verb->add_option("--tolerance", opts->tolerance,
                   "Without capacity, and in repack: stop at a peak within (1 + this) x the "
                   "lower bound")
      ->capture_default_str();
  verb->add_flag("--no-search", opts->no_search, "Best-fit passes only, no complete search");
  verb->callback([opts] {
    if (opts->input.empty() && opts->program.empty()) {
      throw CLI::RequiredError("input (a CSV file) or --program with --assignment");
    }
    absl::Status status = opts->program.empty() ? RunPack(*opts) : RunRepack(*opts);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
