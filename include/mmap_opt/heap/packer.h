// The offline packer behind `mmap-opt pack`: offsets for buffers with fixed live ranges so that
// no two live at the same time overlap, under a capacity (or with the smallest peak). Best-fit
// passes first, then a complete branch-and-bound search over canonical placements.
#ifndef MMAP_OPT_HEAP_PACKER_H_
#define MMAP_OPT_HEAP_PACKER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mmap_opt/heap/occupancy.h"

namespace mmap_opt::heap {

// One buffer to place: `size` bytes live over the half-open time range [lower, upper)
// (MiniMalloc's convention).
struct PackBuffer {
  int64_t lower = 0;
  int64_t upper = 0;
  int64_t size = 0;
};

// The orders the best-fit passes try, each a strict priority over buffers (ties by index).
enum class BestFitOrder {
  kSize,    // Size desc, then live length desc: XLA's spatial order.
  kLength,  // Live length desc, then size desc: XLA's temporal order.
  kArea,    // Size x live length desc.
  kStart,   // Lower asc, then size desc: a first-fit sweep in time.
  // The busiest time a buffer lives at first (times ranked by live load desc, ties earlier
  // first), then lower asc, upper desc: the buffers live at the peak are stacked before any
  // other, then those of the next busiest time fill in around them, and so on outwards.
  kPeak,
};

struct PackOptions {
  // Bytes available; 0 asks for the smallest peak instead (reported against the peak live
  // load, which no packing can beat).
  int64_t capacity = 0;

  // Every offset is a multiple of this.
  int64_t alignment = 1;

  // Wall-clock budget for the whole call, in seconds. The answer is kUnknown when the search
  // has neither packed nor refuted the instance by then (with capacity 0: the best peak found).
  double time_limit_seconds = 60;

  // With capacity 0: stop once the peak is within (1 + peak_tolerance) x the proved lower
  // bound (0: only a proved optimum, or the time limit, stops the search).
  double peak_tolerance = 0;

  // Whether to run the complete search after the best-fit passes fail, and with capacity 0
  // the ruin-and-recreate improvement after it (off: best-fit passes only).
  bool exact_search = true;

  // Set from another thread to stop early (same effect as running out of time).
  const std::atomic<bool>* cancel = nullptr;
};

enum class PackStatus {
  kPacked,      // `offsets` is a valid packing within capacity (with capacity 0: a packing).
  kInfeasible,  // Proved: no packing fits the capacity.
  kUnknown,     // Out of time before either.
};

struct PackResult {
  PackStatus status = PackStatus::kUnknown;
  std::vector<Offset> offsets;  // One per buffer when packed, else empty.
  int64_t peak = 0;             // Highest top of any buffer in `offsets`.
  int64_t lower_bound = 0;      // Peak live load (max over time of the live bytes, aligned).
  bool optimal = false;         // With capacity 0: `peak` is proved minimal.
  std::string method;           // Which pass found it: "best-fit/size", "search", ...
  int64_t search_nodes = 0;     // Placements the complete search tried.
};

// Packs `buffers`; fails only on malformed input (lower >= upper, size <= 0, negative values,
// alignment < 1, negative capacity). Every packing it returns has passed ValidatePacking.
absl::StatusOr<PackResult> Pack(const std::vector<PackBuffer>& buffers, const PackOptions& options);

// One best-fit pass in `order` over an Occupancy: the offsets, or nullopt when some buffer
// does not fit `capacity` (capacity 0: unbounded, so it always packs).
std::optional<std::vector<Offset>> BestFitPack(const std::vector<PackBuffer>& buffers,
                                               int64_t capacity, int64_t alignment,
                                               BestFitOrder order);

// The peak live load: max over times of the summed sizes of the buffers live then.
int64_t PeakLiveLoad(const std::vector<PackBuffer>& buffers);

// Checks a packing: one offset per buffer, each aligned, non-negative, within `capacity`
// (0: unbounded), and no two buffers overlapping in both time and bytes. The error names the
// first offending buffer(s) by index.
absl::Status ValidatePacking(const std::vector<PackBuffer>& buffers,
                             const std::vector<Offset>& offsets, int64_t capacity,
                             int64_t alignment);

}  // namespace mmap_opt::heap

#endif  // MMAP_OPT_HEAP_PACKER_H_
