// The memory-space assignment a post-MSA HLO module expresses (values in `S(1)`, copy-start /
// copy-done pairs between memory spaces), as what the importer saw of it and as placements.
#ifndef MMAP_OPT_IO_HLO_HLO_ASSIGNMENT_H_
#define MMAP_OPT_IO_HLO_HLO_ASSIGNMENT_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hlo_module.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt::hlo {

// One copy-start/copy-done pair between two memory spaces. It is not program work: the
// program is written without it, its copy-done's users reading the buffer it copies.
struct SpaceCopy {
  std::string name;  // The copy-start's (with the flattening's @N suffix).
  int line = 0;      // The copy-start's line.
  int64_t buffer = -1;
  int from_space = 0;  // The operand's S(n).
  int to_space = 0;    // The copy-done's S(n).
  int source = -1;     // The copy the operand came through (index), -1: the buffer's definition.
  // Program times: the index of the first program instruction after the copy-start and after
  // the copy-done (the program's size when they sit at the end); done -1 until one is seen.
  int64_t start = -1;
  int64_t done = -1;
};

// A program instruction reading an array buffer, and the memory space its operand names.
struct SpaceUse {
  int64_t buffer = -1;
  int64_t time = 0;
  int space = 0;
  int copy = -1;  // The copy the value came through, -1: read as defined.
  int line = 0;
  std::string instruction;
};

// Where a buffer's defining HLO instruction (or parameter, constant) puts it.
struct SpaceDefinition {
  int space = 0;
  int line = 0;
};

struct MemorySpaces {
  std::vector<SpaceCopy> copies;
  std::vector<SpaceUse> uses;
  absl::flat_hash_map<int64_t, SpaceDefinition> definitions;  // Only those not in S(0).
};

// What the importer saw, for writing an assignment back into the module's text.
struct TraceLeaf {
  std::vector<int> path;  // Tuple indices from the instruction's shape down to the array.
  int64_t buffer = -1;
  int copy = -1;  // As in SpaceUse.
};
// A program instruction's operand holding a buffer (a read, or a tuple's element).
struct TraceRef {
  int64_t time = 0;
  int computation = 0;
  int instruction = 0;
  int operand = 0;
  std::vector<int> path;  // Within the operand's shape.
  int64_t buffer = -1;
  int copy = -1;
  bool reads = true;  // False for a `tuple`, which only tables its elements.
};
struct ImportTrace {
  std::vector<std::pair<int, int>> origin;  // Per program instruction: (computation, index).
  std::vector<int> flattenings;             // Per computation: times flattened into the program.
  std::vector<std::vector<int>> order;      // Per computation: the schedule used (if flattened).
  // [computation][instruction]: the array buffers of its value, in every flattening.
  std::vector<std::vector<std::vector<TraceLeaf>>> leaves;
  std::vector<TraceRef> refs;
};

// The placements `spaces` express on `program` (offsets all 0: the text has none):
// - a buffer defined in S(1): PRODUCED from its definition to its last read from S(1) as
//   defined, or to the end of its eviction (the instruction before the copy-done);
// - a copy-start S(0) -> S(1): PREFETCHED with copy_start its start, [its copy-done, the last
//   read of the copied value] (a prefetch nothing reads is dropped, and a note says so);
// - a copy-start S(1) -> S(0): ends the placement its operand is in.
// Errors are one line, "PATH:LINE: message": a memory space other than S(0) and S(1), a
// program input in S(1), a read from S(1) of a value nothing put there (or from S(0) of one
// that is only in S(1)).
absl::StatusOr<proto::Assignment> AssignmentFromMemorySpaces(absl::string_view path,
                                                             const proto::Program& program,
                                                             const MemorySpaces& spaces,
                                                             std::vector<std::string>* notes);

// The buffers XLA colocates with another one that our program keeps apart: an updated
// loop-carried value and the init it replaces, a conditional's branch results.
std::set<int64_t> ColocatedBuffers(const Module& module, const ImportTrace& trace);

// Writes what HLO lets an assignment say into `program` (imported from `module` with `trace`,
// before memory-space assignment): each instruction's computation, and slow_only on the
// buffers no placement of which HLO can express (src/io/hlo/hlo_constraints.cc).
void AddExpressibilityConstraints(const Module& module, const ImportTrace& trace,
                                  proto::Program* program);

// The importer (src/io/hlo/hlo_import.cc) run on a parsed module, recording `trace`.
absl::StatusOr<proto::Program> ImportTraced(const Module& module, const HloImportOptions& options,
                                            MemorySpaces* spaces, ImportTrace* trace);

}  // namespace mmap_opt::hlo

#endif  // MMAP_OPT_IO_HLO_HLO_ASSIGNMENT_H_
