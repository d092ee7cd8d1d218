// `mmap-opt import csv IN.csv -o P.pb`, `mmap-opt import hlo IN.hlo -o P.pb`: turn other
// tools' dumps into programs.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "cli/cli_common.h"
#include "mmap_opt/io/csv.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/plan/repack.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

struct ImportCsvOptions {
  std::string input;
  std::string output = "-";
  int64_t capacity = 0;  // 0: from the file name.
  std::string name;
};

std::string StemOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

absl::Status RunImportCsv(const ImportCsvOptions& opts) {
  ASSIGN_OR_RETURN(std::string contents, ReadFile(opts.input));
  ASSIGN_OR_RETURN(std::vector<CsvBuffer> rows, ParseCsv(opts.input, contents));
  int64_t capacity = opts.capacity;
  if (capacity == 0) {
    std::optional<int64_t> from_name = CapacityFromFileName(opts.input);
    if (!from_name) {
      return absl::InvalidArgumentError(absl::StrCat(
          opts.input, ": no capacity in the file name (like A.1048576.csv); pass --capacity N"));
    }
    capacity = *from_name;
  }
  const std::string name = opts.name.empty() ? StemOf(opts.input) : opts.name;
  ASSIGN_OR_RETURN(proto::Program program, CsvToProgram(rows, name, capacity));
  absl::Status valid = ValidateProgram(program);
  if (!valid.ok())
    return absl::InvalidArgumentError(absl::StrCat(opts.input, ": ", valid.message()));
  return WriteMessage(opts.output, program);
}

struct ImportHloOptions {
  std::string input;
  std::string output = "-";
  std::string assignment;  // With it: XLA's assignment too.
  std::string hardware;    // The program's target; the assignment's offsets fit its fast memory.
  HloImportOptions import;
};

// --hardware names the program's target in it: a preset by name (as the corpus's files do),
// a hardware file in full.
absl::Status NameTarget(const ImportHloOptions& opts, proto::Program* program) {
  if (opts.hardware.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(proto::Hardware hardware, ResolveHardware(opts.hardware));
  if (HasProtoExtension(opts.hardware)) {
    *program->mutable_hardware() = hardware;
  } else {
    program->mutable_hardware()->set_name(hardware.name());
  }
  return absl::OkStatus();
}

// The program and XLA's assignment; offsets from the repacker, the assignment validated.
absl::Status RunImportHloWithAssignment(const ImportHloOptions& opts, const std::string& contents) {
  ASSIGN_OR_RETURN(HloImportWithAssignment imported,
                   ImportHloWithAssignment(opts.input, contents, opts.import));
  RETURN_IF_ERROR(NameTarget(opts, &imported.program));
  absl::Status valid = ValidateProgram(imported.program);
  if (!valid.ok())
    return absl::InvalidArgumentError(absl::StrCat(opts.input, ": ", valid.message()));
  ASSIGN_OR_RETURN(proto::Hardware hardware, HardwareFor(imported.program, opts.hardware));
  ASSIGN_OR_RETURN(Program program, Program::Create(imported.program));
  // Best-fit passes first (they pack the real dumps at once); the complete search only when
  // they do not fit.
  plan::RepackOptions repack;
  repack.time_limit_seconds = 10;
  repack.exact_search = false;
  absl::StatusOr<plan::RepackResult> packed =
      plan::Repack(program, hardware, imported.assignment, repack);
  if (packed.ok() && packed->status != heap::PackStatus::kPacked) {
    repack.exact_search = true;
    packed = plan::Repack(program, hardware, imported.assignment, repack);
  }
  if (!packed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        opts.input, ": XLA's assignment is not valid here: ", packed.status().message()));
  }
  if (packed->status != heap::PackStatus::kPacked) {
    return absl::InvalidArgumentError(
        absl::StrCat(opts.input, ": XLA's assignment does not fit the ", hardware.fast_capacity(),
                     "-byte fast memory of hardware '", hardware.name(), "' (peak live ",
                     packed->lower_bound, " bytes; a larger one needs --hardware)"));
  }
  RETURN_IF_ERROR(WriteMessage(opts.output, imported.program));
  RETURN_IF_ERROR(WriteMessage(opts.assignment, packed->assignment));
  std::ostream& report = opts.output == "-" || opts.assignment == "-" ? std::cerr : std::cout;
  for (const std::string& note : imported.notes) report << "note: " << note << "\n";
  report << "assignment " << opts.assignment << ": " << packed->assignment.placements_size()
         << " placements from XLA's memory spaces and copies; offsets come from the repacker "
         << "(HLO text has none), peak " << packed->peak_after << " of " << hardware.fast_capacity()
         << " bytes on '" << hardware.name() << "'\n";
  return absl::OkStatus();
}

absl::Status RunImportHlo(const ImportHloOptions& opts) {
  ASSIGN_OR_RETURN(std::string contents, ReadFile(opts.input));
  if (!opts.assignment.empty()) return RunImportHloWithAssignment(opts, contents);
  ASSIGN_OR_RETURN(proto::Program program, ImportHlo(opts.input, contents, opts.import));
  RETURN_IF_ERROR(NameTarget(opts, &program));
  absl::Status valid = ValidateProgram(program);
  if (!valid.ok())
    return absl::InvalidArgumentError(absl::StrCat(opts.input, ": ", valid.message()));
  return WriteMessage(opts.output, program);
}

}  // namespace

void AddImportVerb(CLI::App& app) {
  CLI::App* verb = app.add_subcommand("import", "Convert another tool's dump into a program");
  verb->require_subcommand(1);
  auto csv = std::make_shared<ImportCsvOptions>();
  CLI::App* csv_verb = verb->add_subcommand(
      "csv", "MiniMalloc CSV (id,lower,upper,size): one buffer a row over [lower, upper)");
  csv_verb->add_option("input", csv->input, "CSV file (or -)")->required();
  csv_verb->add_option("-o,--output", csv->output, "Program file (.pb, .txtpb, .json or -)")
      ->capture_default_str();
  csv_verb
      ->add_option("--capacity", csv->capacity,
                   "Fast-memory bytes (default: the number in the file name)")
      ->check(CLI::PositiveNumber);
  csv_verb->add_option("--name", csv->name, "Program name (default: the file's stem)");
  csv_verb->callback([csv] {
    absl::Status status = RunImportCsv(*csv);
    if (!status.ok()) Fail(status);
  });
  auto hlo = std::make_shared<ImportHloOptions>();
  CLI::App* hlo_verb = verb->add_subcommand(
      "hlo", "XLA HLO text (--xla_dump_hlo_as_text): bodies flattened, fusions whole");
  hlo_verb->add_option("input", hlo->input, "HLO text file (or -)")->required();
  hlo_verb->add_option("-o,--output", hlo->output, "Program file (.pb, .txtpb, .json or -)")
      ->capture_default_str();
  hlo_verb->add_option("--name", hlo->import.name, "Program name (default: the HLO module's)");
  hlo_verb->add_option("--assignment", hlo->assignment,
                       "Also write XLA's assignment (S(1) layouts, copy-start/copy-done) here; "
                       "offsets from the repacker");
  hlo_verb->add_option("--hardware", hlo->hardware,
                       "Preset or hardware file named in the program as its target; with "
                       "--assignment also the fast memory the offsets fit (default tpuv4i)");
  hlo_verb
      ->add_option("--unknown-trip-count", hlo->import.unknown_trip_count,
                   "Iterations costed for while loops that print no known_trip_count")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  hlo_verb->add_flag(
      "!--no-export-constraints", hlo->import.export_constraints,
      "Plan as if the assignment never goes back into HLO: no per-computation copy rule, "
      "loop states and branch results not slow_only (`export hlo` then needs "
      "--drop-inexpressible)");
  hlo_verb->callback([hlo] {
    absl::Status status = RunImportHlo(*hlo);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
