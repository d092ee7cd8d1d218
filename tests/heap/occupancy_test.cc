// Occupancy: hand-worked gaps, best fit, alignment and undo, then random operations checked
// against a bitmap over time x bytes.
#include "mmap_opt/heap/occupancy.h"

#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mmap_opt::heap {
namespace {

using ::testing::ElementsAre;

}  // namespace
void PrintTo(const Gap& g, std::ostream* os) { *os << "[" << g.offset << "+" << g.size << "]"; }
namespace {

Occupancy Make(int64_t capacity, int64_t alignment, Time horizon) {
  absl::StatusOr<Occupancy> occupancy = Occupancy::Create(capacity, alignment, horizon);
  EXPECT_TRUE(occupancy.ok()) << occupancy.status();
  return *std::move(occupancy);
}

TEST(OccupancyTest, RejectsBadParameters) {
  EXPECT_FALSE(Occupancy::Create(-1, 1, 10).ok());
  EXPECT_FALSE(Occupancy::Create(100, 0, 10).ok());
  EXPECT_FALSE(Occupancy::Create(100, 1, 0).ok());
}

TEST(OccupancyTest, GapsSplitAndMerge) {
  // Capacity 100, times 0..9. A = [10,30) x [0,4], B = [50,60) x [3,8].
  Occupancy heap = Make(100, 1, 10);
  ASSERT_TRUE(heap.Commit({.offset = 10, .size = 20, .start = 0, .end = 4}).ok());
  ASSERT_TRUE(heap.Commit({.offset = 50, .size = 10, .start = 3, .end = 8}).ok());
  // Over [0,2] only A: free [0,10) and [30,100).
  EXPECT_THAT(heap.FreeGaps(0, 2), ElementsAre(Gap{0, 10}, Gap{30, 70}));
  // Over [2,5] both: [0,10), [30,50), [60,100).
  EXPECT_THAT(heap.FreeGaps(2, 5), ElementsAre(Gap{0, 10}, Gap{30, 20}, Gap{60, 40}));
  // At 9 nothing: one gap, the whole memory (the gaps merged again).
  EXPECT_THAT(heap.FreeGaps(9, 9), ElementsAre(Gap{0, 100}));
  // Invalid intervals have no gaps.
  EXPECT_TRUE(heap.FreeGaps(5, 4).empty());
  EXPECT_TRUE(heap.FreeGaps(0, 10).empty());
  // Used bytes: at 3 both (20 + 10 = 30), at 0 only A (20), max over [5,9] only B (10).
  EXPECT_EQ(heap.UsedAt(3), 30);
  EXPECT_EQ(heap.UsedAt(0), 20);
  EXPECT_EQ(heap.MaxUsed(5, 9), 10);
  EXPECT_EQ(heap.MaxUsed(0, 9), 30);
}

TEST(OccupancyTest, BestFitPicksSmallestInteriorGapThenTop) {
  // Interior gaps over [0,0]: [0,10) size 10, [30,36) size 6, [40,48) size 8; top gap [60,100).
  Occupancy heap = Make(100, 1, 1);
  ASSERT_TRUE(heap.Commit({.offset = 10, .size = 20, .start = 0, .end = 0}).ok());
  ASSERT_TRUE(heap.Commit({.offset = 36, .size = 4, .start = 0, .end = 0}).ok());
  ASSERT_TRUE(heap.Commit({.offset = 48, .size = 12, .start = 0, .end = 0}).ok());
  EXPECT_EQ(heap.BestFit(5, 0, 0), 30);   // Gaps 10, 6, 8 fit: the smallest is 6 at 30.
  EXPECT_EQ(heap.BestFit(7, 0, 0), 40);   // 10 and 8 fit: 8 at 40.
  EXPECT_EQ(heap.BestFit(10, 0, 0), 0);   // Only the 10 at 0.
  EXPECT_EQ(heap.BestFit(11, 0, 0), 60);  // No interior gap: the top at 60 (60 + 11 <= 100).
  EXPECT_EQ(heap.BestFit(40, 0, 0), 60);  // 60 + 40 = 100 fits exactly.
  EXPECT_EQ(heap.BestFit(41, 0, 0), std::nullopt);
  // K best: interior by size (6@30, 8@40, 10@0) then the top (60).
  EXPECT_THAT(heap.BestFits(5, 0, 0, 8), ElementsAre(30, 40, 0, 60));
  EXPECT_THAT(heap.BestFits(5, 0, 0, 2), ElementsAre(30, 40));
  EXPECT_THAT(heap.BestFits(9, 0, 0, 4), ElementsAre(0, 60));
}

TEST(OccupancyTest, BestFitTiesGoToTheLowestOffset) {
  // Two interior gaps of 5 bytes: [0,5) and [10,15); a size-5 chunk takes offset 0.
  Occupancy heap = Make(40, 1, 1);
  ASSERT_TRUE(heap.Commit({.offset = 5, .size = 5, .start = 0, .end = 0}).ok());
  ASSERT_TRUE(heap.Commit({.offset = 15, .size = 5, .start = 0, .end = 0}).ok());
  EXPECT_EQ(heap.BestFit(5, 0, 0), 0);
  EXPECT_THAT(heap.BestFits(5, 0, 0, 3), ElementsAre(0, 10, 20));
}

TEST(OccupancyTest, AlignmentRoundsGapStartsUp) {
  // Alignment 8: a chunk [0,10) leaves the next gap starting at 16, not 10.
  Occupancy heap = Make(64, 8, 4);
  EXPECT_FALSE(heap.Commit({.offset = 4, .size = 8, .start = 0, .end = 0}).ok());  // Unaligned.
  ASSERT_TRUE(heap.Commit({.offset = 0, .size = 10, .start = 0, .end = 3}).ok());
  ASSERT_TRUE(heap.Commit({.offset = 32, .size = 8, .start = 1, .end = 1}).ok());
  // Over [1,1]: [16,32) and [40,64).
  EXPECT_THAT(heap.FreeGaps(1, 1), ElementsAre(Gap{16, 16}, Gap{40, 24}));
  EXPECT_EQ(heap.BestFit(16, 1, 1), 16);
  EXPECT_EQ(heap.BestFit(17, 1, 1), 40);                                      // 40 + 17 = 57 <= 64.
  EXPECT_EQ(heap.BestFit(25, 1, 1), std::nullopt);                            // 40 + 25 = 65 > 64.
  EXPECT_FALSE(heap.IsFree({.offset = 8, .size = 8, .start = 0, .end = 0}));  // Hits [0,10).
  EXPECT_TRUE(heap.IsFree({.offset = 16, .size = 48, .start = 0, .end = 0}));
}

TEST(OccupancyTest, CommitRejectsOverlapAndOverruns) {
  Occupancy heap = Make(32, 1, 4);
  ASSERT_TRUE(heap.Commit({.offset = 0, .size = 16, .start = 1, .end = 2}).ok());
  EXPECT_FALSE(heap.Commit({.offset = 15, .size = 2, .start = 2, .end = 3}).ok());   // Overlap.
  EXPECT_TRUE(heap.Commit({.offset = 15, .size = 2, .start = 3, .end = 3}).ok());    // Later.
  EXPECT_FALSE(heap.Commit({.offset = 20, .size = 13, .start = 0, .end = 0}).ok());  // 33 > 32.
  EXPECT_FALSE(heap.Commit({.offset = 0, .size = 0, .start = 0, .end = 0}).ok());
  EXPECT_FALSE(heap.Commit({.offset = 0, .size = 1, .start = 0, .end = 4}).ok());  // Horizon.
  EXPECT_EQ(heap.num_chunks(), 2);
}

TEST(OccupancyTest, UndoRemoveAndRollBack) {
  Occupancy heap = Make(100, 1, 10);
  absl::StatusOr<ChunkHandle> a = heap.Commit({.offset = 0, .size = 40, .start = 0, .end = 9});
  ASSERT_TRUE(a.ok());
  const Marker marker = heap.Mark();
  absl::StatusOr<ChunkHandle> b = heap.Commit({.offset = 40, .size = 30, .start = 2, .end = 5});
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(heap.Remove(*a).ok());
  EXPECT_FALSE(heap.Remove(*a).ok());  // Already removed.
  // Now only B: at 3, gaps [0,40) and [70,100).
  EXPECT_THAT(heap.FreeGaps(3, 3), ElementsAre(Gap{0, 40}, Gap{70, 30}));
  ASSERT_TRUE(heap.Undo());  // Brings A back.
  EXPECT_TRUE(heap.is_committed(*a));
  EXPECT_THAT(heap.FreeGaps(3, 3), ElementsAre(Gap{70, 30}));
  EXPECT_EQ(heap.UsedAt(3), 70);
  heap.RollBack(marker);  // Drops B.
  EXPECT_FALSE(heap.is_committed(*b));
  EXPECT_THAT(heap.FreeGaps(3, 3), ElementsAre(Gap{40, 60}));
  EXPECT_EQ(heap.num_chunks(), 1);
  EXPECT_EQ(heap.UsedAt(3), 40);
  ASSERT_TRUE(heap.Undo());  // Drops A: empty.
  EXPECT_FALSE(heap.Undo());
  EXPECT_THAT(heap.FreeGaps(0, 9), ElementsAre(Gap{0, 100}));
  EXPECT_EQ(heap.MaxUsed(0, 9), 0);
}

// A bitmap of time x bytes: the obviously right answer on tiny instances.
class Bitmap {
 public:
  Bitmap(int64_t capacity, int64_t alignment, Time horizon)
      : capacity_(capacity),
        alignment_(alignment),
        horizon_(horizon),
        used_(capacity * horizon, false) {}
  bool Free(const Chunk& c) const {
    if (c.offset % alignment_ != 0 || c.offset < 0 || c.top() > capacity_) return false;
    for (Time t = c.start; t <= c.end; ++t) {
      for (Offset o = c.offset; o < c.top(); ++o) {
        if (used_[t * capacity_ + o]) return false;
      }
    }
    return true;
  }
  void Set(const Chunk& c, bool value) {
    for (Time t = c.start; t <= c.end; ++t) {
      for (Offset o = c.offset; o < c.top(); ++o) used_[t * capacity_ + o] = value;
    }
  }
  bool ByteFree(Offset o, Time s, Time e) const {
    for (Time t = s; t <= e; ++t) {
      if (used_[t * capacity_ + o]) return false;
    }
    return true;
  }
  int64_t UsedAt(Time t) const {
    int64_t used = 0;
    for (Offset o = 0; o < capacity_; ++o) used += used_[t * capacity_ + o];
    return used;
  }
  // Gaps as defined by the API: maximal runs of bytes free over [s,e], starts aligned up, and
  // a run must start after the last taken byte before it.
  std::vector<Gap> Gaps(Time s, Time e) const {
    std::vector<Gap> gaps;
    Offset o = 0;
    while (o < capacity_) {
      if (!ByteFree(o, s, e)) {
        ++o;
        continue;
      }
      Offset run_end = o;
      while (run_end < capacity_ && ByteFree(run_end, s, e)) ++run_end;
      Offset aligned = (o + alignment_ - 1) / alignment_ * alignment_;
      if (aligned < run_end) gaps.push_back(Gap{aligned, run_end - aligned});
      o = run_end;
    }
    return gaps;
  }

 private:
  int64_t capacity_, alignment_;
  Time horizon_;
  std::vector<bool> used_;
};

TEST(OccupancyTest, RandomOperationsMatchABitmap) {
  for (int64_t alignment : {1, 4}) {
    std::mt19937 rng(1234 + alignment);
    const int64_t capacity = 48;
    const Time horizon = 12;
    Occupancy heap = Make(capacity, alignment, horizon);
    Bitmap bitmap(capacity, alignment, horizon);
    std::vector<Marker> markers;
    auto uniform = [&](int64_t lo, int64_t hi) {
      return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    for (int step = 0; step < 3000; ++step) {
      const Time s = uniform(0, horizon - 1), e = uniform(s, horizon - 1);
      const int64_t size = uniform(1, 16);
      // The gaps agree with the bitmap, and every fitting candidate is free there.
      ASSERT_EQ(heap.FreeGaps(s, e), bitmap.Gaps(s, e)) << "step " << step;
      std::vector<Offset> candidates = heap.BestFits(size, s, e, 4);
      for (Offset o : candidates) {
        ASSERT_TRUE(bitmap.Free({o, size, s, e})) << "step " << step << " offset " << o;
      }
      // Best fit is the first candidate; nothing fits iff no free aligned offset exists above
      // the highest overlapping chunk or in an interior gap (so: no gap of `size` at all).
      bool any_gap = false;
      for (const Gap& g : bitmap.Gaps(s, e)) any_gap |= g.size >= size;
      ASSERT_EQ(!candidates.empty(), any_gap) << "step " << step;
      if (!candidates.empty()) ASSERT_EQ(heap.BestFit(size, s, e), candidates[0]);
      const Time t = uniform(0, horizon - 1);
      ASSERT_EQ(heap.UsedAt(t), bitmap.UsedAt(t));

      const int action = static_cast<int>(uniform(0, 9));
      const Chunk chunk{uniform(0, capacity / alignment - 1) * alignment, size, s, e};
      if (action < 5) {
        ASSERT_EQ(heap.IsFree(chunk), bitmap.Free(chunk)) << "step " << step;
        if (heap.Commit(chunk).ok()) bitmap.Set(chunk, true);
      } else if (action < 6 && !candidates.empty()) {
        Chunk fit{candidates.back(), size, s, e};
        ASSERT_TRUE(heap.Commit(fit).ok());
        bitmap.Set(fit, true);
      } else if (action < 7) {
        markers.push_back(heap.Mark());
      } else if (action < 8 && !markers.empty()) {
        // Roll back: rebuild the bitmap from the chunks still committed.
        heap.RollBack(markers.back());
        markers.pop_back();
        bitmap = Bitmap(capacity, alignment, horizon);
        for (ChunkHandle h = 0; h < 4096; ++h) {
          if (heap.is_committed(h)) bitmap.Set(heap.chunk(h), true);
        }
      } else if (heap.num_chunks() > 0) {
        // Remove a random committed chunk.
        std::vector<ChunkHandle> live;
        for (ChunkHandle h = 0; h < 4096; ++h) {
          if (heap.is_committed(h)) live.push_back(h);
        }
        ChunkHandle h = live[uniform(0, static_cast<int64_t>(live.size()) - 1)];
        bitmap.Set(heap.chunk(h), false);
        ASSERT_TRUE(heap.Remove(h).ok());
      }
    }
  }
}

}  // namespace
}  // namespace mmap_opt::heap
