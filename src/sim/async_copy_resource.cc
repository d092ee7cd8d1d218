// FIFO copy-engine bookkeeping. The engine's state after each accepted copy is cached, so a check
// replays only from the new copy's place in the queue until the timing is back to what it was.
#include "mmap_opt/sim/async_copy_resource.h"

#include <algorithm>

namespace mmap_opt {

AsyncCopyResource::AsyncCopyResource(absl::Span<const double> capacity)
    : capacity_(capacity.begin(), capacity.end()) {
  while (leaves_ < capacity_.size()) leaves_ *= 2;
  sums_.assign(2 * leaves_, 0.0);
  for (size_t t = 0; t < capacity_.size(); ++t) {
    sums_[leaves_ + t] = capacity_[t];
    negative_slots_ += capacity_[t] < 0;
  }
  for (size_t node = leaves_ - 1; node >= 1; --node) {
    sums_[node] = sums_[2 * node] + sums_[2 * node + 1];
  }
}

void AsyncCopyResource::SetSum(Time t) {
  size_t node = leaves_ + static_cast<size_t>(t);
  sums_[node] = capacity_[t];
  for (node /= 2; node >= 1; node /= 2) sums_[node] = sums_[2 * node] + sums_[2 * node + 1];
}

double AsyncCopyResource::CapacityBetween(Time first, Time last) const {
  double sum = 0;
  if (first > last) return sum;
  size_t lo = leaves_ + static_cast<size_t>(first), hi = leaves_ + static_cast<size_t>(last) + 1;
  for (; lo < hi; lo /= 2, hi /= 2) {
    if (lo & 1) sum += sums_[lo++];
    if (hi & 1) sum += sums_[--hi];
  }
  return sum;
}

bool AsyncCopyResource::SurelyLate(const Copy& copy, const Cursor& cursor) const {
  // Where Run starts. A window past the last slot is left to Run (it may "finish" after it).
  if (negative_slots_ > 0 || copy.end > static_cast<Time>(capacity_.size())) return false;
  Time slot = cursor.slot;
  double left = cursor.left;
  if (slot <= copy.start) {
    slot = copy.start + 1;
    left = slot < static_cast<Time>(capacity_.size()) ? capacity_[slot] : 0;
  }
  if (slot >= copy.end) return false;  // Run answers at once.
  // Run subtracts slot by slot, off the exact remainder by at most (slots walked) x 2^-53 of
  // the copy's seconds; this tree sum is off by at most ~64 x 2^-53 of itself. With capacities
  // >= 0 and windows under 2^30 slots (Occupancy's horizon), a shortfall of a millionth is real:
  // Run would fail too.
  const double available = left + CapacityBetween(slot + 1, copy.end - 1);
  return available < copy.seconds * (1 - 1e-6);
}

Time AsyncCopyResource::Run(const Copy& copy, Cursor& cursor) const {
  double need = copy.seconds;
  // The copy may use what is left of the slot the previous copy ended in, if that slot lies
  // strictly inside this copy's window; otherwise it starts with the first slot after `start`.
  Time slot = cursor.slot;
  double left = cursor.left;
  if (slot <= copy.start) {
    slot = copy.start + 1;
    left = slot < static_cast<Time>(capacity_.size()) ? capacity_[slot] : 0;
  }
  const Time last = static_cast<Time>(capacity_.size()) - 1;
  while (true) {
    if (need <= left) {
      cursor = {slot, left - need};
      return slot;
    }
    need -= left;
    if (++slot > last) {  // Never finishes inside the program.
      cursor = {slot, 0};
      return slot;
    }
    left = capacity_[slot];
  }
}

AsyncCopyResource::Cursor AsyncCopyResource::CursorAfter(size_t count) const {
  while (after_.size() < count) {
    Cursor cursor = after_.empty() ? Cursor{} : after_.back();
    Run(copies_[order_[after_.size()]], cursor);
    after_.push_back(cursor);
  }
  return count == 0 ? Cursor{} : after_[count - 1];
}

bool AsyncCopyResource::Replay(size_t insert_at, const Copy& extra) const {
  Cursor cursor = CursorAfter(insert_at);
  if (SurelyLate(extra, cursor) || Run(extra, cursor) >= extra.end) return false;
  for (size_t i = insert_at; i < order_.size(); ++i) {
    const Copy& copy = copies_[order_[i]];
    if (Run(copy, cursor) >= copy.end) return false;
    // Same state as without the new copy: nothing later changes, and all of it was on time.
    // (The cache grows only as far as this comparison reaches: filling it to the end of the
    // queue first cost the heuristic a third of its time.)
    const Cursor without = CursorAfter(i + 1);
    if (cursor.slot == without.slot && cursor.left == without.left) return true;
  }
  return true;
}

bool AsyncCopyResource::CanAdd(Time start, Time end, double seconds) const {
  if (end <= start + 1) return seconds <= 0;
  Copy extra{start, end, seconds};
  // FIFO position: after every copy that starts at or before `start`.
  const size_t at = std::upper_bound(starts_.begin(), starts_.end(), start) - starts_.begin();
  return Replay(at, extra);
}

AsyncCopyResource::CopyId AsyncCopyResource::Add(Time start, Time end, double seconds) {
  CopyId id = static_cast<CopyId>(copies_.size());
  copies_.push_back({start, end, seconds});
  const size_t position =
      std::upper_bound(starts_.begin(), starts_.end(), start) - starts_.begin();
  order_.insert(order_.begin() + position, id);
  starts_.insert(starts_.begin() + position, start);
  if (after_.size() > position) {
    // The cache reaches past the new copy: its state goes in, and the states after it are
    // replayed only until they are back to the cached ones (the heuristic adds copies all
    // over the queue; dropping the cache behind each cost a third of its time).
    after_.insert(after_.begin() + position, Cursor{});
    RefreshCache(position, /*first_is_new=*/true);
  }
  return id;
}

void AsyncCopyResource::RefreshCache(size_t from, bool first_is_new, Time settled_from) {
  Cursor cursor = from == 0 ? Cursor{} : after_[from - 1];
  for (size_t i = from; i < after_.size(); ++i) {
    Run(copies_[order_[i]], cursor);
    const bool cached = !(first_is_new && i == from);
    // The same state as before the change: every later one is the same as well.
    if (cached && cursor.slot >= settled_from && cursor.slot == after_[i].slot &&
        cursor.left == after_[i].left) {
      return;
    }
    after_[i] = cursor;
  }
}

void AsyncCopyResource::SetCapacity(Time t, double seconds) {
  if (t < 0 || t >= static_cast<Time>(capacity_.size()) || seconds == capacity_[t]) return;
  negative_slots_ += (seconds < 0) - (capacity_[t] < 0);
  capacity_[t] = seconds;
  SetSum(t);
  // Cursors only move forward along the queue; those that stopped before slot t are still
  // right, later ones are replayed until one is back to its old state at or past slot t
  // (nothing after it reads slot t again).
  auto stale = std::lower_bound(after_.begin(), after_.end(), t,
                                [](const Cursor& c, Time slot) { return c.slot < slot; });
  if (bulk_) {
    after_.erase(stale, after_.end());
    return;
  }
  RefreshCache(stale - after_.begin(), /*first_is_new=*/false, /*settled_from=*/t);
}

void AsyncCopyResource::Remove(CopyId id) {
  copies_[id].live = false;
  // Among the copies with its start (those are by id).
  size_t position =
      std::lower_bound(starts_.begin(), starts_.end(), copies_[id].start) - starts_.begin();
  while (order_[position] != id) ++position;
  order_.erase(order_.begin() + position);
  starts_.erase(starts_.begin() + position);
  if (after_.size() > position) {
    if (bulk_) {
      after_.resize(position);
      return;
    }
    after_.erase(after_.begin() + position);
    RefreshCache(position, /*first_is_new=*/false);
  }
}

}  // namespace mmap_opt
