// The prefetch-interval rule on schedules of unit-time instructions, so every elapsed sum is a
// count of instructions.
#include "mmap_opt/sim/prefetch_interval_picker.h"

#include <algorithm>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mmap_opt {
namespace {

using ::testing::ElementsAre;

// Ten instructions of 1 s each; copies move 1 B/s; fast memory 100 B, so the "too long" window
// is 100 B / (1 B/s) x 10 = 1000 s: never reached here.
PrefetchIntervalPicker TenUnitSteps() {
  static const std::vector<double> kElapsed(10, 1.0);
  return PrefetchIntervalPicker(kElapsed, /*copy_bandwidth=*/1.0, /*fast_capacity=*/100);
}

TEST(PrefetchIntervalPickerTest, ElapsedCountsOnlyInstructionsStrictlyBetween) {
  PrefetchIntervalPicker picker = TenUnitSteps();
  EXPECT_DOUBLE_EQ(picker.ElapsedBetween(2, 5), 2);  // t = 3, 4.
  EXPECT_DOUBLE_EQ(picker.ElapsedBetween(2, 3), 0);
  EXPECT_DOUBLE_EQ(picker.ElapsedBetween(5, 2), 0);
  EXPECT_DOUBLE_EQ(picker.CopyTime(3), 3);
  EXPECT_DOUBLE_EQ(picker.max_copy_window(), 1000);
}

TEST(PrefetchIntervalPickerTest, LatestStartLeavesTheMinimumOverlap) {
  PrefetchIntervalPicker picker = TenUnitSteps();
  // 2 B take 2 s; the copy must overlap 0.8 x 2 = 1.6 s: E(t, 9) = 8 - t >= 1.6 -> t <= 6.
  EXPECT_EQ(picker.LatestPrefetchStart(2, 0, 9), 6);
  // If the use gets 1.6 s faster from the operand being fast, no overlap is needed: the last
  // start with E(t, 9) >= 0 is t = 8.
  EXPECT_EQ(picker.LatestPrefetchStart(2, 0, 9, /*use_speedup=*/1.6), 8);
  // 20 B need 16 s of overlap; only 8 s exist before t = 9.
  EXPECT_FALSE(picker.LatestPrefetchStart(20, 0, 9).has_value());
  EXPECT_TRUE(picker.PrefetchStartCandidates(20, 0, 9).empty());
}

TEST(PrefetchIntervalPickerTest, CandidatesStayInTheComputationOfTheUse) {
  // The same ten steps, t = 3..6 a loop body flattened in (computation 1), the rest the entry.
  // A copy started after instruction t is issued at boundary t + 1: for the use at t = 9 (the
  // entry) the starts 2..5 (issued inside the body) go, the order of the others stays.
  static const std::vector<double> kElapsed(10, 1.0);
  static const std::vector<int32_t> kComputation = {0, 0, 0, 1, 1, 1, 1, 0, 0, 0};
  PrefetchIntervalPicker picker(kElapsed, 1.0, 100, {}, kComputation);
  EXPECT_THAT(picker.PrefetchStartCandidates(2, 0, 9), ElementsAre(6, 1, 0));
  EXPECT_THAT(picker.PrefetchStartCandidates(2, 0, 9, 1.6), ElementsAre(6, 7, 8, 1, 0));
  // For a use at t = 6 inside the body the candidates are 2 (preferred: E(2, 6) = 3), 3 (the
  // latest: E(t, 6) = 5 - t >= 1.6), 1, 0; only 2 and 3 issue in the body.
  EXPECT_THAT(picker.PrefetchStartCandidates(2, 0, 6), ElementsAre(2, 3));
  // All zeros is one computation: the unconstrained candidates.
  static const std::vector<int32_t> kOne(10, 0);
  PrefetchIntervalPicker one(kElapsed, 1.0, 100, {}, kOne);
  EXPECT_THAT(one.PrefetchStartCandidates(2, 0, 9), ElementsAre(5, 6, 4, 3, 2, 1, 0));
}

TEST(PrefetchIntervalPickerTest, CandidatesStartAtThePreferredOverlapAndAlternate) {
  PrefetchIntervalPicker picker = TenUnitSteps();
  // Preferred overlap 1.5 x 2 s = 3 s: E(5, 9) = 3 -> start 5. Then later (6, the latest) and
  // earlier alternately; once later runs out, earlier ones down to `earliest`.
  EXPECT_THAT(picker.PrefetchStartCandidates(2, 0, 9), ElementsAre(5, 6, 4, 3, 2, 1, 0));
  EXPECT_THAT(picker.PrefetchStartCandidates(2, 3, 9), ElementsAre(5, 6, 4, 3));
  EXPECT_THAT(picker.PrefetchStartCandidates(2, 0, 9, 1.6), ElementsAre(5, 6, 4, 7, 3, 8, 2, 1, 0));
}

// The earlier starts once the later side runs out come from a binary search (issue 16): on
// random instruction times (zeros included) they are those of the walk down one start at a
// time, run here from the preferred start, the latest and `first` the picker returned.
TEST(PrefetchIntervalPickerTest, EarlierStartsAreThoseOfTheWalkDown) {
  std::mt19937 rng(16);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> elapsed(50 + rng() % 400);
    for (double& e : elapsed) e = rng() % 4 == 0 ? 0.0 : (rng() % 1000) / 313.0;
    const Time n = static_cast<Time>(elapsed.size());
    PrefetchIntervalPicker picker(elapsed, /*copy_bandwidth=*/1.0, /*fast_capacity=*/200);
    const Time use = 2 + static_cast<Time>(rng() % (n - 2));
    const Time earliest = static_cast<Time>(rng() % use) - 1;
    const std::vector<Time> got = picker.PrefetchStartCandidates(1 + rng() % 40, earliest, use);
    if (got.empty()) continue;
    const Time first = *std::min_element(got.begin(), got.end());
    const Time latest = *std::max_element(got.begin(), got.end());
    std::vector<Time> walk{got[0]};
    Time up = got[0] + 1, down = got[0] - 1;
    const double step = picker.ElapsedBetween(first, use) / 100;
    double last_down_elapsed = picker.ElapsedBetween(got[0], use);
    while (up <= latest || down >= first) {
      if (up <= latest) walk.push_back(up++);
      for (; down >= first; --down) {
        const double e = picker.ElapsedBetween(down, use);
        if (up <= latest || e - last_down_elapsed >= step || down == first) {
          walk.push_back(down--);
          last_down_elapsed = e;
          break;
        }
      }
    }
    EXPECT_EQ(got, walk) << "trial " << trial;
  }
}

TEST(PrefetchIntervalPickerTest, PreferredEvictionEnd) {
  PrefetchIntervalPicker picker = TenUnitSteps();
  // Needs 1.5 x 2 s = 3 s after start 0: E(0, t) = t - 1 >= 3 -> t = 4.
  EXPECT_EQ(picker.PreferredEvictionEnd(2, 0, 9), 4);
  // On retry 1 it wants (1 + 2) x 3 = 9 s, more than there is before 9: capped at 9.
  EXPECT_EQ(picker.PreferredEvictionEnd(2, 0, 9, /*retry=*/1), 9);
}

TEST(PrefetchIntervalPickerTest, LiveRangeTooLongForNoCopy) {
  // Fast memory of 1 B: the window is 1 s x 10 = 10 s.
  std::vector<double> elapsed(20, 1.0);
  PrefetchIntervalPicker picker(elapsed, 1.0, 1);
  EXPECT_TRUE(picker.CanKeepWithoutCopy(0, 10));   // E = 9 s < 10 s.
  EXPECT_FALSE(picker.CanKeepWithoutCopy(0, 11));  // E = 10 s.
}

// The instruction-count picker (XLA's InstructionCountPrefetchIntervalPicker) on twenty
// instructions of very different times: it looks only at counts. min 2, max 5.
PrefetchIntervalPicker CountingPicker() {
  std::vector<double> elapsed(20, 1.0);
  elapsed[7] = 1000;  // A slow instruction the cost picker would weigh; counting ignores it.
  PrefetchIntervalOptions options;
  options.kind = PrefetchIntervalOptions::Kind::kInstructionCount;
  options.min_overlap_count = 2;
  options.max_overlap_count = 5;
  return PrefetchIntervalPicker(elapsed, /*copy_bandwidth=*/1.0, /*fast_capacity=*/1, options);
}

TEST(PrefetchIntervalPickerTest, InstructionCountNoCopyUpToMaxInstructions) {
  PrefetchIntervalPicker picker = CountingPicker();
  EXPECT_TRUE(picker.CanKeepWithoutCopy(3, 8));   // 8 - 3 = 5 <= 5, the slow t7 between.
  EXPECT_FALSE(picker.CanKeepWithoutCopy(3, 9));  // 6 > 5.
}

TEST(PrefetchIntervalPickerTest, InstructionCountCandidatesRunEarliestFirst) {
  PrefetchIntervalPicker picker = CountingPicker();
  // Use at 12: starts t with 12 - t <= 5 (t >= 7) and 12 - t > 2 (t <= 9), earliest first,
  // whatever the bytes (a copy of 1000 B would take 1000 s here).
  EXPECT_THAT(picker.PrefetchStartCandidates(1000, 0, 12), ElementsAre(7, 8, 9));
  EXPECT_EQ(picker.LatestPrefetchStart(1000, 0, 12), 9);
  // Data available only from t = 8 on.
  EXPECT_THAT(picker.PrefetchStartCandidates(4, 8, 12), ElementsAre(8, 9));
  // Too close to the use: 12 - 10 = 2 overlapped instructions are not more than 2.
  EXPECT_TRUE(picker.PrefetchStartCandidates(4, 10, 12).empty());
  EXPECT_FALSE(picker.LatestPrefetchStart(4, 10, 12).has_value());
}

TEST(PrefetchIntervalPickerTest, InstructionCountEvictionEndsMinInstructionsLater) {
  PrefetchIntervalPicker picker = CountingPicker();
  EXPECT_EQ(picker.PreferredEvictionEnd(1000, 4, 15), 6);               // 4 + 2.
  EXPECT_EQ(picker.PreferredEvictionEnd(1000, 4, 5), 5);                // Capped at the latest end.
  EXPECT_EQ(picker.PreferredEvictionEnd(1000, 4, 15, /*retry=*/2), 6);  // Retries change nothing.
}

}  // namespace
}  // namespace mmap_opt
