// Repacking: the placements' fast-memory rectangles go to the packer with their times fixed;
// the minimised peak is kept when it fits, else the packer answers the capacity question.
#include "mmap_opt/plan/repack.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "absl/strings/str_cat.h"
#include "mmap_opt/sim/placement_semantics.h"
#include "mmap_opt/sim/validator.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::plan {
namespace {

using Clock = std::chrono::steady_clock;

// The violations new offsets can cure; any other one is about times or sources.
bool IsAboutOffsets(ViolationKind kind) {
  return kind == ViolationKind::kOverlap || kind == ViolationKind::kMisaligned ||
         kind == ViolationKind::kOutOfCapacity;
}

// Highest top of any placement; an absurd input offset saturates rather than overflows.
int64_t PeakOf(const Program& program, const proto::Assignment& assignment) {
  int64_t peak = 0;
  for (const proto::Placement& p : assignment.placements()) {
    std::optional<BufferIndex> b = program.IndexOf(p.buffer_id());
    if (!b) continue;
    int64_t top = 0;
    if (__builtin_add_overflow(p.offset(), program.buffer(*b).size(), &top)) {
      top = std::numeric_limits<int64_t>::max();
    }
    peak = std::max(peak, top);
  }
  return peak;
}

double SecondsLeft(Clock::time_point deadline) {
  return std::max(0.0, std::chrono::duration<double>(deadline - Clock::now()).count());
}

// The input with `offsets` in place of its own.
proto::Assignment WithOffsets(const proto::Assignment& assignment,
                              const std::vector<heap::Offset>& offsets) {
  proto::Assignment out = assignment;
  for (int i = 0; i < out.placements_size(); ++i) out.mutable_placements(i)->set_offset(offsets[i]);
  return out;
}

}  // namespace

std::vector<heap::PackBuffer> PlacementBuffers(const Program& program,
                                               const proto::Assignment& assignment) {
  std::vector<heap::PackBuffer> buffers;
  buffers.reserve(assignment.placements_size());
  for (const proto::Placement& p : assignment.placements()) {
    std::optional<BufferIndex> b = program.IndexOf(p.buffer_id());
    // The validator frees a rectangle's bytes at end + 1: MiniMalloc's half-open upper.
    buffers.push_back({OccupiedStart(p), p.end() + 1, b ? program.buffer(*b).size() : 0});
  }
  return buffers;
}

absl::StatusOr<RepackResult> Repack(const Program& program, const proto::Hardware& hardware,
                                    const proto::Assignment& assignment,
                                    const RepackOptions& options) {
  if (options.capacity < 0 || options.capacity > hardware.fast_capacity()) {
    return absl::InvalidArgumentError(absl::StrCat("capacity ", options.capacity,
                                                   " is outside [0, ", hardware.fast_capacity(),
                                                   "], the hardware's fast memory"));
  }
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::max(0.0, options.time_limit_seconds)));
  RepackResult result;
  result.capacity = options.capacity > 0 ? options.capacity : hardware.fast_capacity();
  proto::Hardware capped = hardware;
  capped.set_fast_capacity(result.capacity);
  const std::vector<Violation> violations = FindViolations(program, capped, assignment);
  for (const Violation& v : violations) {
    if (!IsAboutOffsets(v.kind)) {
      return absl::InvalidArgumentError(
          absl::StrCat(v.ToString(), " (repacking moves offsets only and cannot fix this)"));
    }
  }
  result.peak_before = PeakOf(program, assignment);
  const std::vector<heap::PackBuffer> buffers = PlacementBuffers(program, assignment);

  // First the lowest peak the time allows, whatever the capacity.
  heap::PackOptions pack;
  pack.alignment = hardware.fast_alignment();
  pack.time_limit_seconds = options.time_limit_seconds;
  pack.peak_tolerance = options.peak_tolerance;
  pack.exact_search = options.exact_search;
  ASSIGN_OR_RETURN(heap::PackResult packed, heap::Pack(buffers, pack));
  result.search_nodes = packed.search_nodes;
  result.lower_bound = packed.lower_bound;
  const bool min_peak_fits =
      packed.status == heap::PackStatus::kPacked && packed.peak <= result.capacity;
  if (violations.empty() && (!min_peak_fits || result.peak_before <= packed.peak)) {
    result.status = heap::PackStatus::kPacked;
    result.assignment = assignment;
    result.kept_input = true;
    result.method = "input";
  } else if (min_peak_fits) {
    result.status = heap::PackStatus::kPacked;
    result.assignment = WithOffsets(assignment, packed.offsets);
    result.method = packed.method;
  } else if (packed.lower_bound > result.capacity) {
    // The minimisation proved its bound (the peak live load, raised by refuted probes).
    result.status = heap::PackStatus::kInfeasible;
    result.method = packed.lower_bound > PeakLiveLoad(buffers) ? "search" : "peak-live-load";
    return result;
  } else {
    // A lowest peak above the capacity that is not proved: ask the capacity question itself.
    pack.capacity = result.capacity;
    pack.time_limit_seconds = SecondsLeft(deadline);
    ASSIGN_OR_RETURN(heap::PackResult fitted, heap::Pack(buffers, pack));
    result.search_nodes += fitted.search_nodes;
    result.status = fitted.status;
    result.method = fitted.method;
    if (fitted.status != heap::PackStatus::kPacked) return result;
    result.assignment = WithOffsets(assignment, fitted.offsets);
  }
  // The packer checked its rectangles; this checks the assignment that callers will write.
  if (absl::Status valid = ValidateAssignment(program, capped, result.assignment); !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the repacked assignment is invalid: ", valid.message()));
  }
  result.peak_after = PeakOf(program, result.assignment);
  return result;
}

}  // namespace mmap_opt::plan
