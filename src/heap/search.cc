// Complete search for a packing under a capacity.
//
// Canonical placements: take, among all packings, one with the smallest sum of offsets. In it
// every buffer rests on a buffer it overlaps in time (or on 0), so listing its buffers by
// (offset, rank) and placing them in that order puts each one exactly at the highest top
// below it: its "floor". The search enumerates such sequences: at each node it picks the next
// buffer, placed at its floor, and everything later goes at or above that offset (the level).
// Pruning, each sound for that minimal packing:
// - level: a buffer whose floor is below the level is blocked (in the minimal packing it
//   rests on something placed later); at an equal offset, ranks increase;
// - section bound: in each time section, the lowest offset any unplaced buffer there can take
//   plus the unplaced bytes there must fit the capacity;
// - dominance: never place b at o while another unplaced c would fit entirely below o at its
//   own floor (moving c down there would give a packing with a smaller offset sum);
// - identical buffers (same life and size) go in rank order (swapping them changes nothing);
// - independent parts: times no unplaced buffer spans split the instance into pieces searched
//   one after the other, optionally re-ranked by their own loads (MiniMalloc's SubSolve);
// - nogoods: states proved to have no completion are remembered by fingerprint, so the many
//   placement sequences that reach the same state (and every restart) skip them.
#include "search.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>
#include <tuple>

namespace mmap_opt::heap::internal {
namespace {

constexpr Offset kNever = std::numeric_limits<Offset>::max();

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser.
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A 128-bit fingerprint of a search state.
struct StateKey {
  uint64_t a = 0, b = 0;
  bool operator==(const StateKey& o) const { return a == o.a && b == o.b; }
};

// States proved to have no completion (nogoods), for one strategy: the same state is
// reached by many placement sequences (stacking buffers in another order gives the same
// skyline), and refutations stay valid across the restarts. A lossy cache: when full, a new
// entry overwrites one in its bucket, which only costs a re-proof.
class NogoodTable {
 public:
  bool Contains(const StateKey& key) const {
    if (slots_.empty()) return false;
    const size_t base = Bucket(key);
    for (size_t i = 0; i < kWays; ++i) {
      if (slots_[base + i] == key) return true;
    }
    return false;
  }
  void Insert(const StateKey& key) {
    if (slots_.empty() || (used_ * 2 > slots_.size() && slots_.size() < kMaxSlots)) Grow();
    InsertNoGrow(key);
  }

 private:
  static constexpr size_t kWays = 4;
  static constexpr size_t kMaxSlots = size_t{1} << 21;  // 32 MiB.
  size_t Bucket(const StateKey& key) const { return (key.a & (slots_.size() / kWays - 1)) * kWays; }
  void InsertNoGrow(const StateKey& key) {
    const size_t base = Bucket(key);
    for (size_t i = 0; i < kWays; ++i) {
      StateKey& slot = slots_[base + i];
      if (slot == key) return;
      if (slot == StateKey{}) {
        slot = key;
        ++used_;
        return;
      }
    }
    slots_[base + (key.b % kWays)] = key;  // Full bucket: evict one.
  }
  void Grow() {
    std::vector<StateKey> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, old.size() * 2), StateKey{});
    used_ = 0;
    for (const StateKey& key : old) {
      if (!(key == StateKey{})) InsertNoGrow(key);
    }
  }
  std::vector<StateKey> slots_;
  size_t used_ = 0;
};

// One part of the instance, buffers renumbered in the static order.
struct Part {
  std::vector<int> original;  // Local index -> index in the caller's buffers.
  std::vector<int64_t> size;
  std::vector<int64_t> area;       // Size x live width.
  std::vector<int64_t> width;      // Live width.
  std::string order;               // The static order (see SortKeys).
  bool rerank = false;             // Re-rank pieces that split off, by `order` and their loads.
  std::vector<int> first_section;  // Sections [first_section, end_section).
  std::vector<int> end_section;
  // The previous buffer in the order with the same life and size, or -1: identical buffers
  // are interchangeable, so they go in order (a packing with them swapped is the same).
  std::vector<int> twin_before;
  int num_sections = 0;
};

// What the orders sort buffers by.
struct OrderKey {
  int64_t total;  // T: the load of the busiest section the buffer crosses (those decide).
  int64_t width;  // W: live width.
  int64_t area;   // A: size x width.
  int index;
};

// Sorts `keys` by `order`, its letters most significant first, all descending; ties by index.
void SortKeys(const std::string& order, std::vector<OrderKey>* keys) {
  std::sort(keys->begin(), keys->end(), [&order](const OrderKey& a, const OrderKey& b) {
    for (char c : order) {
      if (c == 'T' && a.total != b.total) return a.total > b.total;
      if (c == 'W' && a.width != b.width) return a.width > b.width;
      if (c == 'A' && a.area != b.area) return a.area > b.area;
    }
    return a.index < b.index;
  });
}

// The part of `members`, renumbered in `order` (see SortKeys).
Part MakePart(const std::vector<PackBuffer>& buffers, const std::vector<int>& members,
              const char* order) {
  std::vector<int64_t> points;
  for (int i : members) {
    points.push_back(buffers[i].lower);
    points.push_back(buffers[i].upper);
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  auto section_of = [&](int64_t t) {
    return static_cast<int>(std::lower_bound(points.begin(), points.end(), t) - points.begin());
  };
  const int num_sections = static_cast<int>(points.size()) - 1;
  std::vector<int64_t> load(num_sections, 0);
  for (int i : members) {
    for (int s = section_of(buffers[i].lower); s < section_of(buffers[i].upper); ++s) {
      load[s] += buffers[i].size;
    }
  }
  std::vector<OrderKey> keys;
  for (int i : members) {
    const PackBuffer& b = buffers[i];
    int64_t total = 0;
    for (int s = section_of(b.lower); s < section_of(b.upper); ++s)
      total = std::max(total, load[s]);
    const int64_t width = b.upper - b.lower;
    keys.push_back(OrderKey{total, width, width * b.size, i});
  }
  SortKeys(order, &keys);
  Part part;
  part.num_sections = num_sections;
  part.order = order;
  for (const OrderKey& key : keys) {
    const PackBuffer& b = buffers[key.index];
    part.original.push_back(key.index);
    part.size.push_back(b.size);
    part.area.push_back(key.area);
    part.width.push_back(key.width);
    part.first_section.push_back(section_of(b.lower));
    part.end_section.push_back(section_of(b.upper));
  }
  std::vector<std::tuple<int, int, int64_t, int>> lives;  // (first, end, size, local index).
  for (size_t b = 0; b < part.size.size(); ++b) {
    lives.emplace_back(part.first_section[b], part.end_section[b], part.size[b], b);
  }
  std::sort(lives.begin(), lives.end());
  part.twin_before.assign(part.size.size(), -1);
  for (size_t i = 1; i < lives.size(); ++i) {
    const auto& [f0, e0, s0, b0] = lives[i - 1];
    const auto& [f1, e1, s1, b1] = lives[i];
    if (f0 == f1 && e0 == e1 && s0 == s1) part.twin_before[b1] = b0;
  }
  return part;
}

class PartSearch {
 public:
  // Stops with kUnknown after `budget` placements or when `limits` run out.
  PartSearch(const Part& part, int64_t capacity, int64_t alignment, const SearchLimits& limits,
             int64_t budget, int64_t* nodes, NogoodTable* nogoods)
      : part_(part),
        capacity_(capacity),
        alignment_(alignment),
        limits_(limits),
        budget_(budget),
        nodes_(nodes),
        nogoods_(nogoods),
        n_(static_cast<int>(part.size.size())),
        floor_(part.num_sections, 0),
        remaining_(part.num_sections, 0),
        min_floor_(part.num_sections, 0),
        off_(n_, 0),
        eff_(n_, 0),
        placed_at_(n_, -1),
        rank_(n_, 0) {
    std::iota(rank_.begin(), rank_.end(), 0);
    for (int b = 0; b < n_; ++b) {
      for (int s = part.first_section[b]; s < part.end_section[b]; ++s)
        remaining_[s] += part.size[b];
    }
  }

  // kPacked fills `offsets` (by local index).
  PackStatus Run(std::vector<Offset>* offsets) {
    std::vector<int> all(n_);
    std::iota(all.begin(), all.end(), 0);
    std::sort(all.begin(), all.end(), [&](int a, int b) {
      return part_.first_section[a] != part_.first_section[b]
                 ? part_.first_section[a] < part_.first_section[b]
                 : a < b;
    });
    const PackStatus status = SolveGroup(all);
    if (status == PackStatus::kPacked) offsets->assign(placed_at_.begin(), placed_at_.end());
    return status;
  }

 private:
  // A child: place `buffer` at `offset`.
  struct Candidate {
    Offset offset;
    Offset rank;
    int buffer;
    bool operator<(const Candidate& o) const {
      return std::tie(offset, rank) < std::tie(o.offset, o.rank);
    }
  };
  struct TrailEntry {
    Offset* slot;
    Offset old;
  };

  Offset AlignUp(Offset o) const { return (o + alignment_ - 1) / alignment_ * alignment_; }
  // Whether `c` cannot be the next placement: in the canonical sequence every buffer rests on
  // one placed before it (or on 0), so its offset is its own floor, AlignUp(off_), which must
  // not be below the level; at the level itself, buffers go in index order. A blocked buffer
  // stays so until a placement under it raises its floor.
  bool Blocked(int c) const {
    const Offset own = AlignUp(off_[c]);
    return own < level_ || (own == level_ && last_ >= 0 && rank_[c] < rank_[last_]);
  }
  bool Overlap(int a, int b) const {
    return part_.first_section[a] < part_.end_section[b] &&
           part_.first_section[b] < part_.end_section[a];
  }
  PackStatus SolveGroup(const std::vector<int>& group);
  void Rerank(const std::vector<int>& piece);
  PackStatus SolveConnected(const std::vector<int>& group);
  bool Evaluate(const std::vector<int>& group, std::vector<Candidate>* candidates);
  void Place(int b, Offset offset, const std::vector<int>& group);
  void Undo(size_t mark) {
    while (trail_.size() > mark) {
      *trail_.back().slot = trail_.back().old;
      trail_.pop_back();
    }
  }
  bool OutOfLimits();
  void Set(Offset* slot, Offset value) {
    trail_.push_back(TrailEntry{slot, *slot});
    *slot = value;
  }

  const Part& part_;
  const int64_t capacity_;
  const int64_t alignment_;
  const SearchLimits& limits_;
  int64_t budget_;
  int64_t* nodes_;
  NogoodTable* nogoods_;
  const int n_;
  std::vector<Offset> floor_;       // Per section: highest top of the placed buffers.
  std::vector<int64_t> remaining_;  // Per section: unplaced bytes.
  std::vector<Offset> min_floor_;   // Scratch: lowest offset an unplaced buffer can take.
  std::vector<Offset> off_;         // Per buffer: highest floor over its sections.
  std::vector<Offset> eff_;         // Scratch: off_ raised to the level and aligned.
  std::vector<Offset> placed_at_;   // Offset of placed buffers, -1 otherwise.
  std::vector<Offset> rank_;        // Tie order among equal offsets (re-ranked per piece).
  StateKey context_;                // Fingerprint of the piece whose re-ranking is in force.
  std::vector<TrailEntry> trail_;   // Every change to the above, for backtracking.
  Offset level_ = 0;                // Offset of the latest placement: later ones go no lower.
  int last_ = -1;                   // Index of the latest placement (ties go in index order).
  StateKey key_;                    // Set by Evaluate: the state of its group.
};

bool PartSearch::OutOfLimits() {
  ++*nodes_;
  if (--budget_ < 0) return true;
  if ((*nodes_ & 255) != 0) return false;
  if (limits_.max_nodes >= 0 && *nodes_ >= limits_.max_nodes) return true;
  if (limits_.cancel != nullptr && limits_.cancel->load(std::memory_order_relaxed)) return true;
  return Clock::now() >= limits_.deadline;
}

// Splits the unplaced buffers of `group` (sorted by first section) into parts no time joins
// and solves them one after the other: they no longer interact, so a part that fails fails
// the node without retrying the earlier parts (dynamic decomposition).
PackStatus PartSearch::SolveGroup(const std::vector<int>& group) {
  const size_t mark = trail_.size();
  const Offset level = level_;
  const int last = last_;
  const StateKey context = context_;
  size_t begin = 0;
  std::vector<int> piece;
  bool split = false;
  while (begin < group.size()) {
    int reach = part_.end_section[group[begin]];
    size_t end = begin + 1;
    while (end < group.size() && part_.first_section[group[end]] < reach) {
      reach = std::max(reach, part_.end_section[group[end]]);
      ++end;
    }
    piece.assign(group.begin() + begin, group.begin() + end);
    split = split || end < group.size();
    level_ = level;
    last_ = last;
    context_ = context;
    if (split && part_.rerank) Rerank(piece);
    const PackStatus status = SolveConnected(piece);
    if (status != PackStatus::kPacked) {
      Undo(mark);
      level_ = level;
      last_ = last;
      context_ = context;
      return status;
    }
    begin = end;
  }
  context_ = context;
  return PackStatus::kPacked;
}

// A piece split off from the rest is a fresh instance: order it by its own loads (the
// critical sections change as buffers get placed). Its ranks are a function of the piece's
// buffers alone, so the piece fingerprint names them in the state keys; no tie rule carries
// over (last_ = -1).
void PartSearch::Rerank(const std::vector<int>& piece) {
  std::vector<OrderKey> keys;
  StateKey context;
  for (int b : piece) {
    int64_t total = 0;
    for (int s = part_.first_section[b]; s < part_.end_section[b]; ++s) {
      total = std::max<int64_t>(total, remaining_[s]);
    }
    keys.push_back(OrderKey{total, part_.width[b], part_.area[b], b});
    context.a += Mix(static_cast<uint64_t>(b) ^ 0x7a3d2f1e5b6c4d8aULL);
    context.b += Mix(static_cast<uint64_t>(b) ^ 0x1b2c3d4e5f607182ULL);
  }
  SortKeys(part_.order, &keys);
  for (size_t i = 0; i < keys.size(); ++i) Set(&rank_[keys[i].index], static_cast<Offset>(i));
  context_ = context;
  last_ = -1;
}

PackStatus PartSearch::SolveConnected(const std::vector<int>& group) {
  std::vector<Candidate> candidates;
  if (!Evaluate(group, &candidates)) return PackStatus::kInfeasible;
  const StateKey key = key_;
  const Offset level = level_;
  const int last = last_;
  std::vector<int> rest;
  rest.reserve(group.size());
  for (const auto& [offset, rank, b] : candidates) {
    if (OutOfLimits()) return PackStatus::kUnknown;
    const size_t mark = trail_.size();
    Place(b, offset, group);
    rest.clear();
    for (int c : group) {
      if (c != b) rest.push_back(c);
    }
    const PackStatus status = rest.empty() ? PackStatus::kPacked : SolveGroup(rest);
    if (status == PackStatus::kPacked) return status;
    Undo(mark);
    level_ = level;
    last_ = last;
    if (status == PackStatus::kUnknown) return status;
  }
  nogoods_->Insert(key);
  return PackStatus::kInfeasible;
}

// Bounds the node and, when it survives, lists the children: false means no completion.
bool PartSearch::Evaluate(const std::vector<int>& group, std::vector<Candidate>* candidates) {
  Offset best_top = kNever, second_top = kNever;
  int best_owner = -1;
  // A group is connected in time: its sections form one range.
  int lo = part_.num_sections, hi = 0;
  for (int c : group) {
    lo = std::min(lo, part_.first_section[c]);
    hi = std::max(hi, part_.end_section[c]);
  }
  std::fill(min_floor_.begin() + lo, min_floor_.begin() + hi, kNever);
  // The state: what the rest of the search from here depends on. Each unplaced buffer's lowest
  // offset, and whether it may still go at the level (see the candidates below); the section
  // loads follow from the set. Two sums of independent hashes make a 128-bit fingerprint.
  StateKey key;
  for (int c : group) {
    const Offset e = AlignUp(std::max(off_[c], level_));
    if (e + part_.size[c] > capacity_) return false;
    eff_[c] = e;
    const uint64_t item = Mix(static_cast<uint64_t>(c) << 1 | Blocked(c)) ^
                          Mix(static_cast<uint64_t>(e) + 0x5851f42d4c957f2dULL);
    key.a += Mix(item);
    key.b += Mix(item ^ 0x2545f4914f6cdd1dULL);
    const Offset top = e + part_.size[c];
    if (top < best_top) {
      second_top = best_top;
      best_top = top;
      best_owner = c;
    } else if (top < second_top) {
      second_top = top;
    }
    for (int s = part_.first_section[c]; s < part_.end_section[c]; ++s) {
      min_floor_[s] = std::min(min_floor_[s], e);
    }
  }
  key.a ^= context_.a;
  key.b ^= context_.b;
  if (nogoods_->Contains(key)) return false;
  key_ = key;
  for (int s = lo; s < hi; ++s) {
    if (min_floor_[s] != kNever && min_floor_[s] + remaining_[s] > capacity_) return false;
  }
  candidates->clear();
  for (int b : group) {
    if (Blocked(b)) continue;
    const int twin = part_.twin_before[b];
    if (twin >= 0 && placed_at_[twin] < 0) continue;  // Identical buffers go in order.
    const Offset others_top = b == best_owner ? second_top : best_top;
    if (others_top <= eff_[b]) continue;  // Dominated: that buffer fits below.
    candidates->push_back(Candidate{eff_[b], rank_[b], b});
  }
  // Lowest offset first, then the static order (it puts the critical buffers first; breaking
  // ties by area instead solved 1 of the 11 MiniMalloc challenging files instead of 8).
  std::sort(candidates->begin(), candidates->end());
  return !candidates->empty();
}

void PartSearch::Place(int b, Offset offset, const std::vector<int>& group) {
  const Offset top = offset + part_.size[b];
  const int first = part_.first_section[b], end = part_.end_section[b];
  for (int s = first; s < end; ++s) {
    Set(&floor_[s], top);
    Set(&remaining_[s], remaining_[s] - part_.size[b]);
  }
  // Only buffers of the same group can overlap b in time.
  for (int c : group) {
    if (c != b && off_[c] < top && Overlap(b, c)) Set(&off_[c], top);
  }
  Set(&placed_at_[b], offset);
  level_ = offset;
  last_ = b;
}

// Parts: maximal groups of buffers chained by overlapping lives.
std::vector<std::vector<int>> SplitAtFreeTimes(const std::vector<PackBuffer>& buffers) {
  std::vector<int> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return buffers[a].lower != buffers[b].lower ? buffers[a].lower < buffers[b].lower : a < b;
  });
  std::vector<std::vector<int>> parts;
  int64_t reach = std::numeric_limits<int64_t>::min();
  for (int i : order) {
    if (parts.empty() || buffers[i].lower >= reach) parts.emplace_back();
    parts.back().push_back(i);
    reach = std::max(reach, buffers[i].upper);
  }
  return parts;
}

}  // namespace

std::vector<int64_t> TimePoints(const std::vector<PackBuffer>& buffers) {
  std::vector<int64_t> points;
  for (const PackBuffer& b : buffers) {
    points.push_back(b.lower);
    points.push_back(b.upper);
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  return points;
}

SearchOutcome SearchPacking(const std::vector<PackBuffer>& buffers, int64_t capacity,
                            int64_t alignment, const SearchLimits& limits) {
  // A portfolio of orders, restarted round-robin with doubling node budgets: one order's early
  // mistake can cost it exponentially, another's not. Each run is complete, so any of them
  // proves infeasibility. On the 11 MiniMalloc challenging files, re-ranking split pieces
  // takes H and I from over a minute to seconds but F from milliseconds to a second; the
  // portfolio keeps both kinds (and drops "WAT", which solved none of them first).
  struct Strategy {
    const char* order;
    bool rerank;
  };
  static constexpr Strategy kStrategies[] = {{"TWA", true}, {"TAW", true}, {"TWA", false}};
  constexpr int64_t kFirstBudget = 4096;
  SearchOutcome outcome;
  outcome.offsets.assign(buffers.size(), 0);
  for (const std::vector<int>& members : SplitAtFreeTimes(buffers)) {
    std::vector<Part> parts;
    for (const Strategy& strategy : kStrategies) {
      parts.push_back(MakePart(buffers, members, strategy.order));
      parts.back().rerank = strategy.rerank;
    }
    std::vector<NogoodTable> nogoods(parts.size());
    PackStatus status = PackStatus::kUnknown;
    std::vector<Offset> local;
    for (int64_t budget = kFirstBudget; status == PackStatus::kUnknown; budget *= 2) {
      for (size_t p = 0; p < parts.size(); ++p) {
        const Part& part = parts[p];
        PartSearch search(part, capacity, alignment, limits, budget, &outcome.nodes, &nogoods[p]);
        status = search.Run(&local);
        if (status != PackStatus::kUnknown) {
          if (status == PackStatus::kPacked) {
            for (size_t i = 0; i < local.size(); ++i) outcome.offsets[part.original[i]] = local[i];
          }
          break;
        }
        if (Clock::now() >= limits.deadline ||
            (limits.max_nodes >= 0 && outcome.nodes >= limits.max_nodes) ||
            (limits.cancel != nullptr && limits.cancel->load(std::memory_order_relaxed))) {
          outcome.status = PackStatus::kUnknown;
          outcome.offsets.clear();
          return outcome;
        }
      }
    }
    if (status == PackStatus::kInfeasible) {
      outcome.status = PackStatus::kInfeasible;
      outcome.offsets.clear();
      return outcome;
    }
  }
  outcome.status = PackStatus::kPacked;
  return outcome;
}

}  // namespace mmap_opt::heap::internal
