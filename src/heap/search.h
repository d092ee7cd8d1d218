// The packer's complete search (private to src/heap): depth-first branch and bound over
// canonical placements for one capacity.
#ifndef MMAP_OPT_SRC_HEAP_SEARCH_H_
#define MMAP_OPT_SRC_HEAP_SEARCH_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "mmap_opt/heap/packer.h"

namespace mmap_opt::heap::internal {

using Clock = std::chrono::steady_clock;

struct SearchLimits {
  Clock::time_point deadline;
  const std::atomic<bool>* cancel = nullptr;
  int64_t max_nodes = -1;  // < 0: unlimited.
};

struct SearchOutcome {
  PackStatus status = PackStatus::kUnknown;
  std::vector<Offset> offsets;  // When packed.
  int64_t nodes = 0;
};

// Sorted distinct times of the buffers' ends, so a buffer lives at the sections
// [index(lower), index(upper) - 1].
std::vector<int64_t> TimePoints(const std::vector<PackBuffer>& buffers);

// Decides whether `buffers` pack into `capacity` with `alignment`. Splits the instance at
// times no buffer spans and searches each part; kInfeasible is a proof, kUnknown means the
// limits ran out first.
SearchOutcome SearchPacking(const std::vector<PackBuffer>& buffers, int64_t capacity,
                            int64_t alignment, const SearchLimits& limits);

}  // namespace mmap_opt::heap::internal

#endif  // MMAP_OPT_SRC_HEAP_SEARCH_H_
