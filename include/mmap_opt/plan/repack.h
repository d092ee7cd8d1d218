// Repacking (XLA's word): new fast-memory offsets for an assignment's placements with every
// time kept as it is, so the program's timing and latency do not change. The packer behind
// `mmap-opt pack --program P --assignment A`. It sits above both `heap` (the packer: rectangles
// and offsets only) and `sim` (what a placement occupies, and the validator of the result).
#ifndef MMAP_OPT_PLAN_REPACK_H_
#define MMAP_OPT_PLAN_REPACK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/heap/packer.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt::plan {

struct RepackOptions {
  // Bytes the placements may use: 0 takes the hardware's fast_capacity; otherwise at most
  // that (a tighter budget, e.g. to leave room for something else).
  int64_t capacity = 0;

  // Wall-clock budget for the whole call, in seconds (the packer's, see heap::PackOptions).
  double time_limit_seconds = 60;

  // Stop lowering the peak once it is within (1 + peak_tolerance) x the proved lower bound.
  double peak_tolerance = 0;

  // Whether the packer may run its complete search (off: best-fit passes only).
  bool exact_search = true;
};

struct RepackResult {
  heap::PackStatus status = heap::PackStatus::kUnknown;
  // When kPacked: the input with only offsets changed; it has passed ValidateAssignment under
  // the hardware with `capacity`.
  proto::Assignment assignment;
  int64_t capacity = 0;      // The capacity packed under.
  int64_t peak_before = 0;   // Highest top (offset + size) of any input placement.
  int64_t peak_after = 0;    // The same for `assignment` when packed.
  int64_t lower_bound = 0;   // Proved: no offsets give a lower peak (the peak live load or more).
  bool kept_input = false;   // The input's offsets were valid and no higher: left unchanged.
  std::string method;        // The packer's pass ("best-fit/size", "search", ...) or "input".
  int64_t search_nodes = 0;  // Placements the packer's complete search tried.
};

// The fast-memory occupancy of each placement, in order, as the validator sees it: the
// buffer's size over [OccupiedStart, end + 1) (copy_start on for a prefetch; a PRODUCED
// placement's eviction lies inside it). Placements are assumed well-formed (see Repack).
std::vector<heap::PackBuffer> PlacementBuffers(const Program& program,
                                               const proto::Assignment& assignment);

// Re-chooses the offsets of `assignment` under `hardware`'s alignment and the capacity in
// `options`, lowering the peak as far as the time limit allows, and keeps the input's offsets
// when they are valid and no higher. Offsets may be anything on input (overlapping, misaligned,
// out of capacity: repacking fixes them); every other rule of the validator must hold, since
// moving offsets cannot fix it: InvalidArgument naming the placement otherwise, and for a
// capacity above the hardware's. kInfeasible: proved that no offsets fit the capacity.
absl::StatusOr<RepackResult> Repack(const Program& program, const proto::Hardware& hardware,
                                    const proto::Assignment& assignment,
                                    const RepackOptions& options = {});

}  // namespace mmap_opt::plan

#endif  // MMAP_OPT_PLAN_REPACK_H_
