// Ruin and recreate for the smallest peak. Each round picks a buffer whose top is the peak,
// takes out every buffer near it in time and in the top bytes (a rectangle of random width
// and depth around it), and puts them back one by one in a random order, each at its best
// fit or lowest fit, none above the peak and fewer of them at it than were taken out. A
// round that succeeds leaves fewer buffers at the peak without raising anything; one that
// fails is rolled back. So the pair (peak, buffers at the peak) only decreases, and once no
// buffer is left at the old peak it drops. (Restarts with new seeds: packer.cc.)
// Best fit leaves holes that later buffers cannot use (on a long trace: the buffers that
// start between two busy times sit in the middle of the stack there); putting a handful of
// neighbours back in another order closes them.
#include "improve.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace mmap_opt::heap::internal {
namespace {

// More buffers than this in one rectangle cost more time than the round is likely worth.
constexpr size_t kMaxRuined = 1024;
// The rectangle's time margin is below 2^kMarginBits sections either side, and its depth at
// most kDepthShare of the peak (or 4 sizes of the chosen buffer, on small instances). On the
// idealloc trace S_1, 2^12 and the whole peak made most rectangles too big to be worth trying.
constexpr int kMarginBits = 8;
constexpr double kDepthShare = 0.05;

enum class Refill { kSize, kLength, kStart, kShuffle };

}  // namespace

ImproveOutcome ImprovePeak(const std::vector<PackBuffer>& buffers, int64_t alignment,
                           int64_t target, const ImproveLimits& limits,
                           std::vector<Offset>* offsets) {
  ImproveOutcome outcome;
  const int n = static_cast<int>(buffers.size());
  std::vector<Offset>& off = *offsets;
  auto top = [&](int i) { return off[i] + buffers[i].size; };
  int64_t peak = 0;
  for (int i = 0; i < n; ++i) peak = std::max(peak, top(i));
  if (n == 0 || peak <= target) return outcome;

  const std::vector<int64_t> points = TimePoints(buffers);
  auto index = [&](int64_t t) {
    return static_cast<Time>(std::lower_bound(points.begin(), points.end(), t) - points.begin());
  };
  std::vector<Time> first(n), last(n);  // Sections, inclusive.
  for (int i = 0; i < n; ++i) {
    first[i] = index(buffers[i].lower);
    last[i] = index(buffers[i].upper) - 1;
  }
  absl::StatusOr<Occupancy> heap =
      Occupancy::Create(peak, alignment, std::max<Time>(1, static_cast<Time>(points.size())));
  if (!heap.ok()) return outcome;
  std::vector<ChunkHandle> handle(n);
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<ChunkHandle> h = heap->Commit(Chunk{off[i], buffers[i].size, first[i], last[i]});
    if (!h.ok()) return outcome;  // Not a valid packing: leave it alone.
    handle[i] = *h;
  }
  heap->ClearHistory();

  std::mt19937_64 rng(limits.seed);
  int64_t last_accept = 0;
  std::vector<int> at_peak, ruined;
  std::vector<ChunkHandle> old_handle;
  std::vector<Offset> placed;
  std::vector<Gap> gaps;
  while (true) {
    at_peak.clear();
    peak = 0;
    for (int i = 0; i < n; ++i) {
      if (top(i) > peak) {
        peak = top(i);
        at_peak.clear();
      }
      if (top(i) == peak) at_peak.push_back(i);
    }
    if (peak <= target) break;
    if (limits.max_rounds >= 0 && outcome.rounds >= limits.max_rounds) break;
    if (limits.stall_rounds >= 0 && outcome.rounds - last_accept >= limits.stall_rounds) break;
    if (limits.cancel != nullptr && limits.cancel->load(std::memory_order_relaxed)) break;
    if (Clock::now() >= limits.deadline) break;
    ++outcome.rounds;

    // The rectangle: a time margin either side of the chosen buffer and a depth from its own
    // size up (see kMarginBits, kDepthShare), both spread evenly in log scale (the holes to
    // close may be right under the peak or further below).
    const int p = at_peak[rng() % at_peak.size()];
    const Time margin = static_cast<Time>(rng() % (Time{1} << (rng() % kMarginBits)));
    const Time from = first[p] - margin, to = last[p] + margin;
    const double deepest = std::min<double>(
        peak, std::max(kDepthShare * static_cast<double>(peak), 4.0 * buffers[p].size));
    const double span = std::log(std::max(1.0, deepest / buffers[p].size));
    const double depth =
        buffers[p].size * std::exp(span * std::uniform_real_distribution<double>(0, 1)(rng));
    const Offset floor = peak - static_cast<Offset>(depth);
    ruined.clear();
    for (int i = 0; i < n; ++i) {
      if (first[i] <= to && last[i] >= from && top(i) > floor) ruined.push_back(i);
    }
    if (ruined.size() > kMaxRuined) continue;

    const Refill refill = static_cast<Refill>(rng() % 4);
    const bool lowest = rng() % 2 == 0;
    if (refill == Refill::kShuffle) {
      std::shuffle(ruined.begin(), ruined.end(), rng);
    } else {
      auto key = [&](int i) {
        const PackBuffer& b = buffers[i];
        switch (refill) {
          case Refill::kSize:
            return std::make_tuple(-b.size, b.lower - b.upper, i);
          case Refill::kLength:
            return std::make_tuple(b.lower - b.upper, -b.size, i);
          default:
            return std::make_tuple(b.lower, -b.size, i);
        }
      };
      std::sort(ruined.begin(), ruined.end(), [&](int a, int b) { return key(a) < key(b); });
    }
    const Marker mark = heap->Mark();
    old_handle.clear();
    for (int i : ruined) {
      old_handle.push_back(handle[i]);
      (void)heap->Remove(handle[i]);
    }
    placed.clear();
    bool fits = true;
    // The buffers left at the peak: those outside the rectangle plus those put back there.
    int64_t left_at_peak = static_cast<int64_t>(at_peak.size());
    for (int i : ruined) left_at_peak -= top(i) == peak;
    for (int i : ruined) {
      const int64_t size = buffers[i].size;
      std::optional<Offset> o;
      if (lowest) {
        heap->FreeGaps(first[i], last[i], &gaps);
        for (const Gap& gap : gaps) {
          if (gap.size >= size) {
            o = gap.offset;
            break;
          }
        }
      } else {
        o = heap->BestFit(size, first[i], last[i]);
      }
      absl::StatusOr<ChunkHandle> h = absl::InternalError("no room");
      if (o && *o + size <= peak) h = heap->Commit(Chunk{*o, size, first[i], last[i]});
      if (h.ok() && *o + size == peak && ++left_at_peak >= static_cast<int64_t>(at_peak.size())) {
        h = absl::InternalError("no better");
      }
      if (!h.ok()) {
        fits = false;
        break;
      }
      handle[i] = *h;
      placed.push_back(*o);
    }
    if (fits) {
      for (size_t k = 0; k < ruined.size(); ++k) off[ruined[k]] = placed[k];
      ++outcome.accepted;
      last_accept = outcome.rounds;
    } else {
      heap->RollBack(mark);
      for (size_t k = 0; k < ruined.size(); ++k) handle[ruined[k]] = old_handle[k];
    }
    heap->ClearHistory();
  }
  return outcome;
}

}  // namespace mmap_opt::heap::internal
