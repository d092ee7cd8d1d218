// `export hlo`: an assignment written back into the HLO text its program came from, as XLA's
// MSA writes it, in three passes:
// 1. the copies (src/io/hlo/hlo_export_copies.cc): copy-start/copy-done pairs at the
//    assignment's times, the readers rewired to them, the program's order as the schedule;
// 2. the layouts (src/io/hlo/hlo_export_layout.cc): every array's memory space from the
//    written module's own dataflow, so that a value reaching a loop body or a branch through
//    a tuple has one memory space at every position;
// 3. the read-back check: the written module imports to the same placements.
// A placement HLO cannot say the same way is an error, never approximated; with
// ExportHloExpressible the kinds of placement that loops and conditionals make inexpressible
// are left out first (src/io/hlo/hlo_export_legalize.cc).
#include "hlo_export.h"

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "hlo_assignment.h"
#include "hlo_module.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

// The two programs' instructions and buffers agree (names, reads, writes, sizes).
absl::Status SameProgram(absl::string_view path, const proto::Program& imported,
                         const proto::Program& program) {
  auto differ = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": program '", program.name(),
                                                   "' is not the one this module imports to (",
                                                   what, ")"));
  };
  if (imported.instructions_size() != program.instructions_size()) {
    return differ(absl::StrCat(program.instructions_size(), " instructions, the module's ",
                               imported.instructions_size()));
  }
  if (imported.buffers_size() != program.buffers_size()) {
    return differ(
        absl::StrCat(program.buffers_size(), " buffers, the module's ", imported.buffers_size()));
  }
  for (int i = 0; i < program.instructions_size(); ++i) {
    const proto::Instruction& a = imported.instructions(i);
    const proto::Instruction& b = program.instructions(i);
    if (a.name() != b.name() || a.operands().size() != b.operands().size() ||
        !std::equal(a.operands().begin(), a.operands().end(), b.operands().begin()) ||
        !std::equal(a.outputs().begin(), a.outputs().end(), b.outputs().begin(),
                    b.outputs().end())) {
      return differ(
          absl::StrCat("instruction ", i, " is '", b.name(), "', the module's '", a.name(), "'"));
    }
  }
  for (int i = 0; i < program.buffers_size(); ++i) {
    if (imported.buffers(i).name() != program.buffers(i).name() ||
        imported.buffers(i).size() != program.buffers(i).size()) {
      return differ(absl::StrCat("buffer ", i, " is '", program.buffers(i).name(), "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// ExportHlo, with ExportHloExpressible's leaving out when `expressible` is given.
absl::StatusOr<std::string> Export(absl::string_view path, absl::string_view text,
                                   const proto::Program& program, const proto::Assignment& given,
                                   const HloImportOptions& options, HloExport* expressible) {
  if (!given.program_name().empty() && given.program_name() != program.name()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the assignment is for program '", given.program_name(), "', not '", program.name(), "'"));
  }
  ASSIGN_OR_RETURN(hlo::Module module, hlo::ParseModule(path, text));
  hlo::MemorySpaces spaces;
  hlo::ImportTrace trace;
  ASSIGN_OR_RETURN(proto::Program imported, hlo::ImportTraced(module, options, &spaces, &trace));
  if (!spaces.copies.empty() || !spaces.definitions.empty()) {
    const int line =
        !spaces.copies.empty() ? spaces.copies[0].line : spaces.definitions.begin()->second.line;
    return hlo::ErrorAt(path, line,
                        "the module already has values in S(n) or copies between memory "
                        "spaces: export writes into the module before memory-space assignment");
  }
  RETURN_IF_ERROR(SameProgram(path, imported, program));
  for (const proto::Placement& p : given.placements()) {
    if (p.buffer_id() < 0 || p.buffer_id() >= program.buffers_size() || p.start() < 0 ||
        p.end() >= program.instructions_size() || p.start() > p.end() ||
        (p.source() == proto::Placement::PREFETCHED &&
         (p.copy_start() < 0 || p.copy_start() > p.start()))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "placement of buffer ", p.buffer_id(), " lies outside program '", program.name(), "'"));
    }
  }
  const proto::Assignment& assignment = expressible != nullptr ? expressible->written : given;
  if (expressible != nullptr) {
    expressible->written =
        hlo::ExpressiblePlacements(module, program, given, trace, &expressible->notes);
  }
  ASSIGN_OR_RETURN(std::string copies, hlo::WriteCopies(module, text, program, assignment, trace));
  absl::flat_hash_set<std::string> produced;
  for (const proto::Placement& p : assignment.placements()) {
    if (p.source() == proto::Placement::PRODUCED)
      produced.insert(program.buffers(p.buffer_id()).name());
  }
  ASSIGN_OR_RETURN(std::string out, hlo::LayoutsFromDataflow(path, copies, produced, options));
  RETURN_IF_ERROR(hlo::CheckReadsBack(path, out, program, assignment, options));
  return out;
}

}  // namespace

absl::StatusOr<std::string> ExportHlo(absl::string_view path, absl::string_view text,
                                      const proto::Program& program,
                                      const proto::Assignment& assignment,
                                      const HloImportOptions& options) {
  return Export(path, text, program, assignment, options, nullptr);
}

absl::StatusOr<HloExport> ExportHloExpressible(absl::string_view path, absl::string_view text,
                                               const proto::Program& program,
                                               const proto::Assignment& assignment,
                                               const HloImportOptions& options) {
  HloExport out;
  ASSIGN_OR_RETURN(out.text, Export(path, text, program, assignment, options, &out));
  return out;
}

}  // namespace mmap_opt
