// `mmap-opt export csv P.pb [A.pb] -o OUT.csv`, `mmap-opt export hlo P.pb A.pb --hlo IN.hlo
// -o OUT.hlo`: write programs (and assignments) in other tools' formats.
#include <memory>

#include "absl/strings/str_cat.h"
#include "cli/cli_common.h"
#include "cli/score_report.h"
#include "mmap_opt/io/csv.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

struct ExportCsvOptions {
  std::string program;
  std::string assignment;
  std::string output = "-";
};

absl::Status RunExportCsv(const ExportCsvOptions& opts) {
  ASSIGN_OR_RETURN(proto::Program program, ReadProgram(opts.program));
  std::optional<proto::Assignment> assignment;
  if (!opts.assignment.empty()) {
    ASSIGN_OR_RETURN(assignment, ReadAssignment(opts.assignment));
  }
  absl::StatusOr<std::vector<CsvBuffer>> rows =
      ProgramToCsv(program, assignment ? &*assignment : nullptr);
  if (!rows.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(assignment ? opts.assignment : opts.program, ": ", rows.status().message()));
  }
  return WriteFileAtomically(opts.output, FormatCsv(*rows));
}

struct ExportHloOptions {
  std::string program;
  std::string assignment;
  std::string hlo;
  std::string output = "-";
};

// The assignment must be valid for the program (score accepts it) before it is written.
absl::Status RunExportHlo(const ExportHloOptions& opts) {
  ASSIGN_OR_RETURN(LoadedProgram loaded, LoadProgram(opts.program, ""));
  ASSIGN_OR_RETURN(proto::Assignment assignment, LoadAssignment(opts.assignment, *loaded.program));
  RETURN_IF_ERROR(ScoreOrExplain(*loaded.model, assignment, opts.assignment).status());
  ASSIGN_OR_RETURN(std::string text, ReadFile(opts.hlo));
  ASSIGN_OR_RETURN(std::string out, ExportHlo(opts.hlo, text, loaded.program->proto(), assignment));
  return WriteFileAtomically(opts.output, out);
}

}  // namespace

void AddExportVerb(CLI::App& app) {
  CLI::App* verb = app.add_subcommand("export", "Write a program in another tool's format");
  verb->require_subcommand(1);
  auto csv = std::make_shared<ExportCsvOptions>();
  CLI::App* csv_verb = verb->add_subcommand(
      "csv", "MiniMalloc CSV; with an assignment, an offset column from its placements");
  csv_verb->add_option("program", csv->program, "Program file")->required();
  csv_verb->add_option("assignment", csv->assignment, "Assignment file (adds the offset column)");
  csv_verb->add_option("-o,--output", csv->output, "CSV file (or -)")->capture_default_str();
  csv_verb->callback([csv] {
    absl::Status status = RunExportCsv(*csv);
    if (!status.ok()) Fail(status);
  });
  auto hlo = std::make_shared<ExportHloOptions>();
  CLI::App* hlo_verb = verb->add_subcommand(
      "hlo",
      "The HLO text the program was imported from, with the assignment as XLA's MSA writes it: "
      "S(1) layouts, copy-start/copy-done pairs, the program's order as the schedule");
  hlo_verb->add_option("program", hlo->program, "Program file (imported from --hlo)")->required();
  hlo_verb->add_option("assignment", hlo->assignment, "Assignment file")->required();
  hlo_verb->add_option("--hlo", hlo->hlo, "The HLO text the program was imported from")->required();
  hlo_verb->add_option("-o,--output", hlo->output, "HLO text file (or -)")->capture_default_str();
  hlo_verb->callback([hlo] {
    absl::Status status = RunExportHlo(*hlo);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
