// Ruin and recreate for the smallest peak. Each round picks a buffer whose top is above a
// level (peak - band), takes out every buffer near it in time and in the top bytes (a
// rectangle of random width and depth around it), and puts them back one by one in a random
// order, each at its best fit or lowest fit, none above the peak and fewer of them above the
// level than were taken out. A round that succeeds leaves fewer buffers above the level
// without raising anything; one that fails is rolled back. So the pair (peak, buffers above
// the level) only decreases, and once none is left above the level the peak has dropped by
// a band. The band starts at an eighth of the way to the target, doubles when a level is
// cleared and shrinks when rounds keep failing, down to 1 byte (the buffers at the peak
// itself). With a band of 1 byte only, a generated training trace spent its rounds moving
// 1-600-byte buffers off the peak, a few bytes lower each (4 MB in 227 rounds, where 195 MB
// were to go); a level a band deep lets one run cover the distance in a few hundred rounds.
// Best fit leaves holes that later buffers cannot use (on a long trace: the buffers that
// start between two busy times sit in the middle of the stack there); putting a handful of
// neighbours back in another order closes them.
// Half the rounds take a column instead of a rectangle: every buffer whose whole life lies
// in the time window (give or take a few sections), at any depth. Where the live load is
// at the bound (several busy times of a training trace), the waste that keeps a buffer at
// the peak is anywhere below it, out of reach of a rectangle under the peak; the short-lived
// buffers of the column are the ones free to move, around the long-lived ones that stay.
#include "improve.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace mmap_opt::heap::internal {
namespace {

// More buffers than this in one rectangle cost more time than the round is likely worth. On
// generated training traces the rounds that succeed take thousands (a column over a long
// life): with 1024 here the runs stalled at 1.03x, with 16384 they go on to 1.01x.
constexpr size_t kMaxRuined = 16384;
// The rectangle's time margin is below 2^kMarginBits sections either side, and its depth
// anything up to the whole peak. On a generated training trace (K = 8, seed 2) the waste that
// holds the peak up lies between buffers living 300-1300 steps, 14 GB below a 21 GB peak:
// with margins below 2^8 and depths within 5% of the peak (the earlier limits, when rounds
// were capped at 1024 buffers) no round reached it and the run stayed at 1.0175x; with these
// it goes down to 1.012x, and S_1 reaches its bound in 1.45 CPU-s instead of 1.9.
constexpr int kMarginBits = 12;
// The level starts this many bands above the target, and a band shrinks by kBandShrink
// after kBandStall failed rounds in a row.
constexpr int64_t kBandsToTarget = 8;
constexpr int64_t kBandShrink = 8;
constexpr int64_t kBandStall = 20;
// A run restarts from the start after this many failed rounds in a row.
constexpr int64_t kStallRounds = 150;
// A column takes the buffers that start and end within this many sections of its window.
constexpr Time kColumnSlack = 4;

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
  int64_t last_accept = 0, last_progress = 0;
  // The level: each round takes a buffer whose top is above peak - band and must leave fewer
  // of them there (see the top of the file).
  int64_t band = std::max<int64_t>(1, (peak - target) / kBandsToTarget);
  std::vector<int> above, ruined;
  std::vector<ChunkHandle> old_handle;
  std::vector<Offset> placed;
  std::vector<Gap> gaps;
  while (true) {
    peak = 0;
    for (int i = 0; i < n; ++i) peak = std::max(peak, top(i));
    if (peak <= target) break;
    if (outcome.rounds - last_progress >= kBandStall && band > 1) {
      band = std::max<int64_t>(1, band / kBandShrink);
      last_progress = outcome.rounds;
    }
    const Offset level = peak - band;
    above.clear();
    for (int i = 0; i < n; ++i) {
      if (top(i) > level) above.push_back(i);
    }
    if (limits.max_rounds >= 0 && outcome.rounds >= limits.max_rounds) break;
    if (limits.stall_rounds >= 0 && band == 1 &&
        outcome.rounds - last_accept >= limits.stall_rounds) {
      break;
    }
    if (limits.cancel != nullptr && limits.cancel->load(std::memory_order_relaxed)) break;
    if (Clock::now() >= limits.deadline) break;
    ++outcome.rounds;

    // The rectangle: a time margin either side of the chosen buffer and a depth from its own
    // size up (see kMarginBits), both spread evenly in log scale (the holes to
    // close may be right under the peak or further below).
    const int p = above[rng() % above.size()];
    // Two draws in two statements: their order within one expression is unspecified, and
    // compilers differ (the ASan build drew them the other way round).
    const uint64_t draw = rng();
    const int margin_bits = static_cast<int>(rng() % kMarginBits);
    const Time margin = static_cast<Time>(draw % (Time{1} << margin_bits));
    const Time from = first[p] - margin, to = last[p] + margin;
    const double span =
        std::log(std::max(1.0, static_cast<double>(peak) / static_cast<double>(buffers[p].size)));
    const double depth =
        buffers[p].size * std::exp(span * std::uniform_real_distribution<double>(0, 1)(rng));
    const Offset floor = peak - static_cast<Offset>(depth);
    ruined.clear();
    const bool is_column = rng() % 2 == 0;
    if (is_column) {
      // A column (see the top of the file).
      const Time slack = static_cast<Time>(rng() % kColumnSlack);
      for (int i = 0; i < n; ++i) {
        if (first[i] <= to && last[i] >= from && first[i] >= from - slack &&
            last[i] <= to + slack) {
          ruined.push_back(i);
        }
      }
    } else {
      for (int i = 0; i < n; ++i) {
        if (first[i] <= to && last[i] >= from && top(i) > floor) ruined.push_back(i);
      }
    }
    // An empty round would count as a success and hold off the restart.
    if (ruined.empty() || ruined.size() > kMaxRuined) continue;

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
    // The buffers left above the level: those outside the rectangle plus those put back there.
    int64_t left_above = static_cast<int64_t>(above.size());
    for (int i : ruined) left_above -= top(i) > level;
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
      if (h.ok() && *o + size > level && ++left_above >= static_cast<int64_t>(above.size())) {
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
      last_accept = last_progress = outcome.rounds;
      // The level is cleared when none is left above it: try a deeper one next.
      if (left_above == 0) band = std::min<int64_t>(band * 2, std::max<int64_t>(1, peak / 64));
    } else {
      heap->RollBack(mark);
      for (size_t k = 0; k < ruined.size(); ++k) handle[ruined[k]] = old_handle[k];
    }
    heap->ClearHistory();
  }
  return outcome;
}

int64_t ImproveFromStarts(const std::vector<PackBuffer>& buffers, int64_t alignment,
                          int64_t target, const ImproveLimits& limits,
                          const std::vector<std::vector<Offset>>& starts,
                          std::vector<Offset>* offsets, int* best_start) {
  auto peak_of = [&](const std::vector<Offset>& off) {
    int64_t peak = 0;
    for (size_t i = 0; i < buffers.size(); ++i) peak = std::max(peak, off[i] + buffers[i].size);
    return peak;
  };
  if (starts.empty()) return 0;
  int64_t best = -1, rounds = 0;
  for (const std::vector<Offset>& start : starts) {
    const int64_t peak = peak_of(start);
    if (best < 0 || peak < best) {
      best = peak;
      *offsets = start;
      if (best_start != nullptr) *best_start = static_cast<int>(&start - starts.data());
    }
  }
  for (uint64_t seed = 1; best > target; ++seed) {
    ImproveLimits run = limits;
    run.seed = seed;
    run.stall_rounds = kStallRounds;
    if (limits.max_rounds >= 0) {
      if (rounds >= limits.max_rounds) break;
      run.max_rounds = limits.max_rounds - rounds;
    }
    const int from = static_cast<int>((seed - 1) % starts.size());
    std::vector<Offset> trial = starts[from];
    const ImproveOutcome outcome = ImprovePeak(buffers, alignment, target, run, &trial);
    if (outcome.rounds == 0) break;  // Nothing it can do (or no time left).
    rounds += outcome.rounds;
    const int64_t peak = peak_of(trial);
    if (peak < best) {
      best = peak;
      *offsets = std::move(trial);
      if (best_start != nullptr) *best_start = from;
    }
  }
  return rounds;
}

int64_t ImproveWithRestarts(const std::vector<PackBuffer>& buffers, int64_t alignment,
                            int64_t target, const ImproveLimits& limits,
                            std::vector<Offset>* offsets) {
  const std::vector<std::vector<Offset>> starts = {*offsets};
  return ImproveFromStarts(buffers, alignment, target, limits, starts, offsets, nullptr);
}

}  // namespace mmap_opt::heap::internal
