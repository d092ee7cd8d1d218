// Pack: hand-worked instances, instances feasible or infeasible by construction, exhaustive
// comparison on tiny instances, and two MiniMalloc challenging files when ../shared is there.
// The complete search (heap/search.h) is also tested alone, without the best-fit passes that
// answer most small instances before it.
#include "mmap_opt/heap/packer.h"

#include <chrono>
#include <functional>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "heap/improve.h"
#include "heap/search.h"
#include "mmap_opt/io/csv.h"
#include "mmap_opt/io/proto_io.h"
#include "test_util.h"

namespace mmap_opt::heap {
namespace {

PackResult PackOrDie(const std::vector<PackBuffer>& buffers, int64_t capacity,
                     int64_t alignment = 1, double seconds = 20) {
  PackOptions options;
  options.capacity = capacity;
  options.alignment = alignment;
  options.time_limit_seconds = seconds;
  absl::StatusOr<PackResult> result = Pack(buffers, options);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return PackResult{};
  if (result->status == PackStatus::kPacked) {
    EXPECT_TRUE(ValidatePacking(buffers, result->offsets, capacity, alignment).ok());
  }
  return *result;
}

TEST(PackerTest, PeakLiveLoad) {
  // [0,4) 4 + [1,5) 3 + [4,8) 5: live at 1..3: 7, at 4: 3 + 5 = 8 (the first one ended).
  EXPECT_EQ(PeakLiveLoad({{0, 4, 4}, {1, 5, 3}, {4, 8, 5}}), 8);
}

TEST(PackerTest, ValidatorFindsEachKindOfError) {
  const std::vector<PackBuffer> buffers = {{0, 2, 4}, {1, 3, 4}};
  EXPECT_TRUE(ValidatePacking(buffers, {0, 4}, 8, 4).ok());
  EXPECT_FALSE(ValidatePacking(buffers, {0, 3}, 8, 1).ok());   // Bytes 3 overlap during [1,2).
  EXPECT_FALSE(ValidatePacking(buffers, {0, 4}, 7, 1).ok());   // Top 8 > 7.
  EXPECT_FALSE(ValidatePacking(buffers, {0, 6}, 16, 4).ok());  // 6 is not a multiple of 4.
  EXPECT_FALSE(ValidatePacking(buffers, {0}, 8, 1).ok());      // One offset missing.
  EXPECT_TRUE(ValidatePacking({{0, 2, 4}, {2, 3, 4}}, {0, 0}, 4, 1).ok());  // [0,2), [2,3).
}

TEST(PackerTest, RejectsMalformedInput) {
  PackOptions options;
  EXPECT_FALSE(Pack({{3, 3, 1}}, options).ok());   // Empty range.
  EXPECT_FALSE(Pack({{0, 3, 0}}, options).ok());   // Zero size.
  EXPECT_FALSE(Pack({{-1, 3, 1}}, options).ok());  // Negative time.
  options.alignment = 0;
  EXPECT_FALSE(Pack({{0, 3, 1}}, options).ok());
}

TEST(PackerTest, LiveLoadOverCapacityIsInfeasible) {
  // Three buffers live at time 1: 5 + 5 + 5 = 15 > 14.
  PackResult result = PackOrDie({{0, 2, 5}, {1, 3, 5}, {1, 2, 5}}, 14);
  EXPECT_EQ(result.status, PackStatus::kInfeasible);
  EXPECT_EQ(result.lower_bound, 15);
}

TEST(PackerTest, AlignmentMakesATightInstanceInfeasible) {
  // Two overlapping 3-byte buffers: live load 6, but with alignment 4 the second starts at 4,
  // so the peak is 4 + 3 = 7: capacity 7 packs, capacity 6 needs the search to refute it.
  const std::vector<PackBuffer> buffers = {{0, 2, 3}, {1, 3, 3}};
  PackResult fits = PackOrDie(buffers, 7, 4);
  ASSERT_EQ(fits.status, PackStatus::kPacked);
  EXPECT_EQ(fits.peak, 7);
  EXPECT_EQ(PackOrDie(buffers, 6, 4).status, PackStatus::kInfeasible);
}

TEST(PackerTest, TightInstanceWithTwoFixedTopBytes) {
  // Capacity 4: A [0,2) 1, B [1,3) 2, C [2,4) 1, D [0,1) 3, E [3,4) 3.
  // Live loads: t0 A + D = 4, t1 A + B = 3, t2 B + C = 3, t3 C + E = 4: peak 4 = capacity.
  // A shares t0 with D and C shares t3 with E, and B (live at t1 and t2) needs 2 contiguous
  // bytes beside both: one packing is D 0, A 3, B 0, C 3, E 0 (peak exactly 4).
  const std::vector<PackBuffer> buffers = {{0, 2, 1}, {1, 3, 2}, {2, 4, 1}, {0, 1, 3}, {3, 4, 3}};
  PackResult result = PackOrDie(buffers, 4);
  ASSERT_EQ(result.status, PackStatus::kPacked);
  EXPECT_EQ(result.peak, 4);
  // With B 3 bytes: t1 A + B = 4 puts A and B in disjoint bytes; t0 D (3 bytes) + A means A is
  // at 0 or 3, and B's 3 bytes then fill the rest; likewise C at t2/t3. A on byte 3 and C on
  // byte 0 (or the reverse) would leave B no 3 contiguous bytes, so A and C share a side:
  // feasible with A = C = 3, B = 0, D = E = 0.
  std::vector<PackBuffer> wider = buffers;
  wider[1].size = 3;
  EXPECT_EQ(PackOrDie(wider, 4).status, PackStatus::kPacked);
  // And with E [3,4) moved to t2 ([2,3)) it collides with B + C there: 3 + 3 + 1 = 7 > 4.
  wider[4] = {2, 3, 3};
  EXPECT_EQ(PackOrDie(wider, 4).status, PackStatus::kInfeasible);
}

// All offset vectors in [0, capacity - size], aligned: the ground truth on tiny instances.
bool FeasibleByEnumeration(const std::vector<PackBuffer>& buffers, int64_t capacity,
                           int64_t alignment) {
  std::vector<Offset> offsets(buffers.size(), 0);
  std::function<bool(size_t)> place = [&](size_t i) {
    if (i == buffers.size()) return true;
    for (Offset o = 0; o + buffers[i].size <= capacity; o += alignment) {
      bool clash = false;
      for (size_t j = 0; j < i && !clash; ++j) {
        clash = buffers[i].lower < buffers[j].upper && buffers[j].lower < buffers[i].upper &&
                o < offsets[j] + buffers[j].size && offsets[j] < o + buffers[i].size;
      }
      if (clash) continue;
      offsets[i] = o;
      if (place(i + 1)) return true;
    }
    return false;
  };
  return place(0);
}

TEST(PackerTest, AgreesWithEnumerationOnTinyInstances) {
  std::mt19937 rng(7);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int feasible = 0, infeasible = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int64_t alignment = trial % 4 == 0 ? 2 : 1;
    std::vector<PackBuffer> buffers(uniform(2, 6));
    for (PackBuffer& b : buffers) {
      b.lower = uniform(0, 5);
      b.upper = uniform(b.lower + 1, 7);
      b.size = uniform(1, 4);
    }
    const int64_t capacity = uniform(3, 8);
    const bool truth = FeasibleByEnumeration(buffers, capacity, alignment);
    PackResult result = PackOrDie(buffers, capacity, alignment);
    ASSERT_NE(result.status, PackStatus::kUnknown) << "trial " << trial;
    ASSERT_EQ(result.status == PackStatus::kPacked, truth) << "trial " << trial;
    (truth ? feasible : infeasible)++;
  }
  // The generator must exercise both answers.
  EXPECT_GT(feasible, 50);
  EXPECT_GT(infeasible, 50);
}

// Cuts the rectangle [0, capacity) x [0, horizon) into pieces with random guillotine cuts:
// the pieces pack into exactly `capacity` (the rectangle itself is a packing with no waste).
void Cut(int64_t lo, int64_t hi, int64_t start, int64_t end, int depth, std::mt19937* rng,
         std::vector<PackBuffer>* pieces) {
  auto uniform = [&](int64_t a, int64_t b) {
    return std::uniform_int_distribution<int64_t>(a, b)(*rng);
  };
  const bool can_cut_bytes = hi - lo >= 2, can_cut_time = end - start >= 2;
  if (depth == 0 || (!can_cut_bytes && !can_cut_time)) {
    pieces->push_back(PackBuffer{start, end, hi - lo});
    return;
  }
  if (can_cut_bytes && (!can_cut_time || uniform(0, 1) == 0)) {
    const int64_t mid = uniform(lo + 1, hi - 1);
    Cut(lo, mid, start, end, depth - 1, rng, pieces);
    Cut(mid, hi, start, end, depth - 1, rng, pieces);
  } else {
    const int64_t mid = uniform(start + 1, end - 1);
    Cut(lo, hi, start, mid, depth - 1, rng, pieces);
    Cut(lo, hi, mid, end, depth - 1, rng, pieces);
  }
}

TEST(PackerTest, CutRectanglesPackAtExactlyTheirCapacity) {
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<PackBuffer> pieces;
    const int64_t capacity = 1000 + trial;
    Cut(0, capacity, 0, 64, 5, &rng, &pieces);
    std::shuffle(pieces.begin(), pieces.end(), rng);
    PackResult result = PackOrDie(pieces, capacity);
    // Feasible by construction: "infeasible" would be a wrong proof.
    ASSERT_NE(result.status, PackStatus::kInfeasible) << "trial " << trial;
    EXPECT_EQ(result.status, PackStatus::kPacked) << "trial " << trial << ": " << pieces.size();
    // One byte less is infeasible by live load: the rectangle has no waste at any time.
    EXPECT_EQ(PackOrDie(pieces, capacity - 1).status, PackStatus::kInfeasible);
  }
}

TEST(PackerTest, MinimisesThePeakWithoutCapacity) {
  // Live loads: [0,2): 4 + 3 = 7, [2,4): 3 + 2 = 5, [4,6): 6. Peak live load 7, reached.
  PackResult result = PackOrDie({{0, 2, 4}, {0, 4, 3}, {2, 4, 2}, {4, 6, 6}}, 0);
  ASSERT_EQ(result.status, PackStatus::kPacked);
  EXPECT_EQ(result.peak, 7);
  EXPECT_EQ(result.lower_bound, 7);
  EXPECT_TRUE(result.optimal);
}

TEST(PackerTest, BestFitPackHonoursCapacity) {
  const std::vector<PackBuffer> buffers = {{0, 2, 4}, {1, 3, 4}};
  EXPECT_FALSE(BestFitPack(buffers, 7, 1, BestFitOrder::kSize).has_value());
  std::optional<std::vector<Offset>> offsets = BestFitPack(buffers, 8, 1, BestFitOrder::kSize);
  ASSERT_TRUE(offsets.has_value());
  EXPECT_TRUE(ValidatePacking(buffers, *offsets, 8, 1).ok());
}

TEST(PackerTest, PeakOrderStacksTheBusiestTimeFirst) {
  // Buffers 0: [3,4) x2, 1: [4,8) x1, 2: [1,3) x3, 3: [3,7) x2, 4: [2,6) x2. Live loads per
  // section: [1,2) 3, [2,3) 3 + 2 = 5, [3,4) 2 + 2 + 2 = 6, [4,6) 1 + 2 + 2 = 5, [6,7) 3,
  // [7,8) 1: bound 6. Busiest time ranks: [3,4) 0, [2,3) 1, [4,6) 2, so buffers 0, 3, 4 have
  // rank 0, buffer 2 rank 1, buffer 1 rank 2.
  const std::vector<PackBuffer> buffers = {{3, 4, 2}, {4, 8, 1}, {1, 3, 3}, {3, 7, 2}, {2, 6, 2}};
  ASSERT_EQ(PeakLiveLoad(buffers), 6);
  // Peak order 4, 3, 0 (rank 0 by lower asc, upper desc), 2, 1: 4 at 0, 3 on it at 2, 0 on
  // them at 4 (top 6); 2 over [1,3) meets only 4 (top 2) and goes at 2; 1 over [4,8) meets
  // 4 and 3 (tops 2, 4) and goes at 4. Peak 6: optimal.
  std::optional<std::vector<Offset>> offsets = BestFitPack(buffers, 0, 1, BestFitOrder::kPeak);
  ASSERT_TRUE(offsets.has_value());
  EXPECT_EQ(*offsets, (std::vector<Offset>{4, 4, 2, 2, 0}));
  // Size order 2, 3, 4, 0, 1 leaves a 1-byte hole: 2 at 0 (top 3), 3 at 0 (top 2), 4 over
  // both at 3, 0 over [3,4) sees 3 [0,2) and 4 [3,5), the gap [2,3) is too small: 0 at 5,
  // peak 7 (1 fits that gap, at 2).
  offsets = BestFitPack(buffers, 0, 1, BestFitOrder::kSize);
  ASSERT_TRUE(offsets.has_value());
  EXPECT_EQ(*offsets, (std::vector<Offset>{5, 2, 0, 0, 3}));
}

TEST(PackerImproveTest, RuinAndRecreateReachesTheOptimum) {
  // A [0,10) x1 on top of B [0,5) x1 (at 0) and C [5,10) x1 (at 1): peak 3, live load 2.
  // Taking out A (the buffer at the peak) and C and putting them back lowers A to 1 or 0
  // and C next to it; rounds that take out A alone fail (no free byte below 3 all along
  // [0,10)) and are rolled back.
  const std::vector<PackBuffer> buffers = {{0, 10, 1}, {0, 5, 1}, {5, 10, 1}};
  std::vector<Offset> offsets = {2, 0, 1};
  ASSERT_TRUE(ValidatePacking(buffers, offsets, 0, 1).ok());
  internal::ImproveLimits limits;
  limits.deadline = internal::Clock::now() + std::chrono::seconds(20);
  limits.max_rounds = 1000;
  const internal::ImproveOutcome outcome = internal::ImprovePeak(buffers, 1, 2, limits, &offsets);
  EXPECT_TRUE(ValidatePacking(buffers, offsets, 2, 1).ok());
  EXPECT_GE(outcome.accepted, 1);
  EXPECT_LE(outcome.rounds, 1000);
}

TEST(PackerImproveTest, ImprovesThePeakOrderPassToTheOptimum) {
  // 0: [0,4) x1, 1: [1,5) x1, 2: [4,6) x3, 3: [2,3) x2, 4: [1,5) x1. Live loads: [1,2) 3,
  // [2,3) 1 + 1 + 1 + 2 = 5, [3,4) 3, [4,5) 1 + 1 + 3 = 5: bound 5. Peak order 0, 1, 4, 3
  // (busiest time [2,3)), then 2: 0, 1, 4 stacked at 0, 1, 2, 3 on them at 3; 2 over [4,6)
  // meets 1 [1,2) and 4 [2,3), the hole [0,1) is too small: at 3, peak 6. Offsets
  // {0, 3, 0, 1, 4} reach 5 (2 under 1 and 4 once 0 has ended), so 5 is the optimum.
  const std::vector<PackBuffer> buffers = {{0, 4, 1}, {1, 5, 1}, {4, 6, 3}, {2, 3, 2}, {1, 5, 1}};
  ASSERT_TRUE(ValidatePacking(buffers, {0, 3, 0, 1, 4}, 5, 1).ok());
  std::optional<std::vector<Offset>> offsets = BestFitPack(buffers, 0, 1, BestFitOrder::kPeak);
  ASSERT_TRUE(offsets.has_value());
  EXPECT_EQ(*offsets, (std::vector<Offset>{0, 1, 3, 3, 2}));
  internal::ImproveLimits limits;
  limits.deadline = internal::Clock::now() + std::chrono::seconds(20);
  limits.max_rounds = 1000;
  const internal::ImproveOutcome outcome =
      internal::ImprovePeak(buffers, 1, /*target=*/5, limits, &*offsets);
  EXPECT_GE(outcome.accepted, 1);
  EXPECT_TRUE(ValidatePacking(buffers, *offsets, 5, 1).ok());
}

TEST(PackerImproveTest, NeverRaisesThePeakAndKeepsThePackingValid) {
  // Cut rectangles, sizes rounded up to multiples of 4, from a start-order best fit (which
  // leaves holes); with alignment 4 the offsets must stay multiples of 4.
  std::mt19937 rng(99);
  int64_t accepted = 0;
  for (int trial = 0; trial < 10; ++trial) {
    std::vector<PackBuffer> pieces;
    Cut(0, 400, 0, 64, 6, &rng, &pieces);
    for (PackBuffer& b : pieces) b.size = (b.size + 3) / 4 * 4;
    std::optional<std::vector<Offset>> offsets =
        BestFitPack(pieces, 0, 4, BestFitOrder::kStart);
    ASSERT_TRUE(offsets.has_value());
    int64_t before = 0;
    for (size_t i = 0; i < pieces.size(); ++i) before = std::max(before, (*offsets)[i] + pieces[i].size);
    internal::ImproveLimits limits;
    limits.deadline = internal::Clock::now() + std::chrono::seconds(20);
    limits.max_rounds = 300;
    limits.seed = trial + 1;
    accepted += internal::ImprovePeak(pieces, 4, PeakLiveLoad(pieces), limits, &*offsets).accepted;
    ASSERT_TRUE(ValidatePacking(pieces, *offsets, before, 4).ok()) << "trial " << trial;
  }
  EXPECT_GT(accepted, 0);  // Not vacuous: some rounds did move buffers.
}

internal::SearchOutcome SearchOnly(const std::vector<PackBuffer>& buffers, int64_t capacity,
                                   int64_t alignment = 1) {
  internal::SearchLimits limits;
  limits.deadline = internal::Clock::now() + std::chrono::seconds(20);
  internal::SearchOutcome outcome = internal::SearchPacking(buffers, capacity, alignment, limits);
  if (outcome.status == PackStatus::kPacked) {
    EXPECT_TRUE(ValidatePacking(buffers, outcome.offsets, capacity, alignment).ok());
  }
  return outcome;
}

TEST(PackerSearchTest, AgreesWithEnumerationOnTinyInstances) {
  // Tighter than the Pack test above (sizes up to half the capacity, several buffers with one
  // life, gaps in time that split the instance), and the search alone decides.
  std::mt19937 rng(11);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int feasible = 0, infeasible = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const int64_t alignment = trial % 5 == 0 ? 2 : 1;
    const int64_t capacity = uniform(4, 8);
    std::vector<PackBuffer> buffers(uniform(3, 7));
    for (size_t i = 0; i < buffers.size(); ++i) {
      PackBuffer& b = buffers[i];
      if (i > 0 && uniform(0, 3) == 0) {
        b = buffers[i - 1];  // A twin.
        continue;
      }
      b.lower = uniform(0, 6);
      b.upper = uniform(b.lower + 1, std::min<int64_t>(8, b.lower + 4));
      b.size = uniform(1, capacity / 2 + 1);
    }
    const bool truth = FeasibleByEnumeration(buffers, capacity, alignment);
    const internal::SearchOutcome outcome = SearchOnly(buffers, capacity, alignment);
    ASSERT_NE(outcome.status, PackStatus::kUnknown) << "trial " << trial;
    ASSERT_EQ(outcome.status == PackStatus::kPacked, truth) << "trial " << trial;
    (truth ? feasible : infeasible)++;
  }
  EXPECT_GT(feasible, 300);
  EXPECT_GT(infeasible, 300);
}

TEST(PackerSearchTest, CutRectanglesPackAndAnExtraByteDoesNot) {
  std::mt19937 rng(99);
  int pieces_total = 0;
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<PackBuffer> pieces;
    const int64_t capacity = 4096 + 4 * trial;
    Cut(0, capacity, 0, 200, 7, &rng, &pieces);
    std::shuffle(pieces.begin(), pieces.end(), rng);
    pieces_total += pieces.size();
    // Feasible by construction: the search alone must find a packing (never "infeasible").
    const internal::SearchOutcome outcome = SearchOnly(pieces, capacity);
    ASSERT_EQ(outcome.status, PackStatus::kPacked) << "trial " << trial << ": " << pieces.size();
    // One byte more on any piece: the rectangle is full at every time, so the times of that
    // piece carry capacity + 1 bytes.
    std::vector<PackBuffer> grown = pieces;
    grown[trial % grown.size()].size += 1;
    EXPECT_EQ(SearchOnly(grown, capacity).status, PackStatus::kInfeasible) << "trial " << trial;
  }
  EXPECT_GT(pieces_total, 30 * 40);  // Depth-7 cuts: up to 128 pieces, usually over 40.
}

TEST(PackerSearchTest, AlignmentRefutesWhatLiveLoadAllows) {
  // A rectangle cut in units of 4 bytes, then one piece of 4m bytes split into 4m - 2 and 2
  // bytes over the same life. The live load is unchanged (the capacity), and with alignment 2
  // the two halves pack where the piece was. With alignment 4 each buffer owns whole aligned
  // 4-byte blocks (no other buffer can start inside one), so the halves need m + 1 blocks
  // where the piece had m: at its times the blocks needed exceed the capacity's by one.
  // The search's byte bound does not see this; it must refute by search.
  std::mt19937 rng(5);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<PackBuffer> units;
    const int64_t capacity_units = 64 + trial;
    Cut(0, capacity_units, 0, 40, 4, &rng, &units);
    std::vector<PackBuffer> pieces;
    for (const PackBuffer& u : units) pieces.push_back({u.lower, u.upper, 4 * u.size});
    const size_t split = trial % pieces.size();
    const PackBuffer whole = pieces[split];
    pieces[split].size = whole.size - 2;
    pieces.push_back({whole.lower, whole.upper, 2});
    std::shuffle(pieces.begin(), pieces.end(), rng);
    const int64_t capacity = 4 * capacity_units;
    ASSERT_EQ(PeakLiveLoad(pieces), capacity);
    EXPECT_EQ(SearchOnly(pieces, capacity, 2).status, PackStatus::kPacked) << "trial " << trial;
    EXPECT_EQ(SearchOnly(pieces, capacity, 4).status, PackStatus::kInfeasible)
        << "trial " << trial << ": " << pieces.size() << " pieces";
  }
}

std::vector<PackBuffer> ReadBuffers(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  EXPECT_TRUE(text.ok()) << text.status();
  absl::StatusOr<std::vector<CsvBuffer>> rows = ParseCsv(path, text.ok() ? *text : "");
  EXPECT_TRUE(rows.ok()) << rows.status();
  std::vector<PackBuffer> buffers;
  if (rows.ok()) {
    for (const CsvBuffer& row : *rows) buffers.push_back({row.lower, row.upper, row.size});
  }
  return buffers;
}

// The two challenging files that take milliseconds here; the rest are in tools/pack_bench.sh.
TEST(PackerTest, SolvesFastMiniMallocChallengingFiles) {
  for (const char* name : {"F.1048576.csv", "J.1048576.csv"}) {
    MMAP_OPT_SKIP_WITHOUT_SHARED_DATA(path, std::string("minimalloc/challenging/") + name);
    PackResult result = PackOrDie(ReadBuffers(path), 1048576, 1, 30);
    EXPECT_EQ(result.status, PackStatus::kPacked) << name;
  }
}

}  // namespace
}  // namespace mmap_opt::heap
