// The packer's local improvement for the smallest peak (private to src/heap): ruin and
// recreate around the buffers that set the peak.
#ifndef MMAP_OPT_SRC_HEAP_IMPROVE_H_
#define MMAP_OPT_SRC_HEAP_IMPROVE_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "mmap_opt/heap/packer.h"
#include "search.h"

namespace mmap_opt::heap::internal {

struct ImproveLimits {
  Clock::time_point deadline;
  const std::atomic<bool>* cancel = nullptr;
  int64_t max_rounds = -1;    // < 0: unlimited.
  int64_t stall_rounds = -1;  // Stop after this many rounds in a row without success (< 0: never).
  uint64_t seed = 1;        // The only source of the random choices.
};

struct ImproveOutcome {
  int64_t rounds = 0;    // Ruin-and-recreate rounds tried.
  int64_t accepted = 0;  // Rounds that lowered a buffer off the peak.
};

// Lowers the peak of the valid packing `offsets` (aligned to `alignment`) until it is at most
// `target` or the limits run out; `offsets` stays valid throughout, and its peak never rises.
ImproveOutcome ImprovePeak(const std::vector<PackBuffer>& buffers, int64_t alignment,
                           int64_t target, const ImproveLimits& limits,
                           std::vector<Offset>* offsets);

}  // namespace mmap_opt::heap::internal

#endif  // MMAP_OPT_SRC_HEAP_IMPROVE_H_
