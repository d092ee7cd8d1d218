// The passes of `export hlo` after the copies are written (src/io/hlo/hlo_export.cc writes
// them): every layout's memory space from the written module's own dataflow, then a check that
// the module reads back as the assignment it was written from.
#ifndef MMAP_OPT_IO_HLO_HLO_EXPORT_H_
#define MMAP_OPT_IO_HLO_HLO_EXPORT_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hlo_assignment.h"
#include "hlo_module.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt::hlo {

// `text` (the module `program` was imported from, `module` parsed, `trace` its import) with
// `assignment`'s copy-start/copy-done pairs written in and the readers rewired to them (the
// first pass, src/io/hlo/hlo_export_copies.cc). Errors, one line: what it cannot write.
absl::StatusOr<std::string> WriteCopies(const Module& module, absl::string_view text,
                                        const proto::Program& program,
                                        const proto::Assignment& assignment,
                                        const ImportTrace& trace);

// `text` (a module with its copy-start/copy-done pairs written) with the memory space of every
// array of every flattened computation set as the importer's dataflow carries it: a value is
// in S(1) when it came through a copy into S(1), or is a buffer named in `produced` as it was
// defined (not through a copy). A value that flows through a loop state, a tuple or a call
// thus takes one memory space at every position, as XLA colocates them. Inline operand shapes
// follow their operands. Errors, one line, naming the instruction (the lines of `text` are
// not the user's): a computation flattened twice whose flattenings
// disagree on a value's memory space; a while whose init, body parameter, body ROOT and
// result disagree (XLA keeps one memory space for a loop state); a conditional whose
// branches' ROOTs and result disagree (XLA colocates them).
absl::StatusOr<std::string> LayoutsFromDataflow(absl::string_view path, absl::string_view text,
                                                const absl::flat_hash_set<std::string>& produced,
                                                const HloImportOptions& options);

// The written module imports back (ImportHloWithAssignment) to `assignment`'s placements, by
// buffer name: same sources, starts and copy starts; an end may come back earlier when the
// placement ran past its last read (which changes no latency). Otherwise a one-line
// "not expressible in HLO" error naming the first buffer that would come back otherwise.
absl::Status CheckReadsBack(absl::string_view path, absl::string_view text,
                            const proto::Program& program, const proto::Assignment& assignment,
                            const HloImportOptions& options);

// `assignment` without the placements HLO cannot express (src/io/hlo/hlo_export_legalize.cc
// lists the three kinds), `module` and `trace` being what the program was imported from; a
// note says how many of each kind were left out.
proto::Assignment ExpressiblePlacements(const Module& module, const proto::Program& program,
                                        const proto::Assignment& assignment,
                                        const ImportTrace& trace, std::vector<std::string>* notes);

}  // namespace mmap_opt::hlo

#endif  // MMAP_OPT_IO_HLO_HLO_EXPORT_H_
