// The mutable state every agent builds an assignment in: the fast-memory heap, the async-copy
// engine with its outstanding-copy limits, the placements so far, and the bytes each
// instruction now serves from fast memory (which give copies more idle HBM time). Every change
// is recorded, so any mark can be rolled back to: the heuristic's uncommit and the game's
// snapshot/restore are the same operation.
#ifndef MMAP_OPT_GAME_MEMORY_STATE_H_
#define MMAP_OPT_GAME_MEMORY_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/heap/occupancy.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/async_copy_resource.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/placement_semantics.h"

namespace mmap_opt {

class MemoryState {
 public:
  using CopyHandle = int32_t;  // Names an async copy until it is removed or rolled back.

  static absl::StatusOr<MemoryState> Create(const CostModel& cost);

  const CostModel& cost() const { return *cost_; }
  const Program& program() const { return cost_->program(); }

  // A point to roll back to. Cheap: three integers.
  struct Mark {
    heap::Marker heap;
    size_t history = 0;
    size_t placements = 0;
  };
  Mark mark() const { return {heap_.Mark(), history_.size(), placements_.size()}; }
  // Takes back every chunk, copy, placement change and served byte after `mark`.
  void RollBack(const Mark& mark);
  // RollBack for undoing much of the state: the copy engine's cached queue states are cut at
  // the earliest change instead of replayed after each (AsyncCopyResource::set_bulk_changes).
  void RollBackFar(const Mark& mark);

  const heap::Occupancy& heap() const { return heap_; }
  // heap::Occupancy::KeepOffsetIndex: faster SortedOverlapping while few chunks are committed.
  void KeepOffsetIndex(int max_chunks) { heap_.KeepOffsetIndex(max_chunks); }

  // Fast memory over [start, end] (inclusive times).
  std::optional<int64_t> BestFit(int64_t size, Time start, Time end) const;
  void BestFits(int64_t size, Time start, Time end, int k, std::vector<int64_t>* offsets) const;
  bool IsFree(int64_t offset, int64_t size, Time start, Time end) const;
  // Reserves the rectangle; false (changing nothing) when it is not free.
  bool Reserve(int64_t offset, int64_t size, Time start, Time end);
  // Reserve for an offset BestFit (or a best fit among SortedOverlapping's chunks) just gave
  // for these times, with nothing reserved since: free by construction, so not checked again.
  void ReserveBestFit(int64_t offset, int64_t size, Time start, Time end);

  // Whether an async copy of `bytes` over `window` fits the copy engine's bandwidth without
  // making an accepted copy late, and the outstanding-copy limit.
  bool CanCopy(const CopyWindow& window, int64_t bytes, bool prefetch) const;
  // The outstanding-copy limit alone (CanCopy without the bandwidth check).
  bool WithinCopyLimit(const CopyWindow& window, bool prefetch) const;
  // For the copies of one kind due at `deadline` that may issue at any boundary in
  // [from, deadline): the last instruction there at which the limit is already reached (from - 1
  // when none; deadline - 1 when the limit is 0), so that WithinCopyLimit({issue, deadline})
  // is issue > LastAtCopyLimit(from, deadline) for each of them, without a scan per issue (the
  // heuristic tries up to ~100 issues per prefetch).
  Time LastAtCopyLimit(Time from, Time deadline, bool prefetch) const;
  // CanCopy's bandwidth check alone (the limit checked by the caller).
  bool FitsCopyEngine(const CopyWindow& window, int64_t bytes) const;
  CopyHandle AddCopy(const CopyWindow& window, int64_t bytes, bool prefetch);
  void RemoveCopy(CopyHandle handle);

  int AddPlacement(const proto::Placement& placement);
  const proto::Placement& placement(int index) const { return placements_[index]; }
  void SetPlacementEnd(int index, Time end);
  // Repacking (XLA's word): every placement so far moves to offsets[i], keeping its times, so
  // copies and served bytes stay as they are; its reserved chunks become one chunk at the new
  // offset. Fails, changing nothing, on a wrong count, a reserved chunk that lies in no
  // placement's rectangle (or a rectangle not wholly reserved), or new rectangles that collide,
  // are misaligned or pass the capacity. Recorded like every change: RollBack undoes it.
  absl::Status MovePlacements(const std::vector<int64_t>& offsets);
  int num_placements() const { return static_cast<int>(placements_.size()); }

  // Instruction t now reads / writes these extra bytes from fast memory: its slow-memory idle
  // time grows, and with it what the copy engine can move during it.
  void Serve(Time t, int64_t read_bytes, int64_t written_bytes);
  // Serves every access buffer b's placements from index `first` on cover.
  void ServePlacements(BufferIndex b, int first);
  int64_t fast_read_bytes(Time t) const { return fast_read_[t]; }
  int64_t fast_write_bytes(Time t) const { return fast_write_[t]; }

  // The placements so far, as an assignment.
  proto::Assignment ToAssignment(const std::string& agent) const;

 private:
  struct CopyRecord {
    AsyncCopyResource::CopyId engine_id = -1;
    CopyWindow window;
    int64_t bytes = 0;
    bool prefetch = true;
    bool live = false;
  };
  enum class Op { kAddCopy, kRemoveCopy, kPlacementEnd, kServe, kReserve, kPlacementOffset };
  struct Change {
    Op op;
    int32_t index;        // Copy handle, placement index or instruction.
    int64_t a = 0, b = 0; // Old end or offset; or served read / written bytes.
  };

  MemoryState(const CostModel& cost, heap::Occupancy heap);
  void Engage(CopyRecord& copy, int delta);  // Into (+1) or out of (-1) the engine and counts.
  void SetServed(Time t, int64_t read_bytes, int64_t written_bytes);

  const CostModel* cost_;
  heap::Occupancy heap_;
  AsyncCopyResource engine_;
  std::vector<int> prefetches_in_flight_;  // Per instruction.
  std::vector<int> evictions_in_flight_;
  std::vector<CopyRecord> copies_;  // Indexed by CopyHandle.
  std::vector<proto::Placement> placements_;
  // Every chunk Reserve committed, in order (MovePlacements finds each placement's chunks here;
  // handles the heap has since removed are skipped).
  std::vector<heap::ChunkHandle> reserved_;
  std::vector<int64_t> fast_read_;
  std::vector<int64_t> fast_write_;
  std::vector<Change> history_;
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_GAME_MEMORY_STATE_H_
