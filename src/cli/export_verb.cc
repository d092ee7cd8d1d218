// `mmap-opt export csv P.pb [A.pb] -o OUT.csv`: write programs in other tools' formats.
#include <memory>

#include "absl/strings/str_cat.h"
#include "cli/cli_common.h"
#include "mmap_opt/io/csv.h"
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
}

}  // namespace mmap_opt::cli
