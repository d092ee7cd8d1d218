// XLA's memory-space assignment (xla-msa.md §1), on our flattened programs: one pass over the
// buffers in memory-boundedness order, each buffer's use segments decided in time order.
#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <utility>

#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/game/memory_state.h"
#include "mmap_opt/heap/packer.h"
#include "mmap_opt/plan/repack.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

// What one attempt at a buffer may do.
struct AttemptMode {
  bool produce_fast = true;     // The defining instruction may write into fast memory.
  bool copies = true;           // Prefetches and evictions are allowed.
  int retry = 0;                // Relaxes the eviction window (PreferredEvictionEnd).
  bool note_fragmented = true;  // Whether to record fragmented chunk requests (repacks left).
};

enum class Outcome { kDone, kEvictionFailed };

// Plans one buffer's placements into `plan` (the caller rolls back on failure).
class BufferPlanner {
 public:
  // `overlap`: scratch for the sorted chunk collections the best fits share.
  BufferPlanner(MemoryState& plan, const PrefetchIntervalPicker& picker,
                const HeuristicOptions& options, BufferIndex b, AttemptMode mode,
                std::vector<heap::Chunk>& overlap)
      : plan_(plan),
        picker_(picker),
        options_(options),
        program_(plan.program()),
        b_(b),
        size_(program_.buffer(b).size()),
        uses_(program_.uses(b)),
        mode_(mode),
        overlap_(overlap) {}

  Outcome Run() {
    std::optional<Time> def = program_.definition(b_);
    // Data in slow memory is available from this boundary (inputs: from the start).
    slow_from_ = def ? kNever : 0;
    size_t next = 0;  // Index in uses_ of the first use not yet decided.
    if (def) {
      if (!(mode_.produce_fast && TryProduce(*def))) slow_from_ = *def + 1;
    }
    for (; next < uses_.size(); ++next) {
      const Time use = uses_[next];
      if (current_ >= 0 && plan_.placement(current_).end() >= use) continue;  // Covered.
      if (current_ >= 0 && TryExtend(next)) continue;
      if (!CloseProduced(use)) return Outcome::kEvictionFailed;
      current_ = -1;  // The data has left fast memory; this use reads slow unless prefetched.
      if (mode_.copies && options_.enable_prefetch) TryPrefetch(next);
    }
    if (!CloseProduced(program_.num_instructions())) return Outcome::kEvictionFailed;
    return Outcome::kDone;
  }

  // The chunks this attempt wanted but found no contiguous room for although the fast memory
  // had the bytes over their times (fragmentation, which a repack can cure), as packer
  // rectangles over the shortest times each request would have accepted.
  const std::vector<heap::PackBuffer>& fragmented() const { return fragmented_; }

 private:
  static constexpr Time kNever = std::numeric_limits<Time>::max();

  // The furthest use index reachable from `from` while each gap between consecutive uses may
  // be kept in fast memory without a copy: reserving up to it saves copying again later.
  size_t ContiguousEnd(size_t from) const {
    size_t last = from;
    if (!options_.reserve_to_later_uses) return last;
    while (last + 1 < uses_.size() && picker_.CanKeepWithoutCopy(uses_[last], uses_[last + 1])) {
      ++last;
    }
    return last;
  }

  // End times to try for a chunk that must reach uses_[from]: the contiguous end first, back to
  // uses_[from] itself; at most 8 tries (always including the last).
  std::vector<Time> EndCandidates(size_t from) const {
    const size_t last = ContiguousEnd(from);
    std::vector<Time> ends;
    const size_t span = last - from + 1;
    const size_t step = std::max<size_t>(1, span / 7);
    for (size_t k = last + 1; k-- > from;) {
      if ((last - k) % step == 0 || k == from) ends.push_back(uses_[k]);
      if (k == 0) break;
    }
    return ends;
  }

  // Leaves out the ends at which a PRODUCED placement defined at `def` would need an
  // eviction HLO cannot write (sim/placement_semantics.h; none in a one-computation program).
  void KeepEvictable(Time def, std::vector<Time>* ends) const {
    ends->erase(std::remove_if(ends->begin(), ends->end(),
                               [&](Time end) { return !EvictableAt(program_, b_, def, end); }),
                ends->end());
  }

  // Records a failed chunk request over [start, end] when the bytes were there (only while a
  // repack may use it: the heap's usage tree it reads costs every commit).
  void NoteIfFragmented(Time start, Time end) {
    if (!mode_.note_fragmented) return;
    const heap::Occupancy& heap = plan_.heap();
    if (heap.MaxUsed(start, end) + size_ <= heap.capacity()) {
      fragmented_.push_back({start, end + 1, size_});
    }
  }

  // The defining instruction writes the buffer into fast memory (a PRODUCED placement).
  bool TryProduce(Time def) {
    std::vector<Time> ends;
    if (uses_.empty()) {
      ends.push_back(def);
    } else if (picker_.CanKeepWithoutCopy(def, uses_[0])) {
      ends = EndCandidates(0);
    } else {
      return false;
    }
    KeepEvictable(def, &ends);
    if (ends.empty()) return false;
    // Several ends: one sorted collection of the chunks over the longest serves every best fit
    // (each a sweep over it; the same answers as BestFit, heap/offset_index_test.cc).
    const bool shared = ends.size() > 1;
    if (shared) {
      plan_.heap().SortedOverlapping(def, *std::max_element(ends.begin(), ends.end()), &overlap_);
    }
    for (Time end : ends) {
      std::optional<int64_t> offset = shared ? plan_.heap().BestFitAmong(overlap_, size_, def, end)
                                             : plan_.BestFit(size_, def, end);
      if (!offset) continue;
      plan_.ReserveBestFit(*offset, size_, def, end);
      proto::Placement p;
      p.set_buffer_id(program_.buffer(b_).id());
      p.set_offset(*offset);
      p.set_start(def);
      p.set_end(end);
      p.set_source(proto::Placement::PRODUCED);
      current_ = produced_ = plan_.AddPlacement(p);
      return true;
    }
    NoteIfFragmented(def, ends.back());
    return false;
  }

  // Keeps the current placement's chunk, at its offset, through uses_[next] (no copy).
  bool TryExtend(size_t next) {
    const proto::Placement& p = plan_.placement(current_);
    const Time from = p.end() + 1;
    if (!picker_.CanKeepWithoutCopy(uses_[next - 1], uses_[next])) return false;
    std::vector<Time> ends = EndCandidates(next);
    if (current_ == produced_) KeepEvictable(p.start(), &ends);
    for (Time end : ends) {
      if (plan_.Reserve(p.offset(), size_, from, end)) {
        plan_.SetPlacementEnd(current_, end);
        return true;
      }
    }
    return false;
  }

  // Before the data leaves fast memory for good: a PRODUCED placement that is needed later
  // in slow memory (a later use, or an output) gets its eviction, extended at the same offset
  // towards the preferred eviction end to give the copy time. `needed_at`: the boundary by
  // which the slow copy must exist (the next uncovered use, or the end of the program).
  bool CloseProduced(Time needed_at) {
    if (produced_ < 0) return true;
    const int produced = produced_;
    produced_ = -1;
    current_ = -1;
    const proto::Placement& p = plan_.placement(produced);
    const bool later_use = !uses_.empty() && uses_.back() > p.end();
    if (!later_use && !program_.buffer(b_).is_output()) return true;  // Nothing to write back.
    if (!mode_.copies) return false;
    const Time latest = std::min<Time>(needed_at, program_.num_instructions()) - 1;
    Time end = std::max<Time>(p.end(),
                              picker_.PreferredEvictionEnd(size_, p.start(), latest, mode_.retry));
    // Largest end <= preferred whose extra rows are free at this offset (and, in a program
    // of several computations, in the definition's).
    while (end > p.end() && (!plan_.IsFree(p.offset(), size_, p.end() + 1, end) ||
                             !EvictableAt(program_, b_, p.start(), end))) {
      --end;
    }
    if (!EvictableAt(program_, b_, p.start(), end)) return false;
    const CopyWindow window = EvictionWindow(p.start(), end);
    if (window.deadline > program_.num_instructions() || window.deadline <= window.issue ||
        !CanCopy(window, /*prefetch=*/false)) {
      return false;
    }
    if (end > p.end()) {
      plan_.Reserve(p.offset(), size_, p.end() + 1, end);
      plan_.SetPlacementEnd(produced, end);
    }
    plan_.AddCopy(window, size_, /*prefetch=*/false);
    slow_from_ = end + 1;
    return true;
  }

  bool CanCopy(const CopyWindow& window, bool prefetch) const {
    return options_.check_copy_bandwidth ? plan_.CanCopy(window, size_, prefetch)
                                         : plan_.WithinCopyLimit(window, prefetch);
  }
  // CanCopy for a prefetch issued at or after `from`, given
  // last_at_limit = plan_.LastAtCopyLimit(from, window.deadline, true).
  bool CanPrefetch(const CopyWindow& window, Time last_at_limit) const {
    if (window.issue >= window.deadline) return CanCopy(window, /*prefetch=*/true);
    if (window.issue <= last_at_limit) return false;
    return !options_.check_copy_bandwidth || plan_.FitsCopyEngine(window, size_);
  }

  // How much faster the use at `t` runs with this buffer's read from fast memory.
  double UseSpeedup(Time t) const {
    const CostModel& cost = plan_.cost();
    const int64_t fast_read = plan_.fast_read_bytes(t), fast_write = plan_.fast_write_bytes(t);
    return cost.Cost(t, fast_read, fast_write).elapsed_s -
           cost.Cost(t, fast_read + cost.BytesOf(t, b_).read, fast_write).elapsed_s;
  }

  // A prefetch from slow memory for uses_[next], issued at the picker's candidates in order.
  void TryPrefetch(size_t next) {
    const Time use = uses_[next];
    Time earliest = slow_from_;
    if (previous_end_ >= 0) earliest = std::max(earliest, previous_end_ + 1);
    if (earliest == kNever || earliest >= use) return;
    // The picker's starts one at a time: this takes the first that fits.
    PrefetchStartWalk starts = picker_.StartWalk(size_, earliest - 1, use, UseSpeedup(use));
    const std::vector<Time> ends = EndCandidates(next);
    Time latest_copyable = -1;  // The latest issue whose copy fitted the engine.
    // Nothing is committed until a best fit succeeds (and then it returns): one sorted
    // collection of the chunks serves every best fit of the starts whose window it spans (each
    // a sweep over it, the same answers as BestFit): over the first copyable start's window
    // when it has several ends to try, over every start's window from the next one on.
    bool first_copyable = true;
    Time collected_from = kNever;  // The collection spans issues from here on (kNever: none).
    const Time from = PrefetchWindow(starts.lower_bound() + 1, use).issue;  // No issue earlier.
    const Time last_end = ends.empty() ? 0 : *std::max_element(ends.begin(), ends.end());
    std::optional<Time> last_at_limit;  // At the first start.
    while (std::optional<Time> after = starts.Next()) {
      const CopyWindow window = PrefetchWindow(*after + 1, use);
      if (!last_at_limit) last_at_limit = plan_.LastAtCopyLimit(from, use, /*prefetch=*/true);
      if (!CanPrefetch(window, *last_at_limit)) continue;
      latest_copyable = std::max(latest_copyable, window.issue);
      if (window.issue < collected_from && (!first_copyable || ends.size() > 1)) {
        collected_from = first_copyable ? window.issue : from;
        plan_.heap().SortedOverlapping(collected_from, last_end, &overlap_);
      }
      first_copyable = false;
      const bool shared = window.issue >= collected_from;
      for (Time end : ends) {
        std::optional<int64_t> offset =
            shared ? plan_.heap().BestFitAmong(overlap_, size_, window.issue, end)
                   : plan_.BestFit(size_, window.issue, end);
        if (!offset) continue;
        plan_.ReserveBestFit(*offset, size_, window.issue, end);
        proto::Placement p;
        p.set_buffer_id(program_.buffer(b_).id());
        p.set_offset(*offset);
        p.set_start(use);
        p.set_end(end);
        p.set_source(proto::Placement::PREFETCHED);
        p.set_copy_start(window.issue);
        plan_.AddCopy(window, size_, /*prefetch=*/true);
        current_ = plan_.AddPlacement(p);
        previous_end_ = end;
        return;
      }
    }
    if (latest_copyable >= 0) NoteIfFragmented(latest_copyable, use);
  }

  MemoryState& plan_;
  const PrefetchIntervalPicker& picker_;
  const HeuristicOptions& options_;
  const Program& program_;
  const BufferIndex b_;
  const int64_t size_;
  const absl::Span<const Time> uses_;
  const AttemptMode mode_;
  std::vector<heap::Chunk>& overlap_;
  Time slow_from_ = kNever;
  int current_ = -1;        // The placement the data is in now, if any.
  int produced_ = -1;       // The PRODUCED placement while it is still open.
  Time previous_end_ = -1;  // End of the latest prefetched placement.
  std::vector<heap::PackBuffer> fragmented_;
};

// Bytes served from fast memory vs bytes copied, for the inefficiency filter.
bool IsInefficient(const MemoryState& plan, BufferIndex b, int first, double ratio) {
  if (ratio <= 0) return false;
  const CostModel& cost = plan.cost();
  const Program& program = plan.program();
  int64_t used = 0, copied = 0;
  for (int i = first; i < plan.num_placements(); ++i) {
    const proto::Placement& p = plan.placement(i);
    if (p.source() == proto::Placement::PRODUCED) {
      used += cost.BytesOf(p.start(), b).written;
      const bool evicted = program.buffer(b).is_output() ||
                           (!program.uses(b).empty() && program.uses(b).back() > p.end());
      if (evicted) copied += program.buffer(b).size();
    } else {
      copied += program.buffer(b).size();
    }
    for (Time t : program.uses(b)) {
      if (t >= p.start() && t <= p.end()) used += cost.BytesOf(t, b).read;
    }
  }
  return ratio * static_cast<double>(copied) > static_cast<double>(used);
}

std::vector<double> AllSlowElapsed(const CostModel& cost) {
  std::vector<double> elapsed(cost.program().num_instructions());
  for (Time t = 0; t < static_cast<Time>(elapsed.size()); ++t) elapsed[t] = cost.AllSlowElapsed(t);
  return elapsed;
}

// Plans buffer b's placements (from index `first` on): attempts in turn, each retry relaxing
// the eviction timing; when evictions keep failing the buffer is produced in slow memory
// instead (XLA's uncommit + retry ends the same way). Returns the accepted attempt's
// fragmented chunk requests (none unless `note_fragmented`).
std::vector<heap::PackBuffer> PlanBuffer(MemoryState& plan, const PrefetchIntervalPicker& picker,
                                         const HeuristicOptions& options, BufferIndex b, int first,
                                         bool note_fragmented, std::vector<heap::Chunk>& overlap) {
  // Produce-fast attempts, one per retry; then one producing in slow memory.
  const int retries = std::max(options.max_retries, 1);
  std::vector<heap::PackBuffer> fragmented;
  for (int attempt = 0; attempt <= retries; ++attempt) {
    const AttemptMode mode = attempt < retries ? AttemptMode{true, true, attempt, note_fragmented}
                                               : AttemptMode{false, true, 0, note_fragmented};
    const MemoryState::Mark mark = plan.mark();
    BufferPlanner planner(plan, picker, options, b, mode, overlap);
    Outcome outcome = planner.Run();
    fragmented = planner.fragmented();
    if (outcome == Outcome::kDone &&
        IsInefficient(plan, b, first, options.inefficient_use_to_copy_ratio)) {
      plan.RollBack(mark);
      BufferPlanner copyless(plan, picker, options, b, {true, false, 0, note_fragmented}, overlap);
      outcome = copyless.Run();
      fragmented = copyless.fragmented();
    }
    if (outcome == Outcome::kDone) break;
    plan.RollBack(mark);
  }
  return fragmented;
}

// Uses of b that read fast memory under its placements from `first` on.
int FastUses(const MemoryState& plan, BufferIndex b, int first) {
  int fast = 0;
  for (Time t : plan.program().uses(b)) {
    for (int i = first; i < plan.num_placements(); ++i) {
      if (t >= plan.placement(i).start() && t <= plan.placement(i).end()) {
        ++fast;
        break;
      }
    }
  }
  return fast;
}

// New offsets for the placements before `first` under which the wanted chunks fit too, or
// nullopt. All the wanted chunks together first, then the earliest alone: one use segment
// served is better than none.
absl::StatusOr<std::optional<std::vector<int64_t>>> RepackFor(
    const MemoryState& plan, int first, const std::vector<heap::PackBuffer>& wanted,
    const HeuristicOptions& options) {
  const proto::Hardware& hw = plan.cost().hardware();
  proto::Assignment placed = plan.ToAssignment("heuristic");
  placed.mutable_placements()->DeleteSubrange(first, placed.placements_size() - first);
  const std::vector<heap::PackBuffer> buffers = plan::PlacementBuffers(plan.program(), placed);
  heap::PackOptions pack;
  pack.capacity = hw.fast_capacity();
  pack.alignment = hw.fast_alignment();
  pack.time_limit_seconds = options.repack_time_limit_s;
  pack.exact_search = options.repack_time_limit_s > 0;
  std::vector<std::vector<heap::PackBuffer>> tries = {wanted};
  if (wanted.size() > 1) tries.push_back({wanted.front()});
  for (const std::vector<heap::PackBuffer>& extra : tries) {
    std::vector<heap::PackBuffer> all = buffers;
    all.insert(all.end(), extra.begin(), extra.end());
    ASSIGN_OR_RETURN(heap::PackResult packed, heap::Pack(all, pack));
    if (packed.status != heap::PackStatus::kPacked) continue;
    packed.offsets.resize(buffers.size());
    return std::optional<std::vector<int64_t>>(std::move(packed.offsets));
  }
  return std::optional<std::vector<int64_t>>();
}

}  // namespace

// The heuristic's whole state between buffers: the plan, the picker, and per position of the
// buffer order what was true before that buffer was planned.
struct IncrementalMsaHeuristic::Impl {
  Impl(const CostModel& cost, const HeuristicOptions& options, MemoryState plan)
      : options(options),
        plan(std::move(plan)),
        elapsed(AllSlowElapsed(cost)),
        ordering(cost),
        picker(elapsed, cost.CopyBandwidth(), cost.hardware().fast_capacity(), options.prefetch,
               cost.program().computations()) {}

  struct Before {  // The state before the buffer at this position of the order was planned.
    MemoryState::Mark mark;
    int repacks_left = 0;
    HeuristicStats counts;
  };

  // Plans order[from..] on top of what is planned before position `from`.
  absl::Status PlanFrom(size_t from) {
    plan.RollBackFar(before[from].mark);
    before.resize(from + 1);
    int repacks_left = before[from].repacks_left;
    counts = before[from].counts;
    for (size_t position = from; position < order.size(); ++position) {
      if (position > from) before.push_back({plan.mark(), repacks_left, counts});
      const BufferIndex b = order[position];
      const int first = plan.num_placements();
      const MemoryState::Mark mark = plan.mark();
      const std::vector<heap::PackBuffer> fragmented =
          PlanBuffer(plan, picker, options, b, first, repacks_left > 0, overlap);
      // XLA's repack (xla-msa.md §1.7): on an out-of-memory failure with repacks left, uncommit
      // the buffer, repack what is placed, and plan the buffer once more.
      if (!fragmented.empty() && repacks_left > 0) {
        --repacks_left;
        ++counts.repacks_tried;
        ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> offsets,
                         RepackFor(plan, first, fragmented, options));
        if (offsets) {
          const int fast_before = FastUses(plan, b, first);
          plan.RollBack(mark);
          RETURN_IF_ERROR(plan.MovePlacements(*offsets));
          ++counts.repacks_applied;
          PlanBuffer(plan, picker, options, b, first, repacks_left > 0, overlap);
          if (FastUses(plan, b, first) > fast_before) ++counts.buffers_improved;
        }
      }
      plan.ServePlacements(b, first);
    }
    return absl::OkStatus();
  }

  const HeuristicOptions options;  // Its priority is unused: each Plan brings its own.
  MemoryState plan;
  const std::vector<double> elapsed;
  const MsaBufferOrdering ordering;
  const PrefetchIntervalPicker picker;
  std::vector<BufferIndex> order;    // The buffer order of the plan now held.
  std::vector<Before> before;        // Per position of `order` (position 0 only, before any).
  std::vector<heap::Chunk> overlap;  // BufferPlanner's scratch.
  HeuristicStats counts;
  bool planned = false;
};

absl::StatusOr<IncrementalMsaHeuristic> IncrementalMsaHeuristic::Create(
    const CostModel& cost, const HeuristicOptions& options) {
  ASSIGN_OR_RETURN(MemoryState plan, MemoryState::Create(cost));
  return IncrementalMsaHeuristic(cost, std::make_unique<Impl>(cost, options, std::move(plan)));
}

IncrementalMsaHeuristic::IncrementalMsaHeuristic(const CostModel& cost, std::unique_ptr<Impl> impl)
    : cost_(&cost), impl_(std::move(impl)) {
  impl_->before.push_back({impl_->plan.mark(),
                           cost.hardware().fast_capacity() > 0 ? impl_->options.max_repacks : 0,
                           {}});
}

IncrementalMsaHeuristic::IncrementalMsaHeuristic(IncrementalMsaHeuristic&&) noexcept = default;
IncrementalMsaHeuristic& IncrementalMsaHeuristic::operator=(IncrementalMsaHeuristic&&) noexcept =
    default;
IncrementalMsaHeuristic::~IncrementalMsaHeuristic() = default;

absl::StatusOr<proto::Assignment> IncrementalMsaHeuristic::Plan(absl::Span<const double> priority,
                                                                HeuristicStats* stats) {
  RETURN_IF_ERROR(CheckBufferPriority(cost_->program(), priority));
  const std::vector<double> spatial =
      priority.empty() && impl_->options.order == HeuristicOptions::Order::kSpatial
          ? SpatialBufferPriority(cost_->program())
          : std::vector<double>();
  std::vector<BufferIndex> order = impl_->ordering.Order(spatial.empty() ? priority : spatial);
  // The buffers before the first position where the orders differ see the same state and so
  // decide the same: keep their plan.
  size_t from = 0;
  if (impl_->planned) {
    while (from < order.size() && from < impl_->order.size() && order[from] == impl_->order[from]) {
      ++from;
    }
  }
  impl_->order = std::move(order);
  replanned_ = static_cast<int>(impl_->order.size() - from);
  if (!impl_->planned || replanned_ > 0) {
    impl_->planned = false;  // Until PlanFrom succeeds.
    RETURN_IF_ERROR(impl_->PlanFrom(from));
    impl_->planned = true;
  }
  if (stats) *stats = impl_->counts;
  return impl_->plan.ToAssignment("heuristic");
}

absl::StatusOr<proto::Assignment> RunMsaHeuristic(const CostModel& cost,
                                                  const HeuristicOptions& options,
                                                  HeuristicStats* stats) {
  RETURN_IF_ERROR(CheckBufferPriority(cost.program(), options.priority));
  ASSIGN_OR_RETURN(IncrementalMsaHeuristic heuristic,
                   IncrementalMsaHeuristic::Create(cost, options));
  return heuristic.Plan(options.priority, stats);
}

absl::StatusOr<proto::Assignment> RunGreedy(const CostModel& cost) {
  const Program& program = cost.program();
  ASSIGN_OR_RETURN(MemoryState plan, MemoryState::Create(cost));
  std::vector<BufferIndex> order;
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) {
    if (program.definition(b) && !program.buffer(b).slow_only() &&
        program.buffer(b).size() <= cost.hardware().fast_capacity()) {
      order.push_back(b);
    }
  }
  std::stable_sort(order.begin(), order.end(), [&](BufferIndex a, BufferIndex b) {
    return program.buffer(a).size() > program.buffer(b).size();
  });
  for (BufferIndex b : order) {
    const int64_t size = program.buffer(b).size();
    const LiveRange live = program.live_range(b);
    std::optional<int64_t> offset = plan.BestFit(size, live.start, live.end);
    if (!offset) continue;
    const bool output = program.buffer(b).is_output();
    const CopyWindow eviction = EvictionWindow(live.start, live.end);
    if (output &&
        (eviction.deadline <= eviction.issue || !EvictableAt(program, b, live.start, live.end) ||
         !plan.CanCopy(eviction, size, /*prefetch=*/false))) {
      continue;
    }
    plan.Reserve(*offset, size, live.start, live.end);
    if (output) plan.AddCopy(eviction, size, /*prefetch=*/false);
    proto::Placement p;
    p.set_buffer_id(program.buffer(b).id());
    p.set_offset(*offset);
    p.set_start(live.start);
    p.set_end(live.end);
    p.set_source(proto::Placement::PRODUCED);
    const int first = plan.AddPlacement(p);
    plan.ServePlacements(b, first);
  }
  return plan.ToAssignment("greedy");
}

}  // namespace mmap_opt
