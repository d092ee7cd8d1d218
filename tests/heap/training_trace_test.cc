// Generated training traces (io/gen_trace.h): the known packing is valid and meets the peak
// live load, which is reached at the cut time; same seed, same trace; and the packer's
// improvement phase reaches that bound on small ones within a fixed round budget.
#include <algorithm>
#include <chrono>
#include <vector>

#include "gtest/gtest.h"
#include "heap/improve.h"
#include "mmap_opt/heap/packer.h"
#include "mmap_opt/io/gen_trace.h"

namespace mmap_opt::heap {
namespace {

std::vector<PackBuffer> BuffersOf(const GeneratedTrace& trace) {
  std::vector<PackBuffer> buffers;
  for (const CsvBuffer& row : trace.rows) buffers.push_back({row.lower, row.upper, row.size});
  return buffers;
}

std::vector<Offset> KnownOffsets(const GeneratedTrace& trace) {
  std::vector<Offset> offsets;
  for (const CsvBuffer& row : trace.rows) offsets.push_back(row.offset.value_or(-1));
  return offsets;
}

int64_t PeakOf(const std::vector<PackBuffer>& buffers, const std::vector<Offset>& offsets) {
  int64_t peak = 0;
  for (size_t i = 0; i < buffers.size(); ++i) peak = std::max(peak, offsets[i] + buffers[i].size);
  return peak;
}

// The best-fit passes' packings in `orders`, lowest peak first (ties: in `orders`' order), as
// Pack hands them to the improvement.
std::vector<std::vector<Offset>> PassStarts(const std::vector<PackBuffer>& buffers,
                                            const std::vector<BestFitOrder>& orders) {
  std::vector<std::vector<Offset>> starts;
  for (BestFitOrder order : orders) {
    std::optional<std::vector<Offset>> offsets = BestFitPack(buffers, 0, 1, order);
    EXPECT_TRUE(offsets.has_value());
    if (offsets) starts.push_back(*offsets);
  }
  std::stable_sort(starts.begin(), starts.end(), [&](const auto& a, const auto& b) {
    return PeakOf(buffers, a) < PeakOf(buffers, b);
  });
  return starts;
}

// ImproveFromStarts on a budget of kImproveRounds rounds (not time: the same result on
// every machine); returns the rounds tried.
constexpr int64_t kImproveRounds = 20000;
int64_t ImproveOnBudget(const std::vector<PackBuffer>& buffers, int64_t target,
                        const std::vector<std::vector<Offset>>& starts,
                        std::vector<Offset>* offsets, int* from) {
  internal::ImproveLimits limits;
  limits.deadline = internal::Clock::now() + std::chrono::hours(1);  // Rounds bind first.
  limits.max_rounds = kImproveRounds;
  return internal::ImproveFromStarts(buffers, 1, target, limits, starts, offsets, from);
}

GeneratedTrace Generate(int64_t buffers, uint64_t seed, int64_t extra_cuts = 8) {
  TraceOptions options;
  options.extra_cuts = extra_cuts;
  options.buffers = buffers;
  options.seed = seed;
  absl::StatusOr<GeneratedTrace> trace = GenerateTrainingTrace(options);
  EXPECT_TRUE(trace.ok()) << trace.status();
  return trace.ok() ? *trace : GeneratedTrace{};
}

TEST(TrainingTraceTest, KnownPackingMeetsThePeakLiveLoad) {
  for (int64_t n : {30, 300, 3000}) {  // 30: one layer.
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      SCOPED_TRACE(testing::Message() << n << " buffers, seed " << seed);
      const GeneratedTrace trace = Generate(n, seed);
      const std::vector<PackBuffer> buffers = BuffersOf(trace);
      ASSERT_FALSE(buffers.empty());
      // The known packing peaks at `peak` and is valid under it as a capacity...
      const std::vector<Offset> offsets = KnownOffsets(trace);
      EXPECT_TRUE(ValidatePacking(buffers, offsets, trace.peak, 1).ok());
      int64_t top = 0;
      for (size_t i = 0; i < buffers.size(); ++i) top = std::max(top, offsets[i] + buffers[i].size);
      EXPECT_EQ(top, trace.peak);
      // ...which is the peak live load, all of it live at the cut time: no packing does better.
      EXPECT_EQ(PeakLiveLoad(buffers), trace.peak);
      int64_t live_at_cut = 0, end = 0;
      for (const PackBuffer& b : buffers) {
        if (b.lower <= trace.cut_time && trace.cut_time < b.upper) live_at_cut += b.size;
        end = std::max(end, b.upper);
      }
      EXPECT_EQ(live_at_cut, trace.peak);
      // The shape: a few buffers live for the whole program, sizes within [1, max_size], ids
      // in start order, and about the asked count (within 10% from a few thousand).
      int64_t whole = 0;
      for (size_t i = 0; i < buffers.size(); ++i) {
        whole += buffers[i].lower == 0 && buffers[i].upper == end;
        EXPECT_GE(buffers[i].size, 1);
        EXPECT_LE(buffers[i].size, TraceOptions().max_size);
        EXPECT_EQ(trace.rows[i].id, "b" + std::to_string(i));
        if (i > 0) EXPECT_LE(buffers[i - 1].lower, buffers[i].lower);
      }
      EXPECT_GE(whole, 1);
      EXPECT_LE(whole, 6 + trace.fillers);  // The weights, and fillers free all along.
      EXPECT_GT(trace.fillers, 0);
      if (n >= 3000) {
        EXPECT_NEAR(static_cast<double>(buffers.size()), static_cast<double>(n), 0.1 * n);
      } else if (n >= 300) {
        EXPECT_NEAR(static_cast<double>(buffers.size()), static_cast<double>(n), 0.5 * n);
      }
    }
  }
}

TEST(TrainingTraceTest, SameSeedSameTraceAnotherSeedAnother) {
  const GeneratedTrace a = Generate(500, 7), b = Generate(500, 7), c = Generate(500, 8);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].lower, b.rows[i].lower);
    EXPECT_EQ(a.rows[i].upper, b.rows[i].upper);
    EXPECT_EQ(a.rows[i].size, b.rows[i].size);
    EXPECT_EQ(a.rows[i].offset, b.rows[i].offset);
  }
  EXPECT_NE(a.peak, c.peak);
}

TEST(TrainingTraceTest, RejectsBadOptions) {
  TraceOptions options;
  options.buffers = 0;
  EXPECT_EQ(GenerateTrainingTrace(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.buffers = 100;
  options.max_size = 1023;
  EXPECT_EQ(GenerateTrainingTrace(options).status().code(), absl::StatusCode::kInvalidArgument);
}

// The packer's phases on a budget of rounds instead of time, as Pack runs them without a
// capacity: the five best-fit passes, then ImproveFromStarts from their packings (best first)
// down to the bound. About 60 buffers, tight at 3 times: none of the passes reaches the bound
// on these seeds, and the improvement does in 75 to 1,478 rounds.
TEST(TrainingTraceTest, ImprovementReachesTheBoundOnSmallTraces) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    const GeneratedTrace trace = Generate(60, seed, /*extra_cuts=*/2);
    const std::vector<PackBuffer> buffers = BuffersOf(trace);
    const std::vector<std::vector<Offset>> starts =
        PassStarts(buffers, {BestFitOrder::kSize, BestFitOrder::kPeak, BestFitOrder::kArea,
                             BestFitOrder::kLength, BestFitOrder::kStart});
    ASSERT_EQ(starts.size(), 5u);
    const int64_t best_start_peak = PeakOf(buffers, starts[0]);
    EXPECT_GT(best_start_peak, trace.peak);  // Not vacuous: the improvement has work to do.
    std::vector<Offset> best;
    const int64_t rounds = ImproveOnBudget(buffers, trace.peak, starts, &best, nullptr);
    EXPECT_LE(rounds, kImproveRounds);
    EXPECT_TRUE(ValidatePacking(buffers, best, trace.peak, 1).ok())
        << "best fit peaked at " << best_start_peak << ", bound " << trace.peak << ", " << rounds
        << " rounds";
  }
}

// ImproveFromStarts from the three passes Pack runs on long traces, on traces tight at 9
// times (K = 8): the result is valid, never below the bound nor above the best start, and
// names the start its run began from.
TEST(TrainingTraceTest, ImprovementFromSeveralStartsReachesTheBound) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    const GeneratedTrace trace = Generate(60, seed, /*extra_cuts=*/8);
    const std::vector<PackBuffer> buffers = BuffersOf(trace);
    const std::vector<std::vector<Offset>> starts =
        PassStarts(buffers, {BestFitOrder::kPeak, BestFitOrder::kLength, BestFitOrder::kSize});
    ASSERT_EQ(starts.size(), 3u);
    const int64_t best_start_peak = PeakOf(buffers, starts[0]);
    std::vector<Offset> offsets;
    int from = -1;
    const int64_t rounds = ImproveOnBudget(buffers, trace.peak, starts, &offsets, &from);
    const int64_t peak = PeakOf(buffers, offsets);
    EXPECT_LE(rounds, kImproveRounds);
    EXPECT_TRUE(ValidatePacking(buffers, offsets, 0, 1).ok());
    EXPECT_GE(peak, trace.peak);  // Never below the bound...
    EXPECT_LE(peak, best_start_peak);  // ...nor above the best start.
    EXPECT_GE(from, 0);
    EXPECT_LT(from, 3);
    // Seed 1 reaches the bound in 3,943 rounds, in a run from the second-best pass (runs from
    // the best one alone end 0.0002% above it after 20,000); seeds 2 and 3 end 0.0002% and
    // 0.3% above it.
    if (seed == 1) {
      EXPECT_EQ(peak, trace.peak);
      EXPECT_EQ(from, 1);
    }
  }
}

}  // namespace
}  // namespace mmap_opt::heap
