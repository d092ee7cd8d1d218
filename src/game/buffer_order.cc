#include "mmap_opt/game/buffer_order.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace mmap_opt {

std::vector<BufferIndex> MsaBufferOrder(const CostModel& cost, absl::Span<const double> priority) {
  return MsaBufferOrdering(cost).Order(priority);
}

MsaBufferOrdering::MsaBufferOrdering(const CostModel& cost) : cost_(&cost) {
  const Program& program = cost.program();
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) {
    const proto::Buffer& buffer = program.buffer(b);
    if (buffer.slow_only() || buffer.size() > cost.hardware().fast_capacity()) continue;
    by_tie_.push_back(b);
  }
  // Size desc, live-range length desc, latest use, start, id: unique (ids are), so any sort
  // gives this order.
  using Key = std::tuple<int64_t, Time, Time, Time, int64_t>;
  std::vector<Key> keys(program.num_buffers());
  for (BufferIndex b : by_tie_) {
    const LiveRange live = program.live_range(b);
    const Time latest_use = program.uses(b).empty() ? live.start : program.uses(b).back();
    keys[b] = Key(-program.buffer(b).size(), -(live.end - live.start), latest_use, live.start,
                  program.buffer(b).id());
  }
  std::sort(by_tie_.begin(), by_tie_.end(),
            [&](BufferIndex a, BufferIndex b) { return keys[a] < keys[b]; });
}

std::vector<BufferIndex> MsaBufferOrdering::Order(absl::Span<const double> priority) const {
  const Program& program = cost_->program();
  const std::vector<double> boundedness =
      priority.size() == static_cast<size_t>(program.num_buffers())
          ? std::vector<double>(priority.begin(), priority.end())
          : cost_->MemoryBoundedness();
  // Memory boundedness (or the priority) desc, then the rank in by_tie_: the whole key.
  struct Entry {
    double key;
    int32_t tie;
    BufferIndex buffer;
  };
  std::vector<Entry> entries(by_tie_.size());
  for (size_t i = 0; i < by_tie_.size(); ++i) {
    entries[i] = {-boundedness[by_tie_[i]], static_cast<int32_t>(i), by_tie_[i]};
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.key < b.key || (!(b.key < a.key) && a.tie < b.tie);
  });
  std::vector<BufferIndex> order(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) order[i] = entries[i].buffer;
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
