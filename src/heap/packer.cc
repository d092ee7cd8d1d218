// Pack: validation of the input, best-fit passes over an Occupancy, then the complete search
// (search.cc) for a capacity, or a bisection over capacities for the smallest peak.
#include "mmap_opt/heap/packer.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <string>

#include "absl/strings/str_cat.h"
#include "mmap_opt/status_macros.h"
#include "improve.h"
#include "search.h"

namespace mmap_opt::heap {
namespace {

using internal::Clock;
using internal::TimePoints;

// Size first: under a capacity the first pass that fits wins, and size order is XLA's.
constexpr BestFitOrder kOrders[] = {BestFitOrder::kSize, BestFitOrder::kPeak, BestFitOrder::kArea,
                                    BestFitOrder::kLength, BestFitOrder::kStart};

// On a trace too long for the search, a peak-order pass within this share of the bound is
// left to ruin and recreate rather than tried against the other orders.
constexpr double kPeakOrderCloseEnough = 0.005;

// Past this many (buffer, section) pairs one search node costs too much to be worth it.
constexpr int64_t kMaxSearchSpans = 4'000'000;

const char* OrderName(BestFitOrder order) {
  switch (order) {
    case BestFitOrder::kSize:
      return "size";
    case BestFitOrder::kLength:
      return "length";
    case BestFitOrder::kArea:
      return "area";
    case BestFitOrder::kStart:
      return "start";
    case BestFitOrder::kPeak:
      return "peak";
  }
  return "?";
}

absl::Status CheckInput(const std::vector<PackBuffer>& buffers, const PackOptions& options) {
  if (options.alignment < 1) {
    return absl::InvalidArgumentError(absl::StrCat("alignment ", options.alignment, " < 1"));
  }
  if (options.capacity < 0) {
    return absl::InvalidArgumentError(absl::StrCat("capacity ", options.capacity, " < 0"));
  }
  int64_t total = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const PackBuffer& b = buffers[i];
    if (b.lower < 0 || b.lower >= b.upper || b.size <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("buffer ", i, ": needs 0 <= lower < upper and size > 0"));
    }
    // Keeps every offset sum below 2^62, so no arithmetic overflows.
    if (b.size > (int64_t{1} << 50) || (total += b.size) > (int64_t{1} << 60)) {
      return absl::InvalidArgumentError(absl::StrCat("buffer ", i, ": sizes sum past 2^60 bytes"));
    }
  }
  return absl::OkStatus();
}

// Per buffer: the rank of the busiest time it lives at, times ranked by live load desc (ties:
// the earlier time first). A sparse table of range minima over the ranks answers each buffer.
std::vector<int> BusiestRanks(const std::vector<PackBuffer>& buffers,
                              const std::vector<int64_t>& points) {
  auto index = [&](int64_t t) {
    return static_cast<int>(std::lower_bound(points.begin(), points.end(), t) - points.begin());
  };
  const int sections = std::max<int>(1, static_cast<int>(points.size()) - 1);
  std::vector<int64_t> load(sections + 1, 0);
  for (const PackBuffer& b : buffers) {
    load[index(b.lower)] += b.size;
    load[index(b.upper)] -= b.size;
  }
  for (int s = 1; s < sections; ++s) load[s] += load[s - 1];
  std::vector<int> by_load(sections);
  std::iota(by_load.begin(), by_load.end(), 0);
  std::stable_sort(by_load.begin(), by_load.end(),
                   [&](int a, int b) { return load[a] > load[b]; });
  std::vector<std::vector<int>> table(1, std::vector<int>(sections));
  for (int r = 0; r < sections; ++r) table[0][by_load[r]] = r;
  for (int k = 1; (1 << k) <= sections; ++k) {
    const std::vector<int>& prev = table[k - 1];
    std::vector<int> row(sections - (1 << k) + 1);
    for (size_t s = 0; s < row.size(); ++s) row[s] = std::min(prev[s], prev[s + (1 << (k - 1))]);
    table.push_back(std::move(row));
  }
  std::vector<int> ranks;
  ranks.reserve(buffers.size());
  for (const PackBuffer& b : buffers) {
    const int lo = index(b.lower), hi = index(b.upper);  // Sections [lo, hi), hi > lo.
    int k = 0;
    while ((2 << k) <= hi - lo) ++k;
    ranks.push_back(std::min(table[k][lo], table[k][hi - (1 << k)]));
  }
  return ranks;
}

int64_t PeakOf(const std::vector<PackBuffer>& buffers, const std::vector<Offset>& offsets) {
  int64_t peak = 0;
  for (size_t i = 0; i < buffers.size(); ++i) peak = std::max(peak, offsets[i] + buffers[i].size);
  return peak;
}

int64_t SpanPairs(const std::vector<PackBuffer>& buffers) {
  const std::vector<int64_t> points = TimePoints(buffers);
  int64_t pairs = 0;
  for (const PackBuffer& b : buffers) {
    pairs += std::lower_bound(points.begin(), points.end(), b.upper) -
             std::lower_bound(points.begin(), points.end(), b.lower);
  }
  return pairs;
}

double SecondsLeft(Clock::time_point deadline) {
  return std::chrono::duration<double>(deadline - Clock::now()).count();
}

// Min-peak mode: bisection over capacities between the proved lower bound and the best peak,
// each probe a time-sliced search. A refuted probe raises the proved bound.
void MinimisePeak(const std::vector<PackBuffer>& buffers, const PackOptions& options,
                  Clock::time_point deadline, PackResult* result) {
  int64_t proved = result->lower_bound;
  int64_t lo = proved;  // Lowest capacity not yet tried without success.
  const auto good_enough = [&] {
    return result->peak <= proved ||
           result->peak <= static_cast<double>(proved) * (1 + options.peak_tolerance);
  };
  while (!good_enough() && lo < result->peak && SecondsLeft(deadline) > 0) {
    // The first probe tries the bound itself: proving optimality outright is common.
    const int64_t capacity = lo == proved ? lo : lo + (result->peak - 1 - lo) / 2;
    internal::SearchLimits limits;
    const double slice = std::max(0.25, SecondsLeft(deadline) / 4);
    limits.deadline = std::min(deadline, Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                            std::chrono::duration<double>(slice)));
    limits.cancel = options.cancel;
    internal::SearchOutcome outcome =
        internal::SearchPacking(buffers, capacity, options.alignment, limits);
    result->search_nodes += outcome.nodes;
    if (outcome.status == PackStatus::kPacked &&
        ValidatePacking(buffers, outcome.offsets, capacity, options.alignment).ok()) {
      result->offsets = std::move(outcome.offsets);
      result->peak = PeakOf(buffers, result->offsets);
      result->method = "search";
    } else if (outcome.status == PackStatus::kInfeasible) {
      proved = std::max(proved, capacity + 1);
      lo = std::max(lo, capacity + 1);
    } else {
      lo = capacity + 1;  // Not refuted, only not found in time: look higher.
    }
  }
  result->lower_bound = proved;
  result->optimal = result->peak <= proved;
}

// The largest peak within (1 + tolerance) x the bound.
int64_t PeakTarget(int64_t bound, double tolerance) {
  return std::max(bound, static_cast<int64_t>(static_cast<double>(bound) * (1 + tolerance)));
}

// A best-fit pass's packing and its peak.
struct Pass {
  int64_t peak = 0;
  std::vector<Offset> offsets;
  std::string method;
};

// Min-peak mode: ruin and recreate (improve.cc) from the best packing so far, its runs
// taking turns with runs from the other passes' packings, best first.
void LowerPeak(const std::vector<PackBuffer>& buffers, const PackOptions& options,
               Clock::time_point deadline, std::vector<Pass> passes, PackResult* result) {
  if (result->offsets.size() != buffers.size()) return;  // No packing to start from.
  internal::ImproveLimits limits;
  limits.deadline = deadline;
  limits.cancel = options.cancel;
  const int64_t target = PeakTarget(result->lower_bound, options.peak_tolerance);
  std::stable_sort(passes.begin(), passes.end(),
                   [](const Pass& a, const Pass& b) { return a.peak < b.peak; });
  std::vector<std::vector<Offset>> starts = {result->offsets};
  std::vector<std::string> methods = {result->method};
  for (Pass& pass : passes) {
    if (pass.offsets == result->offsets) continue;
    starts.push_back(std::move(pass.offsets));
    methods.push_back(pass.method);
  }
  std::vector<Offset> offsets;
  int from = 0;
  if (internal::ImproveFromStarts(buffers, options.alignment, target, limits, starts, &offsets,
                                  &from) == 0 ||
      !ValidatePacking(buffers, offsets, /*capacity=*/0, options.alignment).ok()) {
    return;
  }
  const int64_t peak = PeakOf(buffers, offsets);
  if (peak < result->peak) {
    result->offsets = std::move(offsets);
    result->peak = peak;
    result->method = methods[from];  // The packing the winning run started from.
    if (result->method.find("+improve") == std::string::npos) result->method += "+improve";
  }
}

}  // namespace

int64_t PeakLiveLoad(const std::vector<PackBuffer>& buffers) {
  std::vector<std::pair<int64_t, int64_t>> events;  // (time, delta); frees sort first.
  for (const PackBuffer& b : buffers) {
    events.emplace_back(b.lower, b.size);
    events.emplace_back(b.upper, -b.size);
  }
  std::sort(events.begin(), events.end());
  int64_t live = 0, peak = 0;
  for (const auto& [time, delta] : events) {
    live += delta;
    peak = std::max(peak, live);
  }
  return peak;
}

absl::Status ValidatePacking(const std::vector<PackBuffer>& buffers,
                             const std::vector<Offset>& offsets, int64_t capacity,
                             int64_t alignment) {
  if (offsets.size() != buffers.size()) {
    return absl::InternalError(
        absl::StrCat("packing has ", offsets.size(), " offsets for ", buffers.size(), " buffers"));
  }
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (offsets[i] < 0 || offsets[i] % alignment != 0) {
      return absl::InternalError(absl::StrCat("buffer ", i, ": offset ", offsets[i],
                                              " is not a non-negative multiple of ", alignment));
    }
    if (capacity > 0 && offsets[i] + buffers[i].size > capacity) {
      return absl::InternalError(absl::StrCat("buffer ", i, ": top ", offsets[i] + buffers[i].size,
                                              " exceeds capacity ", capacity));
    }
  }
  // Sweep in time: each buffer is checked against the buffers still live when it starts.
  std::vector<int> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return buffers[a].lower < buffers[b].lower; });
  std::vector<int> live;
  for (int i : order) {
    live.erase(std::remove_if(live.begin(), live.end(),
                              [&](int j) { return buffers[j].upper <= buffers[i].lower; }),
               live.end());
    for (int j : live) {
      if (offsets[i] < offsets[j] + buffers[j].size && offsets[j] < offsets[i] + buffers[i].size) {
        return absl::InternalError(absl::StrCat("buffers ", std::min(i, j), " and ", std::max(i, j),
                                                " overlap in time and in bytes"));
      }
    }
    live.push_back(i);
  }
  return absl::OkStatus();
}

std::optional<std::vector<Offset>> BestFitPack(const std::vector<PackBuffer>& buffers,
                                               int64_t capacity, int64_t alignment,
                                               BestFitOrder order) {
  const std::vector<int64_t> points = TimePoints(buffers);
  auto index = [&](int64_t t) {
    return std::lower_bound(points.begin(), points.end(), t) - points.begin();
  };
  int64_t room = capacity;
  if (room == 0) {
    for (const PackBuffer& b : buffers) room += (b.size + alignment - 1) / alignment * alignment;
  }
  absl::StatusOr<Occupancy> heap =
      Occupancy::Create(room, alignment, std::max<int64_t>(1, points.size()));
  if (!heap.ok()) return std::nullopt;
  std::vector<int> ids(buffers.size());
  std::iota(ids.begin(), ids.end(), 0);
  std::vector<int> busiest;
  if (order == BestFitOrder::kPeak) busiest = BusiestRanks(buffers, points);
  auto key = [&](int i) {
    const PackBuffer& b = buffers[i];
    const int64_t length = b.upper - b.lower;
    switch (order) {
      case BestFitOrder::kSize:
        return std::make_tuple(-b.size, -length, int64_t{0}, i);
      case BestFitOrder::kLength:
        return std::make_tuple(-length, -b.size, int64_t{0}, i);
      case BestFitOrder::kArea:
        return std::make_tuple(-b.size * length, -b.size, int64_t{0}, i);
      case BestFitOrder::kStart:
        return std::make_tuple(b.lower, -b.size, int64_t{0}, i);
      case BestFitOrder::kPeak:
        return std::make_tuple(int64_t{busiest[i]}, b.lower, -b.upper, i);
    }
    return std::make_tuple(int64_t{0}, int64_t{0}, int64_t{0}, i);
  };
  std::sort(ids.begin(), ids.end(), [&](int a, int b) { return key(a) < key(b); });
  std::vector<Offset> offsets(buffers.size(), 0);
  for (int i : ids) {
    const Time start = index(buffers[i].lower), end = index(buffers[i].upper) - 1;
    std::optional<Offset> offset = heap->BestFit(buffers[i].size, start, end);
    if (!offset) return std::nullopt;
    if (!heap->Commit(Chunk{*offset, buffers[i].size, start, end}).ok()) return std::nullopt;
    offsets[i] = *offset;
  }
  return offsets;
}

absl::StatusOr<PackResult> Pack(const std::vector<PackBuffer>& buffers,
                                const PackOptions& options) {
  RETURN_IF_ERROR(CheckInput(buffers, options));
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::max(0.0, options.time_limit_seconds)));
  PackResult result;
  result.lower_bound = PeakLiveLoad(buffers);
  if (buffers.empty()) {
    result.status = PackStatus::kPacked;
    result.optimal = true;
    result.method = "empty";
    return result;
  }
  if (options.capacity > 0 && result.lower_bound > options.capacity) {
    result.status = PackStatus::kInfeasible;
    result.method = "peak-live-load";
    return result;
  }
  // Best-fit passes: the first fit wins under a capacity, the lowest peak without one.
  const bool searchable = options.exact_search && SpanPairs(buffers) <= kMaxSearchSpans;
  std::vector<BestFitOrder> orders(std::begin(kOrders), std::end(kOrders));
  // A trace too long for the search, without a capacity: the peak-order pass first, then
  // length and size order only when it is not close. On S_1 it peaks at 1.0027x in 1 s, where
  // the other four orders take 6 s to reach 1.025x at best; on generated training traces
  // (tight at several busy times) it peaks at 1.04-1.07x, and length or size order is the
  // best of the five (area and start order never were; 2.3 s a pass on 20k buffers here).
  const bool peak_first = options.capacity == 0 && options.exact_search && !searchable;
  if (peak_first) orders = {BestFitOrder::kPeak, BestFitOrder::kLength, BestFitOrder::kSize};
  std::vector<Pass> passes;  // Without a capacity: every pass, starts for LowerPeak.
  for (BestFitOrder order : orders) {
    std::optional<std::vector<Offset>> offsets =
        BestFitPack(buffers, options.capacity, options.alignment, order);
    if (!offsets || !ValidatePacking(buffers, *offsets, options.capacity, options.alignment).ok()) {
      continue;
    }
    const int64_t peak = PeakOf(buffers, *offsets);
    if (options.capacity == 0) {
      passes.push_back({peak, *offsets, absl::StrCat("best-fit/", OrderName(order))});
    }
    if (result.offsets.empty() || peak < result.peak) {
      result.offsets = std::move(*offsets);
      result.peak = peak;
      result.method = absl::StrCat("best-fit/", OrderName(order));
    }
    if (options.capacity > 0) break;
    if (SecondsLeft(deadline) <= 0) break;  // Long traces: one pass may be all there is time for.
    if (result.peak <= PeakTarget(result.lower_bound, options.peak_tolerance)) break;
    if (peak_first && result.peak <= PeakTarget(result.lower_bound, kPeakOrderCloseEnough)) break;
  }
  if (options.capacity == 0) {
    result.status = PackStatus::kPacked;
    if (searchable) MinimisePeak(buffers, options, deadline, &result);
    if (options.exact_search) LowerPeak(buffers, options, deadline, std::move(passes), &result);
    result.optimal = result.peak <= result.lower_bound;
    return result;
  }
  if (!result.offsets.empty()) {
    result.status = PackStatus::kPacked;
    return result;
  }
  if (!searchable) return result;  // kUnknown.
  internal::SearchLimits limits;
  limits.deadline = deadline;
  limits.cancel = options.cancel;
  internal::SearchOutcome outcome =
      internal::SearchPacking(buffers, options.capacity, options.alignment, limits);
  result.search_nodes = outcome.nodes;
  result.status = outcome.status;
  if (outcome.status == PackStatus::kPacked) {
    RETURN_IF_ERROR(ValidatePacking(buffers, outcome.offsets, options.capacity, options.alignment));
    result.offsets = std::move(outcome.offsets);
    result.peak = PeakOf(buffers, result.offsets);
    result.method = "search";
  } else if (outcome.status == PackStatus::kInfeasible) {
    result.method = "search";
  }
  return result;
}

}  // namespace mmap_opt::heap
