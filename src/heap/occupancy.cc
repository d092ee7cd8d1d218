// Occupancy: a segment tree over start times (with the latest end per subtree) finds the chunks
// overlapping an interval; a sweep over them by offset yields the gaps.
#include "mmap_opt/heap/occupancy.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "absl/strings/str_cat.h"

namespace mmap_opt::heap {
namespace {

// Below this many ranges a comparison sort is as fast as the radix sort.
constexpr size_t kRadixSortMin = 256;

}  // namespace

absl::StatusOr<Occupancy> Occupancy::Create(int64_t capacity, int64_t alignment, Time horizon) {
  if (capacity < 0) return absl::InvalidArgumentError(absl::StrCat("capacity ", capacity, " < 0"));
  if (alignment < 1) {
    return absl::InvalidArgumentError(absl::StrCat("alignment ", alignment, " < 1"));
  }
  if (horizon < 1 || horizon > (int64_t{1} << 30)) {
    return absl::InvalidArgumentError(absl::StrCat("horizon ", horizon, " outside [1, 2^30]"));
  }
  return Occupancy(capacity, alignment, horizon);
}

Occupancy::Occupancy(int64_t capacity, int64_t alignment, Time horizon)
    : capacity_(capacity), alignment_(alignment), horizon_(horizon) {
  while (leaves_ < horizon_) leaves_ *= 2;
  by_start_.resize(horizon_);
  max_end_.assign(2 * leaves_, -1);
}

Offset Occupancy::AlignUp(Offset offset) const {
  return (offset + alignment_ - 1) / alignment_ * alignment_;
}

void Occupancy::CollectFrom(int node, Time node_lo, Time node_hi, Time start, Time end) const {
  // Chunks here start in [node_lo, node_hi]; they overlap iff start <= end and end >= start.
  if (node_lo > end || max_end_[node] < start) return;
  if (node >= leaves_) {
    for (ChunkHandle h : by_start_[node_lo]) {
      if (chunks_[h].end >= start) overlap_.push_back(h);
    }
    return;
  }
  const Time mid = (node_lo + node_hi) / 2;
  CollectFrom(2 * node, node_lo, mid, start, end);
  CollectFrom(2 * node + 1, mid + 1, node_hi, start, end);
}

void Occupancy::CollectOverlapping(Time start, Time end) const {
  overlap_.clear();
  CollectFrom(1, 0, leaves_ - 1, start, end);
}

void Occupancy::SortOverlapping() const {
  ranges_.clear();
  for (ChunkHandle h : overlap_) ranges_.emplace_back(chunks_[h].offset, chunks_[h].top());
  // By bottom only: the sweeps over ranges_ see the same gaps whatever the order of ranges
  // with equal bottoms (after the first, each starts below the cursor the first one raised).
  if (ranges_.size() < kRadixSortMin) {
    std::sort(ranges_.begin(), ranges_.end(),
              [](const std::pair<Offset, Offset>& a, const std::pair<Offset, Offset>& b) {
                return a.first < b.first;
              });
    return;
  }
  // Many ranges (a busy time of a long trace): a byte-wise radix sort of the bottoms, which
  // are non-negative. The comparison sort was half of the packer's time on 20k-buffer traces.
  Offset bits = 0;
  for (const auto& range : ranges_) bits |= range.first;
  const size_t n = ranges_.size();
  ranges_scratch_.resize(n);
  for (int shift = 0; shift < 64 && (bits >> shift) != 0; shift += 8) {
    std::array<size_t, 257> count{};
    for (const auto& range : ranges_) ++count[((range.first >> shift) & 255) + 1];
    if (count[((ranges_[0].first >> shift) & 255) + 1] == n) continue;  // One digit: no-op.
    for (int digit = 0; digit < 256; ++digit) count[digit + 1] += count[digit];
    for (const auto& range : ranges_) ranges_scratch_[count[(range.first >> shift) & 255]++] = range;
    ranges_.swap(ranges_scratch_);
  }
}

void Occupancy::FreeGaps(Time start, Time end, std::vector<Gap>* gaps) const {
  gaps->clear();
  if (start > end || start < 0 || end >= horizon_) return;
  CollectOverlapping(start, end);
  SortOverlapping();
  Offset cursor = 0;  // Aligned lowest byte not yet known to be taken.
  for (const auto& [lo, hi] : ranges_) {
    if (lo > cursor) gaps->push_back(Gap{cursor, lo - cursor});
    cursor = std::max(cursor, AlignUp(hi));
  }
  if (cursor < capacity_) gaps->push_back(Gap{cursor, capacity_ - cursor});
}

std::vector<Gap> Occupancy::FreeGaps(Time start, Time end) const {
  std::vector<Gap> gaps;
  FreeGaps(start, end, &gaps);
  return gaps;
}

namespace {

// BestFits' choice from the [bottom, top) ranges of the chunks overlapping the queried time
// interval, in offset order (`ranges` yields them; `align_up` rounds a top up to the alignment).
template <typename Ranges, typename AlignUp>
void ChooseFits(const Ranges& ranges, int64_t size, int k, int64_t capacity,
                const AlignUp& align_up, std::vector<Offset>* offsets) {
  // Interior gaps lie below the highest overlapping chunk; XLA grows into the top gap only
  // when none of them fits, so the top gap ranks last.
  thread_local std::vector<Gap> fitting;
  fitting.clear();
  Offset cursor = 0;
  ranges([&](Offset lo, Offset hi) {
    if (lo - cursor >= size) fitting.push_back(Gap{cursor, lo - cursor});
    cursor = std::max(cursor, align_up(hi));
  });
  auto better = [](const Gap& a, const Gap& b) {
    return a.size != b.size ? a.size < b.size : a.offset < b.offset;
  };
  const size_t take = std::min<size_t>(fitting.size(), static_cast<size_t>(k));
  std::partial_sort(fitting.begin(), fitting.begin() + take, fitting.end(), better);
  for (size_t i = 0; i < take; ++i) offsets->push_back(fitting[i].offset);
  if (static_cast<int>(take) < k && cursor + size <= capacity) offsets->push_back(cursor);
}

}  // namespace

void Occupancy::BestFits(int64_t size, Time start, Time end, int k,
                         std::vector<Offset>* offsets) const {
  if (k <= 0 || size <= 0 || start > end || start < 0 || end >= horizon_) return;
  CollectOverlapping(start, end);
  SortOverlapping();
  ChooseFits(
      [&](const auto& visit) {
        for (const auto& [lo, hi] : ranges_) visit(lo, hi);
      },
      size, k, capacity_, [&](Offset offset) { return AlignUp(offset); }, offsets);
}

void Occupancy::SortedOverlapping(Time start, Time end, std::vector<Chunk>* chunks) const {
  chunks->clear();
  // Clamped to the horizon: the queries it serves lie inside (BestFitsAmong rejects others).
  start = std::max<Time>(start, 0);
  end = std::min(end, horizon_ - 1);
  if (start > end) return;
  if (OffsetIndexUsable()) {
    for (const Indexed& entry : by_offset_) {
      if (entry.chunk.end >= start && entry.chunk.start <= end) chunks->push_back(entry.chunk);
    }
    return;
  }
  CollectOverlapping(start, end);
  for (ChunkHandle h : overlap_) chunks->push_back(chunks_[h]);
  std::sort(chunks->begin(), chunks->end(),
            [](const Chunk& a, const Chunk& b) { return a.offset < b.offset; });
}

void Occupancy::BestFitsAmong(const std::vector<Chunk>& chunks, int64_t size, Time start,
                              Time end, int k, std::vector<Offset>* offsets) const {
  if (k <= 0 || size <= 0 || start > end || start < 0 || end >= horizon_) return;
  // The chunks that overlap [start, end] keep their offset order: BestFits' sweep over them.
  ChooseFits(
      [&](const auto& visit) {
        for (const Chunk& chunk : chunks) {
          if (chunk.end >= start && chunk.start <= end) visit(chunk.offset, chunk.top());
        }
      },
      size, k, capacity_, [&](Offset offset) { return AlignUp(offset); }, offsets);
}

std::optional<Offset> Occupancy::BestFitAmong(const std::vector<Chunk>& chunks, int64_t size,
                                              Time start, Time end) const {
  thread_local std::vector<Offset> one;
  one.clear();
  BestFitsAmong(chunks, size, start, end, 1, &one);
  if (one.empty()) return std::nullopt;
  return one[0];
}

std::vector<Offset> Occupancy::BestFits(int64_t size, Time start, Time end, int k) const {
  std::vector<Offset> offsets;
  BestFits(size, start, end, k, &offsets);
  return offsets;
}

std::optional<Offset> Occupancy::BestFit(int64_t size, Time start, Time end) const {
  thread_local std::vector<Offset> one;
  one.clear();
  BestFits(size, start, end, 1, &one);
  if (one.empty()) return std::nullopt;
  return one[0];
}

bool Occupancy::IsFree(const Chunk& chunk) const {
  if (chunk.size <= 0 || chunk.offset < 0 || chunk.offset % alignment_ != 0 ||
      chunk.size > capacity_ - chunk.offset || chunk.start < 0 || chunk.start > chunk.end ||
      chunk.end >= horizon_) {
    return false;
  }
  if (OffsetIndexUsable()) {  // The chunks below its top, by offset: no collection.
    for (const Indexed& entry : by_offset_) {
      if (entry.chunk.offset >= chunk.top()) break;
      if (chunk.offset < entry.chunk.top() && entry.chunk.start <= chunk.end &&
          entry.chunk.end >= chunk.start) {
        return false;
      }
    }
    return true;
  }
  CollectOverlapping(chunk.start, chunk.end);
  for (ChunkHandle h : overlap_) {
    if (chunks_[h].offset < chunk.top() && chunk.offset < chunks_[h].top()) return false;
  }
  return true;
}

absl::StatusOr<ChunkHandle> Occupancy::Commit(const Chunk& chunk) {
  if (!IsFree(chunk)) {
    std::string why = "overlaps a committed chunk";
    if (chunk.size <= 0)
      why = "size must be > 0";
    else if (chunk.offset < 0 || chunk.offset % alignment_ != 0) {
      why = absl::StrCat("offset is not a non-negative multiple of ", alignment_);
    } else if (chunk.size > capacity_ - chunk.offset) {
      why = absl::StrCat("top exceeds capacity ", capacity_);
    } else if (chunk.start < 0 || chunk.start > chunk.end || chunk.end >= horizon_) {
      why = absl::StrCat("time interval is not inside [0, ", horizon_, ")");
    }
    return absl::FailedPreconditionError(absl::StrCat("chunk [", chunk.offset, ", ", chunk.top(),
                                                      ") x [", chunk.start, ", ", chunk.end,
                                                      "]: ", why));
  }
  return CommitFree(chunk);
}

ChunkHandle Occupancy::CommitFree(const Chunk& chunk) {
  assert(IsFree(chunk));
  const ChunkHandle handle = static_cast<ChunkHandle>(chunks_.size());
  chunks_.push_back(chunk);
  position_.push_back(-1);
  Insert(handle);
  history_.push_back(HistoryEntry{handle, true});
  return handle;
}

bool Occupancy::is_committed(ChunkHandle handle) const {
  return handle >= 0 && handle < static_cast<ChunkHandle>(chunks_.size()) && position_[handle] >= 0;
}

absl::Status Occupancy::Remove(ChunkHandle handle) {
  if (!is_committed(handle)) {
    return absl::NotFoundError(absl::StrCat("chunk handle ", handle, " is not committed"));
  }
  Erase(handle);
  history_.push_back(HistoryEntry{handle, false});
  return absl::OkStatus();
}

bool Occupancy::Undo() {
  if (history_.empty()) return false;
  const HistoryEntry entry = history_.back();
  history_.pop_back();
  if (entry.was_commit) {
    Erase(entry.handle);
    // Later commits were undone first, so this is the newest handle: free it for reuse.
    if (entry.handle == static_cast<ChunkHandle>(chunks_.size()) - 1) {
      chunks_.pop_back();
      position_.pop_back();
    }
  } else {
    Insert(entry.handle);
  }
  return true;
}

void Occupancy::RollBack(Marker marker) {
  while (static_cast<int64_t>(history_.size()) > std::max<int64_t>(marker.position, 0)) Undo();
}

void Occupancy::Insert(ChunkHandle handle) {
  const Chunk& c = chunks_[handle];
  std::vector<ChunkHandle>& bucket = by_start_[c.start];
  position_[handle] = static_cast<int32_t>(bucket.size());
  bucket.push_back(handle);
  UpdateMaxEnd(c.start);
  if (usage_kept_) AddUsage(1, 0, leaves_ - 1, c.start, c.end, c.size);
  ++live_chunks_;
  IndexInsert(handle);
}

void Occupancy::Erase(ChunkHandle handle) {
  const Chunk& c = chunks_[handle];
  std::vector<ChunkHandle>& bucket = by_start_[c.start];
  const int32_t at = position_[handle];
  bucket[at] = bucket.back();
  position_[bucket[at]] = at;
  bucket.pop_back();
  position_[handle] = -1;
  UpdateMaxEnd(c.start);
  if (usage_kept_) AddUsage(1, 0, leaves_ - 1, c.start, c.end, -c.size);
  --live_chunks_;
  IndexErase(handle);
}

void Occupancy::KeepOffsetIndex(int max_chunks) {
  offset_index_limit_ = std::max(max_chunks, 0);
  offset_index_valid_ = false;
  by_offset_.clear();
}

bool Occupancy::OffsetIndexUsable() const {
  if (offset_index_limit_ == 0) return false;
  if (!offset_index_valid_ && live_chunks_ <= offset_index_limit_ / 2) {
    by_offset_.clear();
    for (ChunkHandle h = 0; h < static_cast<ChunkHandle>(chunks_.size()); ++h) {
      if (position_[h] >= 0) by_offset_.push_back({chunks_[h], h});
    }
    std::sort(by_offset_.begin(), by_offset_.end(), [](const Indexed& a, const Indexed& b) {
      return a.chunk.offset < b.chunk.offset;
    });
    offset_index_valid_ = true;
  }
  return offset_index_valid_;
}

void Occupancy::IndexInsert(ChunkHandle handle) {
  if (!offset_index_valid_) return;
  if (live_chunks_ > offset_index_limit_) {
    offset_index_valid_ = false;
    by_offset_.clear();
    return;
  }
  const Chunk& c = chunks_[handle];
  auto at = std::upper_bound(
      by_offset_.begin(), by_offset_.end(), c.offset,
      [](Offset offset, const Indexed& entry) { return offset < entry.chunk.offset; });
  by_offset_.insert(at, {c, handle});
}

void Occupancy::IndexErase(ChunkHandle handle) {
  if (!offset_index_valid_) return;
  const Chunk& c = chunks_[handle];
  auto at = std::lower_bound(
      by_offset_.begin(), by_offset_.end(), c.offset,
      [](const Indexed& entry, Offset offset) { return entry.chunk.offset < offset; });
  while (at->handle != handle) ++at;  // Among the few chunks at the same offset.
  by_offset_.erase(at);
}

void Occupancy::UpdateMaxEnd(Time leaf) {
  Time latest = -1;
  for (ChunkHandle h : by_start_[leaf]) latest = std::max(latest, chunks_[h].end);
  int node = leaves_ + static_cast<int>(leaf);
  max_end_[node] = latest;
  for (node /= 2; node >= 1; node /= 2) {
    max_end_[node] = std::max(max_end_[2 * node], max_end_[2 * node + 1]);
  }
}

void Occupancy::AddUsage(int node, Time node_lo, Time node_hi, Time start, Time end,
                         int64_t delta) const {
  if (node_hi < start || node_lo > end) return;
  if (start <= node_lo && node_hi <= end) {
    usage_add_[node] += delta;
    usage_max_[node] += delta;
    return;
  }
  const Time mid = (node_lo + node_hi) / 2;
  AddUsage(2 * node, node_lo, mid, start, end, delta);
  AddUsage(2 * node + 1, mid + 1, node_hi, start, end, delta);
  usage_max_[node] = usage_add_[node] + std::max(usage_max_[2 * node], usage_max_[2 * node + 1]);
}

int64_t Occupancy::QueryUsage(int node, Time node_lo, Time node_hi, Time start, Time end) const {
  if (start <= node_lo && node_hi <= end) return usage_max_[node];
  const Time mid = (node_lo + node_hi) / 2;
  int64_t best = 0;
  if (start <= mid) best = std::max(best, QueryUsage(2 * node, node_lo, mid, start, end));
  if (end > mid) best = std::max(best, QueryUsage(2 * node + 1, mid + 1, node_hi, start, end));
  return usage_add_[node] + best;
}

int64_t Occupancy::UsedAt(Time t) const { return MaxUsed(t, t); }

int64_t Occupancy::MaxUsed(Time start, Time end) const {
  start = std::max<Time>(start, 0);
  end = std::min<Time>(end, horizon_ - 1);
  if (start > end) return 0;
  if (!usage_kept_) {  // The first question: build the tree from the live chunks.
    usage_max_.assign(2 * leaves_, 0);
    usage_add_.assign(2 * leaves_, 0);
    for (ChunkHandle h = 0; h < static_cast<ChunkHandle>(chunks_.size()); ++h) {
      const Chunk& c = chunks_[h];
      if (position_[h] >= 0) AddUsage(1, 0, leaves_ - 1, c.start, c.end, c.size);
    }
    usage_kept_ = true;
  }
  return QueryUsage(1, 0, leaves_ - 1, start, end);
}

}  // namespace mmap_opt::heap
