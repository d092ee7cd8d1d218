// The queries the MallocGame's candidates use (issue 16): SortedOverlapping, with or without the
// offset index, and best fits among its result, against the plain queries, over random commits,
// removes, undos and rollbacks (with an index limit small enough to be dropped and rebuilt);
// and MaxUsed's usage tree built late against one kept all along.
#include <algorithm>
#include <random>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "mmap_opt/heap/occupancy.h"

namespace mmap_opt::heap {
namespace {

// Chunks by (offset, start, end): equal offsets may come in any order.
std::vector<std::tuple<Offset, Time, Time, int64_t>> Key(const std::vector<Chunk>& chunks) {
  std::vector<std::tuple<Offset, Time, Time, int64_t>> key;
  for (const Chunk& c : chunks) key.emplace_back(c.offset, c.start, c.end, c.size);
  return key;
}

TEST(OffsetIndexTest, CandidateQueriesMatchThePlainOnes) {
  std::mt19937 rng(16);
  for (int trial = 0; trial < 20; ++trial) {
    const Time horizon = 5 + rng() % 60;
    const int64_t capacity = 64 * (4 + rng() % 40);
    Occupancy plain = *Occupancy::Create(capacity, 64, horizon);
    Occupancy indexed = *Occupancy::Create(capacity, 64, horizon);
    indexed.KeepOffsetIndex(trial % 2 == 0 ? 1000 : 12);  // 12: dropped and rebuilt often.
    std::vector<Marker> marks;
    std::vector<ChunkHandle> handles;
    for (int op = 0; op < 400; ++op) {
      const int what = rng() % 10;
      if (what < 6) {
        const Time start = rng() % horizon;
        const Chunk chunk{static_cast<Offset>(64 * (rng() % (capacity / 64))),
                          static_cast<int64_t>(64 * (1 + rng() % 6)), start,
                          start + static_cast<Time>(rng() % (horizon - start))};
        absl::StatusOr<ChunkHandle> a = plain.Commit(chunk);
        absl::StatusOr<ChunkHandle> b = indexed.Commit(chunk);
        ASSERT_EQ(a.ok(), b.ok());
        if (a.ok()) handles.push_back(*a);
      } else if (what == 6 && !handles.empty()) {
        const ChunkHandle h = handles[rng() % handles.size()];
        EXPECT_EQ(plain.Remove(h).ok(), indexed.Remove(h).ok());
      } else if (what == 7) {
        marks.push_back(plain.Mark());
        EXPECT_EQ(plain.Mark().position, indexed.Mark().position);
      } else if (what == 8 && !marks.empty()) {
        plain.RollBack(marks.back());
        indexed.RollBack(marks.back());
        marks.pop_back();
      } else {
        EXPECT_EQ(plain.Undo(), indexed.Undo());
      }
      // A query interval and sub-intervals of it, as ComputeCandidates asks.
      const Time lo = rng() % horizon;
      const Time hi = lo + rng() % (horizon - lo);
      std::vector<Chunk> from_tree, from_index;
      plain.SortedOverlapping(lo, hi, &from_tree);
      indexed.SortedOverlapping(lo, hi, &from_index);
      EXPECT_TRUE(std::is_sorted(from_index.begin(), from_index.end(),
                                 [](const Chunk& a, const Chunk& b) { return a.offset < b.offset; }));
      auto tree_key = Key(from_tree), index_key = Key(from_index);
      std::sort(tree_key.begin(), tree_key.end());
      std::sort(index_key.begin(), index_key.end());
      ASSERT_EQ(tree_key, index_key) << "trial " << trial << " op " << op;
      // The usage tree, built on the first MaxUsed: from the first op on for one heap, from op
      // 200 on for the other (built then from the live chunks, kept since).
      const int64_t used = plain.MaxUsed(lo, hi);
      if (op >= 200) EXPECT_EQ(indexed.MaxUsed(lo, hi), used) << "trial " << trial << " op " << op;
      for (int q = 0; q < 4; ++q) {
        const Time s = lo + rng() % (hi - lo + 1);
        const Time e = s + rng() % (hi - s + 1);
        const int64_t size = 64 * (1 + rng() % 8);
        const int k = 1 + rng() % 4;
        std::vector<Offset> expected, got;
        plain.BestFits(size, s, e, k, &expected);
        indexed.BestFitsAmong(from_index, size, s, e, k, &got);
        EXPECT_EQ(expected, got) << "trial " << trial << " op " << op;
        EXPECT_EQ(plain.BestFit(size, s, e), indexed.BestFitAmong(from_index, size, s, e));
      }
    }
  }
}

}  // namespace
}  // namespace mmap_opt::heap
