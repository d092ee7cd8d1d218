#include "mmap_opt/game/buffer_order.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace mmap_opt {

std::vector<BufferIndex> MsaBufferOrder(const CostModel& cost, absl::Span<const double> priority) {
  const Program& program = cost.program();
  const std::vector<double> boundedness =
      priority.size() == static_cast<size_t>(program.num_buffers())
          ? std::vector<double>(priority.begin(), priority.end())
          : cost.MemoryBoundedness();
  std::vector<BufferIndex> order;
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) {
    const proto::Buffer& buffer = program.buffer(b);
    if (buffer.slow_only() || buffer.size() > cost.hardware().fast_capacity()) continue;
    order.push_back(b);
  }
  // The keys are worked out once, not per comparison (heuristic-tuned sorts every order step).
  using Key = std::tuple<double, int64_t, Time, Time, Time, int64_t>;
  std::vector<Key> keys(program.num_buffers());
  for (BufferIndex b : order) {
    const LiveRange live = program.live_range(b);
    const Time latest_use = program.uses(b).empty() ? live.start : program.uses(b).back();
    keys[b] = Key(-boundedness[b], -program.buffer(b).size(), -(live.end - live.start),
                  latest_use, live.start, program.buffer(b).id());
  }
  std::sort(order.begin(), order.end(),
            [&](BufferIndex a, BufferIndex b) { return keys[a] < keys[b]; });
  return order;
}

std::vector<double> SpatialBufferPriority(const Program& program) {
  std::vector<BufferIndex> order(program.num_buffers());
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) order[b] = b;
  auto key = [&](BufferIndex b) {
    const LiveRange live = program.live_range(b);
    return std::make_tuple(-program.buffer(b).size(), -(live.end - live.start),
                           program.buffer(b).id());
  };
  std::sort(order.begin(), order.end(),
            [&](BufferIndex a, BufferIndex b) { return key(a) < key(b); });
  // Higher priority is decided first: the first in `order` gets the highest.
  std::vector<double> priority(program.num_buffers());
  for (size_t rank = 0; rank < order.size(); ++rank) {
    priority[order[rank]] = static_cast<double>(order.size() - rank);
  }
  return priority;
}

absl::Status CheckBufferPriority(const Program& program, absl::Span<const double> priority) {
  if (priority.empty() || priority.size() == static_cast<size_t>(program.num_buffers())) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("a buffer priority list needs one entry per buffer (", program.num_buffers(),
                   "), not ", priority.size()));
}

}  // namespace mmap_opt
