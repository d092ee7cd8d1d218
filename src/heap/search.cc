// Complete search for a packing under a capacity.
//
// Canonical placements: take, among all packings, one with the smallest sum of offsets. In it
// every buffer rests on a buffer it overlaps in time (or on 0), so listing its buffers by
// (offset, index) and placing them in that order puts each one exactly at the highest top
// below it: its "floor". The search enumerates such sequences: at each node it picks the next
// buffer, placed at its floor, and everything later goes at or above that offset (the level).
// Pruning, each sound for that minimal packing:
// - level: a buffer's offset is at least the level; at an equal offset, indices increase;
// - section bound: in each time section, the lowest offset any unplaced buffer there can take
//   plus the unplaced bytes there must fit the capacity;
// - dominance: never place b at o while another unplaced c would fit entirely below o at its
//   own floor (moving c down there would give a packing with a smaller offset sum);
// - independent parts: times no buffer spans split the instance into parts searched alone.
#include "search.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <tuple>

namespace mmap_opt::heap::internal {
namespace {

constexpr Offset kNever = std::numeric_limits<Offset>::max();

// One part of the instance, buffers renumbered in the static order.
struct Part {
  std::vector<int> original;  // Local index -> index in the caller's buffers.
  std::vector<int64_t> size;
  std::vector<int64_t> area;       // Size x live width.
  std::vector<int> first_section;  // Sections [first_section, end_section).
  std::vector<int> end_section;
  int num_sections = 0;
};

// `order` names the static order's keys, most significant first: T = the busiest section the
// buffer crosses (those decide feasibility), W = live width, A = area; all descending.
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
  struct Key {
    int64_t total, width, area;
    int index;
  };
  std::vector<Key> keys;
  for (int i : members) {
    const PackBuffer& b = buffers[i];
    int64_t total = 0;
    for (int s = section_of(b.lower); s < section_of(b.upper); ++s)
      total = std::max(total, load[s]);
    const int64_t width = b.upper - b.lower;
    keys.push_back(Key{total, width, width * b.size, i});
  }
  std::sort(keys.begin(), keys.end(), [order](const Key& a, const Key& b) {
    for (const char* c = order; *c != 0; ++c) {
      if (*c == 'T' && a.total != b.total) return a.total > b.total;
      if (*c == 'W' && a.width != b.width) return a.width > b.width;
      if (*c == 'A' && a.area != b.area) return a.area > b.area;
    }
    return a.index < b.index;
  });
  Part part;
  part.num_sections = num_sections;
  for (const Key& key : keys) {
    const PackBuffer& b = buffers[key.index];
    part.original.push_back(key.index);
    part.size.push_back(b.size);
    part.area.push_back(key.area);
    part.first_section.push_back(section_of(b.lower));
    part.end_section.push_back(section_of(b.upper));
  }
  return part;
}

class PartSearch {
 public:
  // Stops with kUnknown after `budget` placements or when `limits` run out.
  PartSearch(const Part& part, int64_t capacity, int64_t alignment, const SearchLimits& limits,
             int64_t budget, int64_t* nodes)
      : part_(part),
        capacity_(capacity),
        alignment_(alignment),
        limits_(limits),
        budget_(budget),
        nodes_(nodes),
        n_(static_cast<int>(part.size.size())),
        floor_(part.num_sections, 0),
        remaining_(part.num_sections, 0),
        min_floor_(part.num_sections, 0),
        off_(n_, 0),
        eff_(n_, 0),
        placed_at_(n_, -1) {
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
    int buffer;
    bool operator<(const Candidate& o) const {
      return std::tie(offset, buffer) < std::tie(o.offset, o.buffer);
    }
  };
  struct TrailEntry {
    Offset* slot;
    Offset old;
  };

  Offset AlignUp(Offset o) const { return (o + alignment_ - 1) / alignment_ * alignment_; }
  bool Overlap(int a, int b) const {
    return part_.first_section[a] < part_.end_section[b] &&
           part_.first_section[b] < part_.end_section[a];
  }
  PackStatus SolveGroup(const std::vector<int>& group);
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
  const int n_;
  std::vector<Offset> floor_;       // Per section: highest top of the placed buffers.
  std::vector<int64_t> remaining_;  // Per section: unplaced bytes.
  std::vector<Offset> min_floor_;   // Scratch: lowest offset an unplaced buffer can take.
  std::vector<Offset> off_;         // Per buffer: highest floor over its sections.
  std::vector<Offset> eff_;         // Scratch: off_ raised to the level and aligned.
  std::vector<Offset> placed_at_;   // Offset of placed buffers, -1 otherwise.
  std::vector<TrailEntry> trail_;   // Every change to the above, for backtracking.
  Offset level_ = 0;                // Offset of the latest placement: later ones go no lower.
  int last_ = -1;                   // Index of the latest placement (ties go in index order).
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
  size_t begin = 0;
  std::vector<int> piece;
  while (begin < group.size()) {
    int reach = part_.end_section[group[begin]];
    size_t end = begin + 1;
    while (end < group.size() && part_.first_section[group[end]] < reach) {
      reach = std::max(reach, part_.end_section[group[end]]);
      ++end;
    }
    piece.assign(group.begin() + begin, group.begin() + end);
    level_ = level;
    last_ = last;
    const PackStatus status = SolveConnected(piece);
    if (status != PackStatus::kPacked) {
      Undo(mark);
      level_ = level;
      last_ = last;
      return status;
    }
    begin = end;
  }
  return PackStatus::kPacked;
}

PackStatus PartSearch::SolveConnected(const std::vector<int>& group) {
  std::vector<Candidate> candidates;
  if (!Evaluate(group, &candidates)) return PackStatus::kInfeasible;
  const Offset level = level_;
  const int last = last_;
  std::vector<int> rest;
  rest.reserve(group.size());
  for (const auto& [offset, b] : candidates) {
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
  return PackStatus::kInfeasible;
}

// Bounds the node and, when it survives, lists the children: false means no completion.
bool PartSearch::Evaluate(const std::vector<int>& group, std::vector<Candidate>* candidates) {
  Offset best_top = kNever, second_top = kNever;
  int best_owner = -1;
  for (int c : group) {
    for (int s = part_.first_section[c]; s < part_.end_section[c]; ++s) min_floor_[s] = kNever;
  }
  for (int c : group) {
    const Offset e = AlignUp(std::max(off_[c], level_));
    if (e + part_.size[c] > capacity_) return false;
    eff_[c] = e;
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
  for (int c : group) {
    for (int s = part_.first_section[c]; s < part_.end_section[c]; ++s) {
      if (min_floor_[s] + remaining_[s] > capacity_) return false;
    }
  }
  candidates->clear();
  for (int b : group) {
    if (eff_[b] == level_ && b < last_) continue;  // Equal offsets go in index order.
    const Offset others_top = b == best_owner ? second_top : best_top;
    if (others_top <= eff_[b]) continue;  // Dominated: that buffer fits below.
    candidates->push_back(Candidate{eff_[b], b});
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

SearchOutcome SearchPacking(const std::vector<PackBuffer>& buffers, int64_t capacity,
                            int64_t alignment, const SearchLimits& limits) {
  // A portfolio of static orders, restarted round-robin with doubling node budgets: one
  // order's early mistake can cost it exponentially, another's not. Each run is complete, so
  // any of them proves infeasibility.
  static constexpr const char* kStaticOrders[] = {"TWA", "WAT", "TAW"};
  constexpr int64_t kFirstBudget = 4096;
  SearchOutcome outcome;
  outcome.offsets.assign(buffers.size(), 0);
  for (const std::vector<int>& members : SplitAtFreeTimes(buffers)) {
    std::vector<Part> parts;
    for (const char* order : kStaticOrders) parts.push_back(MakePart(buffers, members, order));
    PackStatus status = PackStatus::kUnknown;
    std::vector<Offset> local;
    for (int64_t budget = kFirstBudget; status == PackStatus::kUnknown; budget *= 2) {
      for (const Part& part : parts) {
        PartSearch search(part, capacity, alignment, limits, budget, &outcome.nodes);
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
