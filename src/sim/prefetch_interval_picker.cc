// XLA's CostAnalysisPrefetchIntervalPicker over a flattened schedule (no while-nest levels:
// importers flatten loop bodies, so every instruction is at the same level), and its
// InstructionCountPrefetchIntervalPicker, which counts instructions instead of seconds.
#include "mmap_opt/sim/prefetch_interval_picker.h"

#include <algorithm>
#include <cmath>

namespace mmap_opt {

PrefetchIntervalPicker::PrefetchIntervalPicker(absl::Span<const double> elapsed,
                                               double copy_bandwidth, int64_t fast_capacity,
                                               PrefetchIntervalOptions options,
                                               absl::Span<const int32_t> computation)
    : copy_bandwidth_(copy_bandwidth), options_(options) {
  if (std::any_of(computation.begin(), computation.end(), [](int32_t c) { return c != 0; })) {
    computation_.assign(computation.begin(), computation.end());
  }
  prefix_.resize(elapsed.size() + 1, 0.0);
  for (size_t t = 0; t < elapsed.size(); ++t) prefix_[t + 1] = prefix_[t] + elapsed[t];
  max_copy_window_ = CopyTime(fast_capacity) * options_.max_overlap_to_mem_size_async_copy_ratio;
}

double PrefetchIntervalPicker::ElapsedBetween(Time a, Time b) const {
  if (b <= a + 1) return 0;
  a = std::max<Time>(a, -1);
  b = std::min<Time>(b, static_cast<Time>(prefix_.size()) - 1);
  return prefix_[b] - prefix_[a + 1];
}

bool PrefetchIntervalPicker::CanKeepWithoutCopy(Time start, Time end) const {
  if (counts_instructions()) return end - start <= options_.max_overlap_count;
  return ElapsedBetween(start, end) < max_copy_window_;
}

Time PrefetchIntervalPicker::PreferredEvictionEnd(int64_t bytes, Time start, Time latest,
                                                  int retry) const {
  if (counts_instructions()) return std::min(start + options_.min_overlap_count, latest);
  const double need =
      (1 + 2 * retry) * options_.preferred_overlap_to_async_copy_ratio * CopyTime(bytes);
  // E(start, t) grows with t: binary search the first t reaching `need`.
  Time lo = start + 1, hi = latest;
  if (lo > hi) return latest;
  if (ElapsedBetween(start, hi) < need) return latest;
  while (lo < hi) {
    Time mid = lo + (hi - lo) / 2;
    if (ElapsedBetween(start, mid) >= need)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

std::optional<Time> PrefetchIntervalPicker::LastStartWithOverlap(double need, Time lo, Time hi,
                                                                 Time end) const {
  if (lo > hi || ElapsedBetween(lo, end) < need) return std::nullopt;
  while (lo < hi) {
    Time mid = lo + (hi - lo + 1) / 2;
    if (ElapsedBetween(mid, end) >= need)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

std::optional<Time> PrefetchIntervalPicker::LatestPrefetchStart(int64_t bytes, Time earliest,
                                                                Time use_time,
                                                                double use_speedup) const {
  if (counts_instructions()) {
    const Time latest = use_time - options_.min_overlap_count - 1;
    if (latest < std::max(earliest, use_time - options_.max_overlap_count)) return std::nullopt;
    return latest;
  }
  const double need =
      options_.min_overlap_to_async_copy_ratio * CopyTime(bytes) - std::max(use_speedup, 0.0);
  // A copy starts after instruction `start` and must be done before `use_time`.
  return LastStartWithOverlap(need, earliest, use_time - 1, use_time);
}

std::vector<Time> PrefetchIntervalPicker::PrefetchStartCandidates(int64_t bytes, Time earliest,
                                                                  Time use_time,
                                                                  double use_speedup) const {
  std::vector<Time> candidates;
  PrefetchStartWalk walk = StartWalk(bytes, earliest, use_time, use_speedup);
  while (std::optional<Time> t = walk.Next()) candidates.push_back(*t);
  return candidates;
}

PrefetchStartWalk PrefetchIntervalPicker::StartWalk(int64_t bytes, Time earliest, Time use_time,
                                                    double use_speedup) const {
  PrefetchStartWalk walk;
  walk.picker_ = this;
  walk.use_ = use_time;
  // A copy issued after instruction t starts at boundary t + 1, in that instruction's
  // computation: starts in another computation than the use's are skipped.
  walk.filter_ = !computation_.empty() && use_time < static_cast<Time>(computation_.size());
  std::optional<Time> latest = LatestPrefetchStart(bytes, earliest, use_time, use_speedup);
  if (!latest) return walk;  // Nothing: up_ > latest_ and down_ < first_.
  walk.latest_ = *latest;
  if (counts_instructions()) {
    // Earliest first: XLA's instruction-count picker walks up from the longest window.
    walk.counts_ = true;
    walk.up_ = walk.lower_bound_ = std::max(earliest, use_time - options_.max_overlap_count);
    return walk;
  }
  // Earliest useful start: the first t whose overlap fits the max copy window.
  Time lo = earliest, hi = *latest;
  while (lo < hi) {
    Time mid = lo + (hi - lo) / 2;
    if (ElapsedBetween(mid, use_time) <= max_copy_window_)
      hi = mid;
    else
      lo = mid + 1;
  }
  const Time first = lo;
  // Preferred: the start whose overlap is closest to preferred x copy time.
  const double target = options_.preferred_overlap_to_async_copy_ratio * CopyTime(bytes);
  Time preferred = LastStartWithOverlap(target, first, *latest, use_time).value_or(first);
  if (preferred < *latest && std::fabs(ElapsedBetween(preferred + 1, use_time) - target) <
                                 std::fabs(ElapsedBetween(preferred, use_time) - target)) {
    ++preferred;
  }
  // Alternate later and earlier starts; once the later side runs out, step the earlier side
  // in ~1% slices of the window so that long windows cost at most ~100 candidates (as XLA).
  walk.first_ = walk.lower_bound_ = first;
  walk.pending_[walk.pending_count_++] = preferred;
  walk.up_ = preferred + 1;
  walk.down_ = preferred - 1;
  walk.step_ = ElapsedBetween(first, use_time) / 100;
  walk.last_down_elapsed_ = ElapsedBetween(preferred, use_time);
  return walk;
}

std::optional<Time> PrefetchStartWalk::Next() {
  while (true) {
    if (pending_at_ == pending_count_) {
      pending_at_ = pending_count_ = 0;
      if (!Advance()) return std::nullopt;
    }
    const Time t = pending_[pending_at_++];
    if (!filter_ || picker_->computation_[t + 1] == picker_->computation_[use_]) return t;
  }
}

bool PrefetchStartWalk::Advance() {
  if (counts_) {
    if (up_ > latest_) return false;
    pending_[pending_count_++] = up_++;
    return true;
  }
  if (up_ > latest_ && down_ < first_) return false;
  if (up_ <= latest_) pending_[pending_count_++] = up_++;
  if (down_ >= first_) {
    if (up_ > latest_) down_ = NextDown();
    pending_[pending_count_++] = down_;
    last_down_elapsed_ = picker_->ElapsedBetween(down_, use_);
    --down_;
  }
  return true;
}

Time PrefetchStartWalk::NextDown() const {
  // The latest t <= down_ whose overlap grew by a step since the last earlier start, or first_.
  // E(t, use) only grows as t falls, and so does the test: a binary search finds the start a
  // walk down one by one would (long windows made that walk most of the picker's time).
  auto grew = [&](Time t) {
    return picker_->ElapsedBetween(t, use_) - last_down_elapsed_ >= step_;
  };
  if (grew(down_)) return down_;
  // The answer is usually a step (~1% of the window) below: gallop down from down_ to bracket
  // it (grew(bad) is false), then halve the bracket.
  Time bad = down_, good = first_ - 1;  // good < first_: none found yet.
  for (Time reach = 1;; reach *= 2) {
    const Time probe = down_ - reach;
    if (probe <= first_) break;
    if (grew(probe)) {
      good = probe;
      break;
    }
    bad = probe;
  }
  Time lo = std::max(good, first_), hi = bad - 1;
  if (good < first_ && !grew(first_)) return first_;
  while (lo < hi) {
    const Time mid = lo + (hi - lo + 1) / 2;
    if (grew(mid))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

}  // namespace mmap_opt
