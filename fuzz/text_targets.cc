// Targets over the text inputs that are not protos: HLO modules and MiniMalloc CSV.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "check.h"
#include "mmap_opt/io/csv.h"
#include "mmap_opt/io/hlo.h"
#include "targets.h"

namespace mmap_opt::fuzz {

void FuzzHloImport(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<proto::Program> program = ImportHlo("fuzz.hlo", text);
  CheckOneLine(program.status());
  if (program.ok()) {
    absl::Status valid = ValidateProgram(*program);
    FuzzCheck(valid.ok(), absl::StrCat("ImportHlo returned an invalid program: ", valid.message()));
  }
  absl::StatusOr<HloImportWithAssignment> with_assignment = ImportHloWithAssignment("fuzz.hlo", text);
  CheckOneLine(with_assignment.status());
  FuzzCheck(with_assignment.ok() <= program.ok(),
            "ImportHloWithAssignment accepts a module ImportHlo refuses");
  if (!with_assignment.ok()) return;
  absl::StatusOr<Program> created = Program::Create(with_assignment->program);
  FuzzCheck(created.ok(), "ImportHloWithAssignment returned an invalid program");
  for (const proto::Placement& p : with_assignment->assignment.placements()) {
    FuzzCheck(created->IndexOf(p.buffer_id()).has_value(),
              absl::StrCat("a placement names buffer ", p.buffer_id(), ", not in the program"));
  }
}

void FuzzMiniMallocCsv(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<CsvBuffer>> rows = ParseCsv("fuzz.csv", text);
  CheckOneLine(rows.status());
  if (!rows.ok()) return;
  // What FormatCsv prints parses back to the same rows.
  absl::StatusOr<std::vector<CsvBuffer>> again = ParseCsv("again.csv", FormatCsv(*rows));
  FuzzCheck(again.ok(), absl::StrCat("FormatCsv's output does not parse: ",
                                     again.status().message()));
  FuzzCheck(again->size() == rows->size(), "FormatCsv changed the number of rows");
  for (size_t i = 0; i < rows->size(); ++i) {
    const CsvBuffer &a = (*rows)[i], &b = (*again)[i];
    FuzzCheck(a.id == b.id && a.lower == b.lower && a.upper == b.upper && a.size == b.size &&
                  a.offset == b.offset,
              absl::StrCat("row ", i, " changed through FormatCsv"));
  }
  absl::StatusOr<proto::Program> program = CsvToProgram(*rows, "fuzz", 1 << 20);
  CheckOneLine(program.status());
  if (!program.ok()) return;
  absl::StatusOr<Program> created = Program::Create(*program);
  FuzzCheck(created.ok(), absl::StrCat("CsvToProgram returned an invalid program: ",
                                       created.status().message()));
  // The rows come back from the program.
  absl::StatusOr<std::vector<CsvBuffer>> back = ProgramToCsv(*program, nullptr);
  FuzzCheck(back.ok() && back->size() == rows->size(), "ProgramToCsv lost rows");
  CheckAssignment(*created, program->hardware(), proto::Assignment());
}

}  // namespace mmap_opt::fuzz
