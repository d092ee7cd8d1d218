// Fast-memory occupancy over (logical time x offset): which byte ranges are free over a whole
// time interval, XLA-style best-fit chunks and the K best candidate offsets, with commit, remove,
// undo and rollback. The inner loop of the heuristic, the MallocGame and the packer.
#ifndef MMAP_OPT_HEAP_OCCUPANCY_H_
#define MMAP_OPT_HEAP_OCCUPANCY_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mmap_opt::heap {

using Offset = int64_t;  // A byte address in fast memory.
using Time = int64_t;    // A logical time: an instruction's index in the schedule.

// One committed rectangle: bytes [offset, offset + size) during times [start, end] (inclusive).
struct Chunk {
  Offset offset = 0;
  int64_t size = 0;
  Time start = 0;
  Time end = 0;
  Offset top() const { return offset + size; }  // One past the last byte.
};

// Bytes [offset, offset + size) free at every time of a queried interval. `offset` is aligned.
struct Gap {
  Offset offset = 0;
  int64_t size = 0;
  bool operator==(const Gap& other) const { return offset == other.offset && size == other.size; }
};

using ChunkHandle = int32_t;  // Names a committed chunk until it is removed or rolled back.

// A point in the history of commits and removes to roll back to (see Occupancy::RollBack).
struct Marker {
  int64_t position = 0;
};

// The occupancy of one fast memory of `capacity` bytes whose chunk offsets are multiples of
// `alignment`, over times [0, horizon).
//
// Costs, with n chunks committed, k of them overlapping the queried interval in time and
// T = horizon: every query first collects the k overlapping chunks from a segment tree over
// start times augmented with the latest end (O((k + 1) log T)); FreeGaps, BestFit and
// BestFits then sort them by offset (O(k log k)); IsFree stops at the first conflict without
// sorting. Commit, Remove, Undo: O(log T) plus an overlap check (Commit) and the chunks that
// share a start time. UsedAt / MaxUsed: O(log T) (a lazy range-add, range-max tree over time,
// built on the first call and kept from then on: owners that never ask do not pay for it).
// A query allocates nothing once its scratch buffers have grown (they live in the object, so
// one Occupancy must not be queried from two threads at once).
//
// History: every Commit and Remove is recorded; Undo reverses the latest one not yet undone,
// RollBack(marker) everything after Mark() returned `marker`. Handles stay valid across undo of
// later operations; a rolled-back commit's handle may be reused by the next commit.
class Occupancy {
 public:
  // Fails on capacity < 0, alignment < 1 or horizon < 1.
  static absl::StatusOr<Occupancy> Create(int64_t capacity, int64_t alignment, Time horizon);

  int64_t capacity() const { return capacity_; }
  int64_t alignment() const { return alignment_; }
  Time horizon() const { return horizon_; }
  int num_chunks() const { return live_chunks_; }  // Committed and not removed.

  // The maximal free byte ranges over every time in [start, end], in offset order, each
  // starting at an aligned offset, the last one ending at capacity. Empty for an invalid
  // interval (start > end, outside [0, horizon)).
  std::vector<Gap> FreeGaps(Time start, Time end) const;
  void FreeGaps(Time start, Time end, std::vector<Gap>* gaps) const;

  // XLA's global-decreasing-size best-fit choice for a chunk of `size` over [start, end]:
  // the smallest interior gap (one below the highest overlapping chunk) that fits, ties by the
  // lowest offset; when none fits, the aligned top of the highest overlapping chunk if the chunk
  // fits below capacity there; nullopt when nothing fits.
  std::optional<Offset> BestFit(int64_t size, Time start, Time end) const;

  // Up to `k` distinct candidate offsets in best-fit order (interior gaps by size then offset,
  // then the top gap): BestFits(...)[0] == BestFit(...). Appends nothing when nothing fits.
  void BestFits(int64_t size, Time start, Time end, int k, std::vector<Offset>* offsets) const;
  std::vector<Offset> BestFits(int64_t size, Time start, Time end, int k) const;

  // The committed chunks overlapping [start, end] (clamped to [0, horizon)) in time, sorted by
  // offset: many BestFit queries over sub-intervals of it then share one collection
  // and one sort (the MallocGame asks up to 8 end times for each of its copy starts).
  void SortedOverlapping(Time start, Time end, std::vector<Chunk>* chunks) const;
  // BestFits(size, start, end, k) and BestFit(size, start, end), answered from `chunks` =
  // SortedOverlapping(s, e) with s <= start and end <= e, taken with no commit or remove since.
  void BestFitsAmong(const std::vector<Chunk>& chunks, int64_t size, Time start, Time end, int k,
                     std::vector<Offset>* offsets) const;
  std::optional<Offset> BestFitAmong(const std::vector<Chunk>& chunks, int64_t size, Time start,
                                     Time end) const;

  // Keeps, besides the time tree, every committed chunk in one array by offset, from which
  // SortedOverlapping filters instead of collecting and sorting: several times faster while few
  // chunks are committed (the MallocGame's case). Costs O(chunks) per commit or remove, so the
  // array is dropped while more than `max_chunks` are committed (queries then use the tree) and
  // rebuilt once fewer than half that are.
  void KeepOffsetIndex(int max_chunks);

  // Whether `chunk` is well-formed (size > 0, aligned offset, inside capacity and horizon) and
  // overlaps no committed chunk.
  bool IsFree(const Chunk& chunk) const;

  // Commits `chunk`; fails (changing nothing) when IsFree(chunk) does not hold, with the reason.
  absl::StatusOr<ChunkHandle> Commit(const Chunk& chunk);

  // Commit for a chunk the caller knows IsFree holds for (a best fit over its times, nothing
  // committed since): no second overlap check (checked only in debug builds).
  ChunkHandle CommitFree(const Chunk& chunk);

  // Removes a committed chunk; fails on a handle that is not committed now.
  absl::Status Remove(ChunkHandle handle);

  // The chunk a committed handle names (undefined for other handles).
  const Chunk& chunk(ChunkHandle handle) const { return chunks_[handle]; }
  bool is_committed(ChunkHandle handle) const;

  // Reverses the latest Commit or Remove not yet undone; false when the history is empty.
  bool Undo();
  Marker Mark() const { return Marker{static_cast<int64_t>(history_.size())}; }
  // Undoes every operation after `marker` (no-op for a marker at or past the present).
  void RollBack(Marker marker);
  // Forgets the history (keeps the chunks): later markers and Undo stop at this point.
  void ClearHistory() { history_.clear(); }

  // Committed bytes live at time t, and their maximum over [start, end] (0 outside horizon).
  int64_t UsedAt(Time t) const;
  int64_t MaxUsed(Time start, Time end) const;

 private:
  struct HistoryEntry {
    ChunkHandle handle;
    bool was_commit;
  };

  Occupancy(int64_t capacity, int64_t alignment, Time horizon);
  Offset AlignUp(Offset offset) const;
  // Fills overlap_ with the chunks overlapping [start, end] in time.
  void CollectOverlapping(Time start, Time end) const;
  void CollectFrom(int node, Time node_lo, Time node_hi, Time start, Time end) const;
  // Appends into sorted_ the overlapping chunks' [offset, top) ranges sorted by offset.
  void SortOverlapping() const;
  void Insert(ChunkHandle handle);
  // The offset index (KeepOffsetIndex): valid while `offset_index_valid_`.
  struct Indexed {
    Chunk chunk;
    ChunkHandle handle;
  };
  void IndexInsert(ChunkHandle handle);
  void IndexErase(ChunkHandle handle);
  bool OffsetIndexUsable() const;
  void Erase(ChunkHandle handle);
  void UpdateMaxEnd(Time leaf);
  void AddUsage(int node, Time node_lo, Time node_hi, Time start, Time end, int64_t delta) const;
  int64_t QueryUsage(int node, Time node_lo, Time node_hi, Time start, Time end) const;

  int64_t capacity_ = 0;
  int64_t alignment_ = 1;
  Time horizon_ = 1;
  int leaves_ = 1;  // Power of two >= horizon_.
  int live_chunks_ = 0;

  std::vector<Chunk> chunks_;                       // Indexed by handle.
  std::vector<int32_t> position_;                   // Handle -> index in its start bucket, or -1.
  std::vector<std::vector<ChunkHandle>> by_start_;  // Start time -> live chunks starting then.
  std::vector<Time> max_end_;       // Segment tree over start times: latest end, or -1.
  // Range-add / range-max tree over times, kept only once MaxUsed was asked (usage_kept_).
  mutable bool usage_kept_ = false;
  mutable std::vector<int64_t> usage_max_;
  mutable std::vector<int64_t> usage_add_;
  std::vector<HistoryEntry> history_;

  int offset_index_limit_ = 0;  // 0: no offset index.
  mutable bool offset_index_valid_ = false;
  mutable std::vector<Indexed> by_offset_;


  // Query scratch (see the class comment).
  mutable std::vector<ChunkHandle> overlap_;
  mutable std::vector<std::pair<Offset, Offset>> ranges_;
  mutable std::vector<std::pair<Offset, Offset>> ranges_scratch_;
};

}  // namespace mmap_opt::heap

#endif  // MMAP_OPT_HEAP_OCCUPANCY_H_
