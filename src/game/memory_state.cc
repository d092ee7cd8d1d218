#include "mmap_opt/game/memory_state.h"

#include <algorithm>

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
    }
  }
  placements_.resize(std::min(placements_.size(), mark.placements));
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
  return heap_.Commit({offset, size, start, end}).ok();
}

bool MemoryState::CanCopy(const CopyWindow& window, int64_t bytes, bool prefetch) const {
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
  // Engine slot t is instruction t: a copy issued at boundary `issue` runs during instructions
  // issue .. deadline - 1, i.e. strictly between issue - 1 and deadline.
  return engine_.CanAdd(window.issue - 1, window.deadline, cost_->CopySeconds(bytes));
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
