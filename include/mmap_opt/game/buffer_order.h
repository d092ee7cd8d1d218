// The order in which buffers are decided, shared by the heuristic and the MallocGame so that
// both play the same game (xla-msa.md §1.3).
#ifndef MMAP_OPT_GAME_BUFFER_ORDER_H_
#define MMAP_OPT_GAME_BUFFER_ORDER_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "mmap_opt/sim/cost_model.h"

namespace mmap_opt {

// Memory boundedness desc, then size desc, then live-range length desc, then latest use, then
// start, then id. Buffers that can never be placed (slow_only, larger than fast memory) are
// left out. A non-empty `priority` (one key per BufferIndex) replaces memory boundedness, for
// searches over the order (RunTunedHeuristic); its size must be the number of buffers.
std::vector<BufferIndex> MsaBufferOrder(const CostModel& cost,
                                        absl::Span<const double> priority = {});

// MsaBufferOrder for many priorities of one program (heuristic-tuned's order search): the key
// after the priority is ranked once, so each order is one sort by (priority, rank).
class MsaBufferOrdering {
 public:
  explicit MsaBufferOrdering(const CostModel& cost);
  // MsaBufferOrder(cost, priority), `priority` as there.
  std::vector<BufferIndex> Order(absl::Span<const double> priority) const;

 private:
  const CostModel* cost_;
  std::vector<BufferIndex> by_tie_;  // The placeable buffers by the key after the priority.
};

// A priority list (for MsaBufferOrder) that orders buffers as the heap simulator's spatial
// order: size desc, then live-range length desc, then id asc. XLA's MSA sorts by it when it is
// given no comparator, as in most of XLA's own MSA tests.
std::vector<double> SpatialBufferPriority(const Program& program);

// InvalidArgument unless `priority` is empty or has one entry per buffer of `program`.
absl::Status CheckBufferPriority(const Program& program, absl::Span<const double> priority);

}  // namespace mmap_opt

#endif  // MMAP_OPT_GAME_BUFFER_ORDER_H_
