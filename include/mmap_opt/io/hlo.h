// XLA HLO text (what `--xla_dump_to` writes) as a program: the entry computation with while,
// conditional and call bodies flattened into one schedule, fusions as single instructions.
#ifndef MMAP_OPT_IO_HLO_H_
#define MMAP_OPT_IO_HLO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt {

struct HloImportOptions {
  // The program's name; empty means the module's name (`HloModule NAME`).
  std::string name;

  // Iterations a while loop counts for when its backend_config prints no known_trip_count.
  // The loop body is flattened once either way; its instructions' FLOPs and bytes are scaled
  // by the trip count (times those of enclosing loops). 1 = cost one iteration, as XLA
  // prints no better; the program's notes say which loops this applied to.
  int64_t unknown_trip_count = 1;

  // A module before memory-space assignment imports with what HLO lets an assignment say
  // (src/io/hlo/hlo_constraints.cc): each instruction's computation, and slow_only on the
  // buffers XLA colocates with another or that a computation flattened twice holds, so that
  // every agent's assignment can be written back by ExportHlo. False: plan without them.
  bool export_constraints = true;
};

// Parses HLO text and lowers it to a program, following XLA's dataflow (see
// src/io/hlo/hlo_import.cc for the rules): each instruction that is not a view defines one
// buffer per non-empty array in its shape (plus the 8-byte-per-element table of a tuple);
// get-tuple-element, bitcast, tuple elements and the *-done halves of async pairs alias what
// they forward; parameters and constants are program inputs; the entry ROOT's buffers are
// outputs. `path` only labels errors, which are one line, "PATH:LINE: message".
absl::StatusOr<proto::Program> ImportHlo(absl::string_view path, absl::string_view text,
                                         const HloImportOptions& options = {});

// A post-MSA module read whole: the program (the same ImportHlo gives) and the assignment
// its layouts' S(1) and its copy-start/copy-done pairs between memory spaces express.
struct HloImportWithAssignment {
  proto::Program program;
  // Placements by buffer, PRODUCED before PREFETCHED; every offset is 0, since HLO text
  // prints none: give them offsets with plan::Repack before validating.
  proto::Assignment assignment;
  std::vector<std::string> notes;  // About the assignment (e.g. prefetches nothing reads).
};

// ImportHlo, plus XLA's assignment (src/io/hlo/hlo_assignment.h has the rules): a value
// defined in S(1) is PRODUCED from its definition to its last read from S(1) or its
// eviction's copy-done; a prefetch (copy-start S(0) -> S(1)) is PREFETCHED with copy_start the
// program time where its copy-start sat, covering the reads of its copy-done. Errors are one
// line, "PATH:LINE: message": an S(n) other than S(0)/S(1), a copy-start with no copy-done,
// a program input in S(1), layouts that disagree on where a value is.
absl::StatusOr<HloImportWithAssignment> ImportHloWithAssignment(
    absl::string_view path, absl::string_view text, const HloImportOptions& options = {});

// The HLO text `text` (that `program` was imported from) with `assignment` written in as XLA's
// memory-space assignment writes it: S(1) in the layouts of the values in fast memory,
// copy-start/copy-done pairs for every prefetch and eviction at the assignment's times, each
// flattened computation printed in the program's order, and is_scheduled=true. Importing the
// result with ImportHloWithAssignment gives back the program and the same placements (up to
// the ends of placements past their last read, which do not change latency). The assignment
// is assumed valid (the validator's rules). Errors, one line: a module that is not
// `program`'s, an assignment for another program, a module that already has memory spaces,
// and placements HLO cannot express (a buffer the importer split over a computation
// flattened twice, a copy that starts in one computation and ends in another, a loop state
// whose memory space the body changes, a read through a reshaping view, an output still in
// fast memory at the end). The written module's layouts follow its own dataflow, and it is
// imported again before it is returned: if it would not read back as `assignment`, that is
// the error, never the text.
absl::StatusOr<std::string> ExportHlo(absl::string_view path, absl::string_view text,
                                      const proto::Program& program,
                                      const proto::Assignment& assignment,
                                      const HloImportOptions& options = {});

// ExportHlo of the part of `assignment` that HLO can express: the placements of buffers XLA
// colocates with another (loop states, branch results), prefetches whose copy would start and
// end in different computations, and produced placements evicted in another computation than
// their definition are left out (a note counts them) instead of refused. `written` is what
// the text expresses, the assignment its import reads back.
struct HloExport {
  std::string text;
  proto::Assignment written;
  std::vector<std::string> notes;
};
absl::StatusOr<HloExport> ExportHloExpressible(absl::string_view path, absl::string_view text,
                                               const proto::Program& program,
                                               const proto::Assignment& assignment,
                                               const HloImportOptions& options = {});

}  // namespace mmap_opt

#endif  // MMAP_OPT_IO_HLO_H_
