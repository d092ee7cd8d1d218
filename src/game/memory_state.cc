#include "mmap_opt/game/memory_state.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

std::vector<double> AllSlowIdle(const CostModel& cost) {
  std::vector<double> idle(cost.program().num_instructions());
  for (Time t = 0; t < static_cast<Time>(idle.size()); ++t) {
    idle[t] = cost.Cost(t, 0, 0).slow_idle_s;
  }
  return idle;
}

// The validator counts a copy as in flight over instructions [issue, max(deadline, issue + 1)).
std::pair<Time, Time> CountedSpan(const CopyWindow& window, Time horizon) {
  return {window.issue, std::min(std::max(window.deadline, window.issue + 1), horizon)};
}

}  // namespace

absl::StatusOr<MemoryState> MemoryState::Create(const CostModel& cost) {
  const proto::Hardware& hw = cost.hardware();
  ASSIGN_OR_RETURN(heap::Occupancy heap,
                   heap::Occupancy::Create(hw.fast_capacity(), hw.fast_alignment(),
                                           std::max<Time>(cost.program().num_instructions(), 1)));
  return MemoryState(cost, std::move(heap));
}

MemoryState::MemoryState(const CostModel& cost, heap::Occupancy heap)
    : cost_(&cost),
      heap_(std::move(heap)),
      engine_(AllSlowIdle(cost)),
      prefetches_in_flight_(cost.program().num_instructions() + 1, 0),
      evictions_in_flight_(cost.program().num_instructions() + 1, 0),
      fast_read_(cost.program().num_instructions(), 0),
      fast_write_(cost.program().num_instructions(), 0) {}

void MemoryState::RollBack(const Mark& mark) {
  heap_.RollBack(mark.heap);
  while (history_.size() > mark.history) {
    const Change change = history_.back();
    history_.pop_back();
    switch (change.op) {
      case Op::kAddCopy:
        Engage(copies_[change.index], -1);
        if (change.index == static_cast<int32_t>(copies_.size()) - 1) copies_.pop_back();
        break;
      case Op::kRemoveCopy:
        Engage(copies_[change.index], +1);
        break;
      case Op::kPlacementEnd:
        placements_[change.index].set_end(change.a);
        break;
      case Op::kServe:
        SetServed(change.index, fast_read_[change.index] - change.a,
                  fast_write_[change.index] - change.b);
        break;
      case Op::kReserve:
        reserved_.pop_back();
        break;
      case Op::kPlacementOffset:
        placements_[change.index].set_offset(change.a);
        break;
    }
  }
  placements_.resize(std::min(placements_.size(), mark.placements));
}

void MemoryState::RollBackFar(const Mark& mark) {
  engine_.set_bulk_changes(true);
  RollBack(mark);
  engine_.set_bulk_changes(false);
}

std::optional<int64_t> MemoryState::BestFit(int64_t size, Time start, Time end) const {
  return heap_.BestFit(size, start, end);
}

void MemoryState::BestFits(int64_t size, Time start, Time end, int k,
                           std::vector<int64_t>* offsets) const {
  heap_.BestFits(size, start, end, k, offsets);
}

bool MemoryState::IsFree(int64_t offset, int64_t size, Time start, Time end) const {
  return heap_.IsFree({offset, size, start, end});
}

bool MemoryState::Reserve(int64_t offset, int64_t size, Time start, Time end) {
  absl::StatusOr<heap::ChunkHandle> handle = heap_.Commit({offset, size, start, end});
  if (!handle.ok()) return false;
  reserved_.push_back(*handle);
  history_.push_back({Op::kReserve, *handle});
  return true;
}

void MemoryState::ReserveBestFit(int64_t offset, int64_t size, Time start, Time end) {
  const heap::ChunkHandle handle = heap_.CommitFree({offset, size, start, end});
  reserved_.push_back(handle);
  history_.push_back({Op::kReserve, handle});
}

bool MemoryState::WithinCopyLimit(const CopyWindow& window, bool prefetch) const {
  const proto::Hardware& hw = cost_->hardware();
  const int limit = prefetch ? hw.max_outstanding_prefetches() : hw.max_outstanding_evictions();
  if (limit == 0) return false;
  if (limit > 0) {
    const std::vector<int>& in_flight = prefetch ? prefetches_in_flight_ : evictions_in_flight_;
    auto [begin, end] = CountedSpan(window, static_cast<Time>(in_flight.size()));
    for (Time t = begin; t < end; ++t) {
      if (in_flight[t] >= limit) return false;
    }
  }
  return true;
}

Time MemoryState::LastAtCopyLimit(Time from, Time deadline, bool prefetch) const {
  const proto::Hardware& hw = cost_->hardware();
  const int limit = prefetch ? hw.max_outstanding_prefetches() : hw.max_outstanding_evictions();
  if (limit == 0) return deadline - 1;
  if (limit > 0) {
    // An issue in [from, deadline) counts over [issue, deadline) (CountedSpan).
    const std::vector<int>& in_flight = prefetch ? prefetches_in_flight_ : evictions_in_flight_;
    for (Time t = std::min<Time>(deadline, static_cast<Time>(in_flight.size())) - 1; t >= from;
         --t) {
      if (in_flight[t] >= limit) return t;
    }
  }
  return from - 1;
}

bool MemoryState::FitsCopyEngine(const CopyWindow& window, int64_t bytes) const {
  // Engine slot t is instruction t: a copy issued at boundary `issue` runs during instructions
  // issue .. deadline - 1, i.e. strictly between issue - 1 and deadline.
  return engine_.CanAdd(window.issue - 1, window.deadline, cost_->CopySeconds(bytes));
}

bool MemoryState::CanCopy(const CopyWindow& window, int64_t bytes, bool prefetch) const {
  return WithinCopyLimit(window, prefetch) && FitsCopyEngine(window, bytes);
}

void MemoryState::Engage(CopyRecord& copy, int delta) {
  std::vector<int>& in_flight = copy.prefetch ? prefetches_in_flight_ : evictions_in_flight_;
  auto [begin, end] = CountedSpan(copy.window, static_cast<Time>(in_flight.size()));
  for (Time t = begin; t < end; ++t) in_flight[t] += delta;
  if (delta > 0) {
    copy.engine_id = engine_.Add(copy.window.issue - 1, copy.window.deadline,
                                 cost_->CopySeconds(copy.bytes));
  } else {
    engine_.Remove(copy.engine_id);
  }
  copy.live = delta > 0;
}

MemoryState::CopyHandle MemoryState::AddCopy(const CopyWindow& window, int64_t bytes,
                                             bool prefetch) {
  const CopyHandle handle = static_cast<CopyHandle>(copies_.size());
  copies_.push_back({-1, window, bytes, prefetch, false});
  Engage(copies_.back(), +1);
  history_.push_back({Op::kAddCopy, handle});
  return handle;
}

void MemoryState::RemoveCopy(CopyHandle handle) {
  if (!copies_[handle].live) return;
  Engage(copies_[handle], -1);
  history_.push_back({Op::kRemoveCopy, handle});
}

int MemoryState::AddPlacement(const proto::Placement& placement) {
  placements_.push_back(placement);
  return static_cast<int>(placements_.size()) - 1;
}

void MemoryState::SetPlacementEnd(int index, Time end) {
  history_.push_back({Op::kPlacementEnd, index, placements_[index].end()});
  placements_[index].set_end(end);
}

absl::Status MemoryState::MovePlacements(const std::vector<int64_t>& offsets) {
  if (offsets.size() != placements_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(offsets.size(), " offsets for ",
                                                   placements_.size(), " placements"));
  }
  const Program& program = cost_->program();
  std::vector<int64_t> sizes(placements_.size());
  // Placements by (offset, size), each list by occupied start: a chunk belongs to the one whose
  // times contain it (two of them cannot overlap in time at the same bytes).
  std::map<std::pair<int64_t, int64_t>, std::vector<std::pair<Time, int>>> by_rectangle;
  for (int i = 0; i < num_placements(); ++i) {
    std::optional<BufferIndex> b = program.IndexOf(placements_[i].buffer_id());
    if (!b) {
      return absl::FailedPreconditionError(
          absl::StrCat("placement ", i, " names unknown buffer ", placements_[i].buffer_id()));
    }
    sizes[i] = program.buffer(*b).size();
    by_rectangle[{placements_[i].offset(), sizes[i]}].push_back({OccupiedStart(placements_[i]), i});
  }
  for (auto& [key, list] : by_rectangle) std::sort(list.begin(), list.end());
  std::vector<std::vector<heap::ChunkHandle>> chunks_of(placements_.size());
  std::vector<Time> covered(placements_.size(), 0);
  for (heap::ChunkHandle handle : reserved_) {
    if (!heap_.is_committed(handle)) continue;
    const heap::Chunk& chunk = heap_.chunk(handle);
    auto it = by_rectangle.find({chunk.offset, chunk.size});
    int owner = -1;
    if (it != by_rectangle.end()) {
      auto after = std::upper_bound(it->second.begin(), it->second.end(),
                                    std::make_pair(chunk.start, num_placements()));
      if (after != it->second.begin() && chunk.end <= placements_[std::prev(after)->second].end()) {
        owner = std::prev(after)->second;
      }
    }
    if (owner < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "chunk at offset ", chunk.offset, " of ", chunk.size, " B over [", chunk.start, ", ",
          chunk.end, "] lies in no placement"));
    }
    chunks_of[owner].push_back(handle);
    covered[owner] += chunk.end - chunk.start + 1;
  }
  for (int i = 0; i < num_placements(); ++i) {
    if (covered[i] != placements_[i].end() - OccupiedStart(placements_[i]) + 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("placement ", i, " is not wholly reserved in fast memory"));
    }
  }
  // Every moving rectangle leaves before any arrives: new spots may be old spots of others.
  const heap::Marker before = heap_.Mark();
  for (int i = 0; i < num_placements(); ++i) {
    if (offsets[i] == placements_[i].offset()) continue;
    for (heap::ChunkHandle handle : chunks_of[i]) {
      if (absl::Status removed = heap_.Remove(handle); !removed.ok()) {
        heap_.RollBack(before);
        return removed;
      }
    }
  }
  std::vector<heap::ChunkHandle> committed;
  for (int i = 0; i < num_placements(); ++i) {
    if (offsets[i] == placements_[i].offset()) continue;
    absl::StatusOr<heap::ChunkHandle> handle =
        heap_.Commit({offsets[i], sizes[i], OccupiedStart(placements_[i]), placements_[i].end()});
    if (!handle.ok()) {
      heap_.RollBack(before);
      return absl::InvalidArgumentError(absl::StrCat("placement ", i, " cannot move to offset ",
                                                     offsets[i], ": ", handle.status().message()));
    }
    committed.push_back(*handle);
  }
  for (heap::ChunkHandle handle : committed) {
    reserved_.push_back(handle);
    history_.push_back({Op::kReserve, handle});
  }
  for (int i = 0; i < num_placements(); ++i) {
    if (offsets[i] == placements_[i].offset()) continue;
    history_.push_back({Op::kPlacementOffset, i, placements_[i].offset()});
    placements_[i].set_offset(offsets[i]);
  }
  return absl::OkStatus();
}

void MemoryState::SetServed(Time t, int64_t read_bytes, int64_t written_bytes) {
  fast_read_[t] = read_bytes;
  fast_write_[t] = written_bytes;
  engine_.SetCapacity(t, cost_->Cost(t, read_bytes, written_bytes).slow_idle_s);
}

void MemoryState::Serve(Time t, int64_t read_bytes, int64_t written_bytes) {
  if (read_bytes == 0 && written_bytes == 0) return;
  history_.push_back({Op::kServe, static_cast<int32_t>(t), read_bytes, written_bytes});
  SetServed(t, fast_read_[t] + read_bytes, fast_write_[t] + written_bytes);
}

void MemoryState::ServePlacements(BufferIndex b, int first) {
  const Program& program = cost_->program();
  for (int i = first; i < num_placements(); ++i) {
    const proto::Placement& p = placements_[i];
    if (p.source() == proto::Placement::PRODUCED) {
      Serve(p.start(), 0, cost_->BytesOf(p.start(), b).written);
    }
    absl::Span<const Time> uses = program.uses(b);
    for (auto it = std::lower_bound(uses.begin(), uses.end(), p.start());
         it != uses.end() && *it <= p.end(); ++it) {
      Serve(*it, cost_->BytesOf(*it, b).read, 0);
    }
  }
}

proto::Assignment MemoryState::ToAssignment(const std::string& agent) const {
  proto::Assignment assignment;
  assignment.set_program_name(program().name());
  assignment.set_agent(agent);
  for (const proto::Placement& p : placements_) *assignment.add_placements() = p;
  return assignment;
}

}  // namespace mmap_opt
