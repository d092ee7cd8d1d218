// Bandwidth bookkeeping for async copies (XLA's AsynchronousCopyResource, xla-msa.md §1.8b):
// can one more copy finish inside its window without making an accepted copy late?
#ifndef MMAP_OPT_SIM_ASYNC_COPY_RESOURCE_H_
#define MMAP_OPT_SIM_ASYNC_COPY_RESOURCE_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/types/span.h"

namespace mmap_opt {

using Time = int64_t;  // Logical time: an instruction's index in the schedule.

// One copy engine. Slot t offers `capacity[t]` seconds of background copying (the time of
// instruction t). A copy over (start, end) needs `seconds` of it, taken only from slots strictly
// between start and end. Copies run first-in first-out by start time: a copy begins where the
// one before it finished, so a late copy delays every later one. A copy is accepted only if it
// and every copy it delays still finish before their ends.
class AsyncCopyResource {
 public:
  using CopyId = int32_t;  // Handle of an accepted copy, for Remove().

  explicit AsyncCopyResource(absl::Span<const double> capacity);

  // Would a copy of `seconds` over (start, end) be accepted now?
  bool CanAdd(Time start, Time end, double seconds) const;
  // Accepts the copy (call CanAdd first; Add does not check) and returns its handle.
  CopyId Add(Time start, Time end, double seconds);
  // Forgets an accepted copy (the heuristic's uncommit).
  void Remove(CopyId id);

  // Sets what slot t offers. Raising it never makes an accepted copy late; lowering it may, so
  // lower only to undo an earlier raise after the copies added since are gone.
  void SetCapacity(Time t, double seconds);
  double capacity(Time t) const { return capacity_[t]; }

  int num_copies() const { return static_cast<int>(order_.size()); }

  // While set, Remove and SetCapacity cut the cached queue states at the change instead of
  // replaying the ones after it: for undoing much at once (the next check replays once).
  void set_bulk_changes(bool bulk) { bulk_ = bulk; }

 private:
  struct Copy {
    Time start, end;
    double seconds;
    bool live = true;
  };
  // Where the engine stands after a copy: the slot it finished in and what is left of that slot.
  struct Cursor {
    Time slot = -1;
    double left = 0;
  };

  // Runs `extra` inserted before order_[insert_at], then the copies after it; false as soon as
  // one finishes at or after its end. Stops early once a copy ends where it ended before.
  bool Replay(size_t insert_at, const Copy& extra) const;
  // The engine's state after order_[0..count-1], from the cache (extended as needed).
  Cursor CursorAfter(size_t count) const;
  // After a copy was added or removed at order_[from], or a slot's capacity changed:
  // recomputes the cached states from there (after_ already has one entry per cached copy, the
  // old states shifted along; the one at `from` is a placeholder when `first_is_new`) until one
  // in a slot >= `settled_from` equals its old value.
  void RefreshCache(size_t from, bool first_is_new,
                    Time settled_from = std::numeric_limits<Time>::min());
  // Advances `cursor` by one copy; returns the slot it finished in.
  Time Run(const Copy& copy, Cursor& cursor) const;

  // Whether `copy`, started from `cursor`, surely cannot finish before its end: the capacity
  // it could use there falls short of its seconds by far more than rounding (a sum tree over
  // the slots answers in O(log slots); the heuristic's failing checks were most of its time,
  // each walking the slots of its window one by one). False says nothing: replay to know.
  bool SurelyLate(const Copy& copy, const Cursor& cursor) const;
  // Sum of capacity_ over slots [first, last].
  double CapacityBetween(Time first, Time last) const;
  void SetSum(Time t);

  std::vector<double> capacity_;
  // A tree of sums over capacity_, each node its children's sum (recomputed, never updated by
  // a difference, so its rounding does not build up); leaves_ slots, a power of two.
  size_t leaves_ = 1;
  std::vector<double> sums_;
  int negative_slots_ = 0;  // Slots with negative capacity: then SurelyLate is always false.
  std::vector<Copy> copies_;   // Indexed by CopyId.
  std::vector<CopyId> order_;  // Live copies by (start, id): the FIFO order.
  std::vector<Time> starts_;   // starts_[i] = copies_[order_[i]].start, searched directly.
  // after_[i]: the state after order_[0..i]; entries from after_.size() on are stale.
  mutable std::vector<Cursor> after_;
  bool bulk_ = false;
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_SIM_ASYNC_COPY_RESOURCE_H_
