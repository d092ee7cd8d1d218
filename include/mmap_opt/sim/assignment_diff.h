// What changed between two assignments of one program and what it is worth: the buffers
// that entered or left fast memory, moved, or changed copy timing, both latencies, and the
// instructions whose time changed most. `mmap-opt diff` prints it; CI gates on it.
#ifndef MMAP_OPT_SIM_ASSIGNMENT_DIFF_H_
#define MMAP_OPT_SIM_ASSIGNMENT_DIFF_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/score.h"

namespace mmap_opt {

enum class BufferChangeKind {
  kEntered,  // In fast memory in B only.
  kLeft,     // In fast memory in A only.
  kMoved,    // Same rectangles in time, other offsets.
  kRetimed,  // Rectangles, sources or copy starts differ.
};

absl::string_view BufferChangeKindName(BufferChangeKind kind);  // "entered", "left", ...

struct BufferChange {
  BufferIndex buffer = 0;
  BufferChangeKind kind;
  std::string a;  // The buffer's placements in A, e.g. "PREFETCHED@512 [3, 7] copy 1", or "-".
  std::string b;  // The same in B.
};

struct InstructionDelta {
  Time time = 0;
  double a_s = 0;  // Elapsed + stall in A.
  double b_s = 0;
  double delta_s() const { return b_s - a_s; }
};

struct AssignmentDiff {
  Score a;
  Score b;
  double delta_s() const { return b.simulation.latency_s - a.simulation.latency_s; }
  // (B - A) / A in percent; 0 when A's latency is 0.
  double delta_percent() const;
  std::vector<BufferChange> changes;  // In buffer order.
  std::vector<InstructionDelta> top;  // Largest |delta| first, at most `top` of them.
};

// Scores both (InvalidArgument, prefixed "A: " or "B: ", when either is invalid) and compares.
absl::StatusOr<AssignmentDiff> DiffAssignments(const CostModel& model, const proto::Assignment& a,
                                               const proto::Assignment& b, int top);

}  // namespace mmap_opt

#endif  // MMAP_OPT_SIM_ASSIGNMENT_DIFF_H_
