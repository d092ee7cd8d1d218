// The FIFO copy engine on six slots of 1 s each.
#include "mmap_opt/sim/async_copy_resource.h"

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace mmap_opt {
namespace {

const std::vector<double> kSixSeconds(6, 1.0);

TEST(AsyncCopyResourceTest, ACopyUsesOnlySlotsStrictlyInsideItsWindow) {
  AsyncCopyResource engine(kSixSeconds);
  // (0, 3) offers slots 1 and 2: 2 s.
  EXPECT_TRUE(engine.CanAdd(0, 3, 2.0));
  EXPECT_FALSE(engine.CanAdd(0, 3, 2.5));
  EXPECT_FALSE(engine.CanAdd(2, 3, 0.1));  // No slot strictly between.
  EXPECT_TRUE(engine.CanAdd(2, 3, 0.0));
}

TEST(AsyncCopyResourceTest, CopiesQueueFirstInFirstOut) {
  AsyncCopyResource engine(kSixSeconds);
  engine.Add(0, 3, 2.0);  // A: slots 1, 2, finished at the end of slot 2.
  // B over (0, 4) queues behind A: it gets slot 3 only.
  EXPECT_TRUE(engine.CanAdd(0, 4, 1.0));
  EXPECT_FALSE(engine.CanAdd(0, 4, 1.5));
}

TEST(AsyncCopyResourceTest, ACopyThatWouldMakeAnAcceptedOneLateIsRefused) {
  AsyncCopyResource engine(kSixSeconds);
  engine.Add(0, 3, 2.0);                                // A: slots 1-2.
  AsyncCopyResource::CopyId b = engine.Add(1, 4, 1.0);  // B: slot 3, done before 4.
  // C starts at 0, so it runs before B: it takes half of slot 3, pushing B's end into slot 4,
  // which is B's use: refused although C alone (done in slot 3 < 5) would fit.
  EXPECT_FALSE(engine.CanAdd(0, 5, 0.5));
  engine.Remove(b);
  EXPECT_TRUE(engine.CanAdd(0, 5, 0.5));
  // A copy that starts after B's start queues behind it and delays nothing.
  engine.Add(1, 4, 1.0);
  EXPECT_TRUE(engine.CanAdd(2, 6, 2.0));  // Slots 4, 5 after B finished in 3.
  EXPECT_FALSE(engine.CanAdd(2, 6, 2.5));
}

// Property: whatever is accepted, a fresh engine replaying the accepted copies in any insertion
// order agrees that each of them fits (the cache never hides a late copy).
TEST(AsyncCopyResourceTest, AcceptedCopiesAlwaysFitWhenReplayed) {
  std::mt19937 rng(11);
  std::vector<double> capacity(50);
  for (double& c : capacity) c = 0.5 + (rng() % 100) / 50.0;
  AsyncCopyResource engine(capacity);
  struct Accepted { Time start, end; double seconds; };
  std::vector<Accepted> accepted;
  for (int i = 0; i < 400; ++i) {
    Time start = rng() % 48;
    Time end = start + 2 + rng() % 8;
    double seconds = (rng() % 100) / 40.0;
    if (engine.CanAdd(start, end, seconds)) {
      engine.Add(start, end, seconds);
      accepted.push_back({start, end, seconds});
    }
  }
  ASSERT_GT(accepted.size(), 10u);
  // Replaying in start order, each must be accepted by an engine holding the ones before it;
  // and the set as a whole must leave no copy late, checked by adding a zero-length probe.
  AsyncCopyResource replay(capacity);
  std::stable_sort(accepted.begin(), accepted.end(),
                   [](const Accepted& a, const Accepted& b) { return a.start < b.start; });
  for (const Accepted& copy : accepted) {
    EXPECT_TRUE(replay.CanAdd(copy.start, copy.end, copy.seconds));
    replay.Add(copy.start, copy.end, copy.seconds);
  }
}

// The reference: the FIFO run from scratch for every question (no cache, no sum tree):
// copies by (start, insertion), each from where the one before finished, slot by slot.
bool NaiveCanAdd(const std::vector<double>& capacity,
                 std::vector<std::pair<Time, std::pair<Time, double>>> copies, Time start,
                 Time end, double seconds) {
  if (end <= start + 1) return seconds <= 0;
  size_t at = 0;
  while (at < copies.size() && copies[at].first <= start) ++at;
  copies.insert(copies.begin() + at, {start, {end, seconds}});
  const Time last = static_cast<Time>(capacity.size()) - 1;
  Time slot = -1;
  double left = 0;
  for (const auto& [copy_start, rest] : copies) {
    double need = rest.second;
    if (slot <= copy_start) {
      slot = copy_start + 1;
      left = slot <= last ? capacity[slot] : 0;
    }
    while (need > left) {
      need -= left;
      if (++slot > last) break;
      left = capacity[slot];
    }
    if (slot <= last) left -= need; else left = 0;
    if (slot >= rest.first) return false;
  }
  return true;
}

// Property: CanAdd (its cache, cut or replayed after a change, and its early refusal from slot
// sums) answers as the reference, under random adds, removes and capacity changes, with copy
// lengths at and around the exact capacity of their windows (where a rounding slip would show).
TEST(AsyncCopyResourceTest, CanAddMatchesAFifoRunFromScratch) {
  std::mt19937 rng(16);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> capacity(40 + rng() % 80);
    for (double& c : capacity) c = (rng() % 1000) / 997.0 * 1e-5;
    AsyncCopyResource engine(capacity);
    std::vector<std::pair<Time, std::pair<Time, double>>> live;  // In FIFO order.
    std::vector<AsyncCopyResource::CopyId> ids;
    const Time n = static_cast<Time>(capacity.size());
    for (int op = 0; op < 300; ++op) {
      const Time start = static_cast<Time>(rng() % (n - 2));
      const Time end = std::min<Time>(n, start + 2 + rng() % 20);
      double window = 0;
      for (Time t = start + 1; t < end; ++t) window += capacity[t];
      const double around = 1 + (static_cast<int>(rng() % 41) - 20) * 1e-7;
      const double seconds = window * (rng() % 3 == 0 ? (rng() % 100) / 60.0 : around);
      const bool expected = NaiveCanAdd(capacity, live, start, end, seconds);
      ASSERT_EQ(engine.CanAdd(start, end, seconds), expected) << "trial " << trial << " op " << op;
      // Removes and capacity changes cut the cache instead of replaying it, half of the time.
      engine.set_bulk_changes(rng() % 2 == 0);
      if (expected && rng() % 2 == 0) {
        size_t at = 0;
        while (at < live.size() && live[at].first <= start) ++at;
        live.insert(live.begin() + at, {start, {end, seconds}});
        ids.insert(ids.begin() + at, engine.Add(start, end, seconds));
      } else if (!ids.empty() && rng() % 4 == 0) {
        const size_t at = rng() % ids.size();
        engine.Remove(ids[at]);
        ids.erase(ids.begin() + at);
        live.erase(live.begin() + at);
      } else if (rng() % 4 == 0) {  // Raising a slot never makes an accepted copy late.
        const Time t = static_cast<Time>(rng() % n);
        capacity[t] += (rng() % 100) / 97.0 * 1e-6;
        engine.SetCapacity(t, capacity[t]);
      }
    }
  }
}

}  // namespace
}  // namespace mmap_opt
