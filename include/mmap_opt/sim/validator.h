// Checks an assignment against its program and hardware (DESIGN.md §4): every violation names
// the placement and the reason. The rules of what a placement means are in
// placement_semantics.h. O(n log n) in the number of placements.
#ifndef MMAP_OPT_SIM_VALIDATOR_H_
#define MMAP_OPT_SIM_VALIDATOR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt {

// What is wrong with a placement (or, for kWrongProgram, with the whole assignment).
enum class ViolationKind {
  kWrongProgram,             // program_name names another program.
  kUnknownBuffer,            // buffer_id is not a buffer of the program.
  kNoSource,                 // source is neither PRODUCED nor PREFETCHED.
  kStartAfterEnd,            // start > end.
  kOutsideProgram,           // start, end or copy_start outside [0, T).
  kSlowOnly,                 // the buffer is slow_only.
  kMisaligned,               // offset is not a multiple of fast_alignment.
  kOutOfCapacity,            // offset < 0 or offset + size > fast_capacity.
  kProducedNotAtDefinition,  // a PRODUCED placement must start at the buffer's definition.
  kProducedTwice,            // a buffer has more than one PRODUCED placement.
  kCopyAfterStart,           // a prefetch whose copy_start is after its start.
  kPrefetchBeforeSource,     // a prefetch issued before its slow-memory source exists.
  kPrefetchCoversNoUse,      // a prefetch whose rectangle holds no use of the buffer.
  kOverlap,                  // two rectangles share time and address.
  kTooManyPrefetches,        // more than max_outstanding_prefetches in flight.
  kTooManyEvictions,         // more than max_outstanding_evictions in flight.
  // A prefetch issued in another computation than its start's (sim/placement_semantics.h).
  kCopyAcrossComputations,
  // A PRODUCED placement evicted in another computation than its definition's.
  kEvictionAcrossComputations,
};

// A short stable name for each kind ("overlap", "misaligned", ...), used in JSON.
absl::string_view ViolationKindName(ViolationKind kind);

struct Violation {
  ViolationKind kind;
  int placement = -1;  // Index in Assignment.placements; -1 for the whole assignment.
  BufferId buffer_id = 0;
  std::string buffer_name;  // Empty when the buffer does not exist.
  std::string reason;       // Says what is wrong, with the numbers.

  // "placement 3 (buffer 7 'h1'): <reason>".
  std::string ToString() const;
};

// Every violation, in placement order for the per-placement rules, then overlaps, then copy
// limits. Placements with a per-placement violation are left out of the overlap and
// copy-limit sweeps, so one bad placement is reported once, for its own fault.
std::vector<Violation> FindViolations(const Program& program, const proto::Hardware& hardware,
                                      const proto::Assignment& assignment);

// OK, or InvalidArgument naming the first violation and how many there are in all.
absl::Status ValidateAssignment(const Program& program, const proto::Hardware& hardware,
                                const proto::Assignment& assignment);

}  // namespace mmap_opt

#endif  // MMAP_OPT_SIM_VALIDATOR_H_
