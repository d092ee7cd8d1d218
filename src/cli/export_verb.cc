// `mmap-opt export csv P.pb [A.pb] -o OUT.csv`, `mmap-opt export hlo P.pb A.pb --hlo IN.hlo
// -o OUT.hlo`: write programs (and assignments) in other tools' formats.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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
  bool drop_inexpressible = false;
  std::string written;  // With drop_inexpressible: the assignment the HLO expresses.
};

// The assignment must be valid for the program (score accepts it) before it is written.
absl::Status RunExportHlo(const ExportHloOptions& opts) {
  ASSIGN_OR_RETURN(LoadedProgram loaded, LoadProgram(opts.program, ""));
  ASSIGN_OR_RETURN(proto::Assignment assignment, LoadAssignment(opts.assignment, *loaded.program));
  ASSIGN_OR_RETURN(Score given, ScoreOrExplain(*loaded.model, assignment, opts.assignment));
  ASSIGN_OR_RETURN(std::string text, ReadFile(opts.hlo));
  if (!opts.drop_inexpressible) {
    ASSIGN_OR_RETURN(std::string out,
                     ExportHlo(opts.hlo, text, loaded.program->proto(), assignment));
    return WriteFileAtomically(opts.output, out);
  }
  ASSIGN_OR_RETURN(HloExport out,
                   ExportHloExpressible(opts.hlo, text, loaded.program->proto(), assignment));
  ASSIGN_OR_RETURN(Score written, ScoreOrExplain(*loaded.model, out.written, opts.hlo));
  RETURN_IF_ERROR(WriteFileAtomically(opts.output, out.text));
  if (!opts.written.empty()) RETURN_IF_ERROR(WriteMessage(opts.written, out.written));
  std::ostream& report = opts.output == "-" || opts.written == "-" ? std::cerr : std::cout;
  for (const std::string& note : out.notes) report << "note: " << note << "\n";
  const double before = given.simulation.latency_s, after = written.simulation.latency_s;
  report << "latency " << FormatSeconds(after) << " as written, " << FormatSeconds(before)
         << " as given (" << absl::StrFormat("%+.4f%%", 100 * (after / before - 1)) << ")\n";
  return absl::OkStatus();
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
  hlo_verb->add_flag("--drop-inexpressible", hlo->drop_inexpressible,
                     "Leave out the placements HLO cannot express (buffers XLA colocates, copies "
                     "across computations, evictions in a callee) instead of refusing; prints "
                     "how many and the latency as written");
  hlo_verb->add_option("--written", hlo->written,
                       "With --drop-inexpressible: write the assignment the HLO expresses here");
  hlo_verb->callback([hlo] {
    absl::Status status = RunExportHlo(*hlo);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
