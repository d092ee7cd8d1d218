// The MallocGame environment. A step costs a few heap queries (candidate offsets for the next
// segment) and at most one copy-engine check; snapshot/restore is a mark and a rollback.
#include "mmap_opt/game/malloc_game.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "mmap_opt/game/buffer_order.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

float Clip01(double value) { return static_cast<float>(std::clamp(value, 0.0, 1.0)); }

// std::rotate(v.begin() + first, v.begin() + middle, v.begin() + last) through a copy of the
// shorter side and one memmove of the longer (a Defer moves a few segments past thousands;
// std::rotate's element swaps were a tenth of a random game).
template <typename T>
void Rotate(std::vector<T>& v, int first, int middle, int last) {
  thread_local std::vector<T> side;
  const auto begin = v.begin();
  if (middle - first <= last - middle) {
    side.assign(begin + first, begin + middle);
    std::move(begin + middle, begin + last, begin + first);
    std::copy(side.begin(), side.end(), begin + first + (last - middle));
  } else {
    side.assign(begin + middle, begin + last);
    std::move_backward(begin + first, begin + middle, begin + last);
    std::copy(side.begin(), side.end(), begin + first);
  }
}

}  // namespace

int MallocGame::ObservationSize(const GameOptions& options) {
  return 8 + options.occupancy_bins + 6 * options.num_candidates + 2 + 3 * options.lookahead + 2;
}

int MallocGame::NumActions(const GameOptions& options) {
  return 1 + 2 * options.num_candidates + (options.max_defers > 0 ? 1 : 0);
}

absl::StatusOr<MallocGame> MallocGame::Create(const CostModel& cost, GameOptions options) {
  if (options.num_candidates < 1 || options.num_candidates > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_candidates must be in [1, 64], not ", options.num_candidates));
  }
  if (options.max_defers < 0 || options.max_defers > 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_defers must be in [0, 16], not ", options.max_defers));
  }
  if (!(options.defer_scale > 0 && options.defer_scale <= 50)) {
    return absl::InvalidArgumentError(
        absl::StrCat("defer_scale must be in (0, 50], not ", options.defer_scale));
  }
  RETURN_IF_ERROR(CheckBufferPriority(cost.program(), options.priority));
  if (!options.later_evictions.empty()) {
    if (options.later_evictions.size() != static_cast<size_t>(cost.program().num_buffers())) {
      return absl::InvalidArgumentError(
          absl::StrCat("later_evictions needs one entry per buffer (", cost.program().num_buffers(),
                       "), not ", options.later_evictions.size()));
    }
    for (int later : options.later_evictions) {
      if (later < 0 || later > kMaxLaterEvictions) {
        return absl::InvalidArgumentError(absl::StrCat("later_evictions must be in [0, ",
                                                       kMaxLaterEvictions, "], not ", later));
      }
    }
  }
  ASSIGN_OR_RETURN(MemoryState state, MemoryState::Create(cost));
  std::vector<double> elapsed(cost.program().num_instructions());
  for (Time t = 0; t < static_cast<Time>(elapsed.size()); ++t) elapsed[t] = cost.AllSlowElapsed(t);
  return MallocGame(cost, options, std::move(state), std::move(elapsed));
}

MallocGame::MallocGame(const CostModel& cost, GameOptions options, MemoryState state,
                       std::vector<double> elapsed)
    : cost_(&cost),
      options_(options),
      elapsed_(std::move(elapsed)),
      picker_(elapsed_, cost.CopyBandwidth(), cost.hardware().fast_capacity(), options.prefetch,
              cost.program().computations()),
      state_(std::move(state)) {
  const Program& program = cost.program();
  // Each step's candidates start with one SortedOverlapping (ComputeCandidates).
  state_.KeepOffsetIndex(kOffsetIndexChunks);
  // The heuristic's order, so that both play the same game.
  for (BufferIndex b : MsaBufferOrder(cost, options_.priority)) {
    absl::Span<const Time> uses = program.uses(b);
    Time previous = program.definition(b).value_or(-1);
    // A defined buffer nobody reads (an output, or dead) still has one decision, as in the
    // heuristic: produce it into fast memory (saving its write) or not.
    if (uses.empty() && previous >= 0) segments_.push_back({b, 0, previous, previous});
    for (int i = 0; i < static_cast<int>(uses.size()); ++i) {
      segments_.push_back({b, i, previous, uses[i]});
      previous = uses[i];
    }
  }
  priority_ = options_.priority.empty() ? cost.MemoryBoundedness() : options_.priority;
  segment_priority_.reserve(segments_.size());
  for (const Segment& seg : segments_) segment_priority_.push_back(priority_[seg.buffer]);
  defers_.assign(program.num_buffers(), 0);
  headroom_ = std::max(cost.AllSlowLatency() - cost.LowerBoundLatency(), 1e-30);
  legal_.assign(num_actions(), false);
  EnterSegment();
}

Action MallocGame::DecodeAction(int index) const {
  const int k = options_.num_candidates;
  if (index == 2 * k + 1 && options_.max_defers > 0) return {ActionKind::kDefer, 0};
  if (index <= 0 || index > 2 * k) return {ActionKind::kDrop, 0};
  if (index <= k) return {ActionKind::kNoCopy, index - 1};
  return {ActionKind::kCopy, index - k - 1};
}

int MallocGame::EncodeAction(const Action& action) const {
  switch (action.kind) {
    case ActionKind::kDrop:
      return 0;
    case ActionKind::kNoCopy:
      return 1 + action.candidate;
    case ActionKind::kCopy:
      return 1 + options_.num_candidates + action.candidate;
    case ActionKind::kDefer:
      return 1 + 2 * options_.num_candidates;
  }
  return 0;
}

Time MallocGame::reserve_end(const Action& action) const {
  if (action.kind != ActionKind::kCopy) return no_copy_end_;
  return action.candidate < static_cast<int>(copy_ends_.size()) ? copy_ends_[action.candidate]
                                                                : segment().use;
}

std::optional<Time> MallocGame::copy_start(int k) const {
  if (k < 0 || k >= static_cast<int>(copy_starts_.size())) return std::nullopt;
  return copy_starts_[k];
}

int MallocGame::SegmentCount(BufferIndex b) const {
  return std::max<int>(cost_->program().uses(b).size(), 1);
}

void MallocGame::ReserveEnds(std::vector<Time>* out) const {
  std::vector<Time>& ends = *out;
  ends.clear();
  const Segment& seg = segment();
  const absl::Span<const Time> uses = cost_->program().uses(seg.buffer);
  if (uses.empty()) {  // The definition-only segment.
    ends.push_back(seg.use);
    return;
  }
  size_t last = seg.use_index;
  while (options_.reserve_to_later_uses && last + 1 < uses.size() &&
         picker_.CanKeepWithoutCopy(uses[last], uses[last + 1])) {
    ++last;
  }
  // The same candidates as the heuristic tries (msa_heuristic.cc EndCandidates).
  const size_t from = seg.use_index;
  const size_t step = std::max<size_t>(1, (last - from + 1) / 7);
  for (size_t k = last + 1; k-- > from;) {
    if ((last - k) % step == 0 || k == from) ends.push_back(uses[k]);
  }
}

int64_t MallocGame::candidate_offset(const Action& action) const {
  const std::vector<int64_t>& offsets =
      action.kind == ActionKind::kCopy ? copy_offsets_ : no_copy_offsets_;
  return action.candidate < static_cast<int>(offsets.size()) ? offsets[action.candidate] : -1;
}

void MallocGame::EnterSegment() {
  if (!done() && segment().use_index == 0) {
    const std::optional<Time> def = cost_->program().definition(segment().buffer);
    progress_ = BufferProgress{};
    progress_.slow_from = def ? *def + 1 : 0;  // Unless it is produced into fast memory.
  }
  ComputeCandidates();
}

void MallocGame::ComputeCandidates() {
  std::fill(legal_.begin(), legal_.end(), false);
  no_copy_offsets_.clear();
  copy_offsets_.clear();
  copy_starts_.clear();
  copy_ends_.clear();
  copy_earliest_ = 0;
  if (done()) return;
  legal_[0] = true;
  const Segment& seg = segment();
  const Program& program = cost_->program();
  const int64_t size = program.buffer(seg.buffer).size();
  const std::optional<Time> def = program.definition(seg.buffer);
  const int k = options_.num_candidates;
  ReserveEnds(&reserve_ends_);
  const std::vector<Time>& ends = reserve_ends_;
  // An output nobody reads, defined by the last instruction, cannot be written back: producing
  // it into fast memory is never legal (the heuristic's attempt fails the same way).
  const bool unevictable = program.uses(seg.buffer).empty() && def &&
                           program.buffer(seg.buffer).is_output() &&
                           *def + 1 >= program.num_instructions();
  const bool produce = seg.use_index == 0 && def && !unevictable;
  // A produced placement ends where its eviction, if it needs one, stays in the computation
  // of its definition (sim/placement_semantics.h), as the heuristic's KeepEvictable.
  auto evictable = [&](Time end) { return EvictableAt(program, seg.buffer, *def, end); };
  // Copy: a prefetch from slow memory. Copy(0) starts at the picker's first feasible candidate
  // (its preference order: the heuristic's choice); the others at the latest, the earliest,
  // then evenly spread feasible starts, each at its best-fit offset.
  // A slow copy exists from slow_from, or, while the data sits in its PRODUCED placement, once
  // that placement's eviction is done (at its end + 1). The new rectangle follows the old one.
  Time earliest = std::max(progress_.slow_from, progress_.previous_end + 1);
  if (progress_.current >= 0) {
    const Time end = state_.placement(progress_.current).end();
    earliest = progress_.current == progress_.produced ? std::max(progress_.previous_end, end) + 1
                                                       : std::max(earliest, end + 1);
  }
  std::vector<Time> starts;
  if (earliest < seg.use) {
    const int64_t fr = state_.fast_read_bytes(seg.use), fw = state_.fast_write_bytes(seg.use);
    const double speedup =
        cost_->Cost(seg.use, fr, fw).elapsed_s -
        cost_->Cost(seg.use, fr + cost_->BytesOf(seg.use, seg.buffer).read, fw).elapsed_s;
    starts = picker_.PrefetchStartCandidates(size, earliest - 1, seg.use, speedup);
  }
  // Every rectangle produced or prefetched below lies within [the definition or the earliest
  // copy start, the latest end]: one sorted collection of the chunks there serves all their
  // best fits (each a sweep over it).
  if (produce || !starts.empty()) {
    Time from = produce ? *def : kNever;
    if (!starts.empty()) from = std::min(from, *std::min_element(starts.begin(), starts.end()) + 1);
    state_.heap().SortedOverlapping(from, *std::max_element(ends.begin(), ends.end()),
                                    &candidate_overlap_);
  }
  // NoCopy: produce at the definition, or keep the current placement at its offset.
  if (produce) {
    for (Time end : ends) {
      if (!evictable(end)) continue;
      state_.heap().BestFitsAmong(candidate_overlap_, size, *def, end, k, &no_copy_offsets_);
      no_copy_end_ = end;
      if (!no_copy_offsets_.empty()) break;
    }
  } else if (progress_.current >= 0) {
    const proto::Placement& p = state_.placement(progress_.current);
    for (Time end : ends) {
      if (progress_.current == progress_.produced && !evictable(end)) continue;
      if (!state_.IsFree(p.offset(), size, p.end() + 1, end)) continue;
      no_copy_offsets_.push_back(p.offset());
      no_copy_end_ = end;
      break;
    }
  }
  if (!starts.empty()) {
    auto add = [&](Time after) {
      int64_t offset = 0;
      Time end = 0;
      if (!TryCopyStart(after, ends, &offset, &end)) return false;
      copy_starts_.push_back(after + 1);
      copy_offsets_.push_back(offset);
      copy_ends_.push_back(end);
      return true;
    };
    size_t picked = 0;
    while (picked < starts.size() && !add(starts[picked])) ++picked;
    if (picked < starts.size()) {
      copy_earliest_ = *std::min_element(starts.begin(), starts.end()) + 1;
    }
    if (picked < starts.size() && k > 1) {
      // The others in time order, probed at both ends, the middle and the quarters; an
      // infeasible probe moves up to three candidates inwards.
      std::vector<Time>& by_time = later_starts_;
      by_time.assign(starts.begin() + picked + 1, starts.end());
      std::sort(by_time.begin(), by_time.end());
      const size_t n = by_time.size();
      const size_t probes[] = {n - 1, 0, n / 2, n / 4, 3 * n / 4};
      for (size_t probe : probes) {
        if (n == 0) break;
        const int inwards = probe == 0 ? 1 : -1;
        for (int tries = 0; tries < 4 && static_cast<int>(copy_starts_.size()) < k; ++tries) {
          const Time after = by_time[probe];
          const bool seen =
              std::find(copy_starts_.begin(), copy_starts_.end(), after + 1) != copy_starts_.end();
          if (!seen && add(after)) break;
          if ((inwards < 0 && probe == 0) || (inwards > 0 && probe + 1 >= n)) break;
          probe += inwards;
        }
      }
    }
  }
  for (int i = 0; i < static_cast<int>(no_copy_offsets_.size()); ++i) legal_[1 + i] = true;
  for (int i = 0; i < static_cast<int>(copy_offsets_.size()); ++i) legal_[1 + k + i] = true;
  if (options_.max_defers > 0) legal_[1 + 2 * k] = CanDefer();
}

bool MallocGame::TryCopyStart(Time after, const std::vector<Time>& ends, int64_t* offset,
                              Time* end) const {
  const Segment& seg = segment();
  const int64_t size = cost_->program().buffer(seg.buffer).size();
  const CopyWindow window = PrefetchWindow(after + 1, seg.use);
  if (!state_.CanCopy(window, size, /*prefetch=*/true)) return false;
  for (Time e : ends) {
    const std::optional<int64_t> best =
        state_.heap().BestFitAmong(candidate_overlap_, size, window.issue, e);
    if (!best) continue;
    *offset = *best;
    *end = e;
    return true;
  }
  return false;
}

bool MallocGame::CanDefer() const {
  const Segment& seg = segment();
  return seg.use_index == 0 && defers_[seg.buffer] < options_.max_defers &&
         segment_index_ + SegmentCount(seg.buffer) < num_segments();
}

void MallocGame::ExecuteDefer() {
  const BufferIndex b = segment().buffer;
  const int first = segment_index_, count = SegmentCount(b);
  const double target = priority_[b] / std::exp(options_.defer_scale);
  // Behind the next buffer, then behind each following one whose priority is still >= target
  // (the scan reads the parallel priorities in sequence: it may pass most of the game).
  int last = first + count + SegmentCount(segments_[first + count].buffer);
  while (last < num_segments() &&
         (segments_[last].use_index != 0 || segment_priority_[last] >= target)) {
    ++last;
  }
  Rotate(segments_, first, first + count, last);
  Rotate(segment_priority_, first, first + count, last);
  defer_log_.push_back({first, count, last});
  ++defers_[b];
}

void MallocGame::UndoDefer() {
  const DeferMove move = defer_log_.back();
  defer_log_.pop_back();
  Rotate(segments_, move.first, move.last - move.count, move.last);
  Rotate(segment_priority_, move.first, move.last - move.count, move.last);
  --defers_[segments_[move.first].buffer];
}

double MallocGame::ServeUse(Time t, bool produced_here) {
  const BufferIndex b = segment().buffer;
  const int64_t fr = state_.fast_read_bytes(t), fw = state_.fast_write_bytes(t);
  const double before = cost_->Cost(t, fr, fw).elapsed_s;
  const CostModel::BufferBytes bytes = cost_->BytesOf(t, b);
  const int64_t read = produced_here ? 0 : bytes.read;
  const int64_t written = produced_here ? bytes.written : 0;
  state_.Serve(t, read, written);
  return before - cost_->Cost(t, fr + read, fw + written).elapsed_s;
}

int MallocGame::EvictionWindows() const {
  const int later =
      options_.later_evictions.empty() ? 0 : options_.later_evictions[segment().buffer];
  return std::max(options_.eviction_retries, 1) + later;
}

bool MallocGame::RescheduleEviction(Time end) {
  const Segment& seg = segment();
  const Program& program = cost_->program();
  if (progress_.eviction >= 0) {
    state_.RemoveCopy(progress_.eviction);
    progress_.eviction = -1;
  }
  const absl::Span<const Time> uses = program.uses(seg.buffer);
  const auto next_use = std::upper_bound(uses.begin(), uses.end(), end);
  const bool later_use = next_use != uses.end();
  if (!later_use && !program.buffer(seg.buffer).is_output()) return true;
  // Like XLA, give the eviction time by keeping the chunk towards the preferred eviction end
  // (at most until just before the next use, which reads the slow copy).
  const Time def = *program.definition(seg.buffer);
  const int64_t size = program.buffer(seg.buffer).size();
  const proto::Placement& p = state_.placement(progress_.produced);
  const Time latest = (later_use ? *next_use : static_cast<Time>(program.num_instructions())) - 1;
  // Each retry asks for a longer window, as the heuristic's retries do; the use's own end last.
  std::vector<Time> candidates;
  for (int retry = 0; retry < EvictionWindows(); ++retry) {
    Time target = std::max(end, picker_.PreferredEvictionEnd(size, def, latest, retry));
    while (target > end && (!state_.IsFree(p.offset(), size, end + 1, target) ||
                            !EvictableAt(program, seg.buffer, def, target))) {
      --target;
    }
    if (std::find(candidates.begin(), candidates.end(), target) == candidates.end()) {
      candidates.push_back(target);
    }
  }
  if (candidates.back() != end) candidates.push_back(end);
  for (Time candidate : candidates) {
    const CopyWindow window = EvictionWindow(def, candidate);
    if (window.deadline > program.num_instructions() || window.deadline <= window.issue ||
        !state_.CanCopy(window, size, /*prefetch=*/false)) {
      continue;
    }
    if (candidate > end) {
      state_.Reserve(p.offset(), size, end + 1, candidate);
      state_.SetPlacementEnd(progress_.produced, candidate);
    }
    progress_.eviction = state_.AddCopy(window, size, /*prefetch=*/false);
    return true;
  }
  eviction_failed_ = true;
  return false;
}

bool MallocGame::ExecuteNoCopy(int candidate) {
  const Segment& seg = segment();
  const Program& program = cost_->program();
  const int64_t size = program.buffer(seg.buffer).size();
  if (candidate >= static_cast<int>(no_copy_offsets_.size())) return false;
  const int64_t offset = no_copy_offsets_[candidate];
  if (seg.use_index == 0 && program.definition(seg.buffer)) {
    const Time def = *program.definition(seg.buffer);
    if (!state_.Reserve(offset, size, def, no_copy_end_)) return false;
    proto::Placement p;
    p.set_buffer_id(program.buffer(seg.buffer).id());
    p.set_offset(offset);
    p.set_start(def);
    p.set_end(no_copy_end_);
    p.set_source(proto::Placement::PRODUCED);
    progress_.current = progress_.produced = state_.AddPlacement(p);
    progress_.slow_from = kNever;
  } else {
    const proto::Placement& p = state_.placement(progress_.current);
    if (!state_.Reserve(offset, size, p.end() + 1, no_copy_end_)) return false;
    state_.SetPlacementEnd(progress_.current, no_copy_end_);
  }
  return progress_.produced != progress_.current || RescheduleEviction(no_copy_end_);
}

bool MallocGame::ExecuteCopy(int candidate) {
  const Segment& seg = segment();
  const Program& program = cost_->program();
  const int64_t size = program.buffer(seg.buffer).size();
  if (candidate >= static_cast<int>(copy_offsets_.size())) return false;
  const CopyWindow window = PrefetchWindow(copy_starts_[candidate], seg.use);
  const Time end = copy_ends_[candidate];
  if (!state_.CanCopy(window, size, /*prefetch=*/true) ||
      !state_.Reserve(copy_offsets_[candidate], size, window.issue, end)) {
    return false;
  }
  proto::Placement p;
  p.set_buffer_id(program.buffer(seg.buffer).id());
  p.set_offset(copy_offsets_[candidate]);
  p.set_start(seg.use);
  p.set_end(end);
  p.set_source(proto::Placement::PREFETCHED);
  p.set_copy_start(window.issue);
  state_.AddCopy(window, size, /*prefetch=*/true);
  progress_.current = state_.AddPlacement(p);
  return true;
}

StepResult MallocGame::Step(int action_index) {
  StepResult result;
  const Action action = DecodeAction(action_index);
  if (action.kind == ActionKind::kDefer && legal_[action_index]) {
    ExecuteDefer();
    result.executed = action;
    EnterSegment();
    return result;
  }
  const Segment seg = segment();
  const BufferProgress before = progress_;
  const MemoryState::Mark mark = state_.mark();
  eviction_failed_ = false;
  // The data leaves its current placement unless this use keeps it there.
  auto leave_current = [&] {
    if (progress_.current < 0) return;
    const Time end = state_.placement(progress_.current).end();
    progress_.previous_end = end;
    if (progress_.current == progress_.produced) progress_.slow_from = end + 1;  // Evicted.
    progress_.current = progress_.produced = -1;
  };
  bool executed = action.kind == ActionKind::kDrop;
  if (action.kind == ActionKind::kNoCopy)
    executed = legal_[action_index] && ExecuteNoCopy(action.candidate);
  if (action.kind == ActionKind::kCopy) {
    leave_current();
    executed = legal_[action_index] && ExecuteCopy(action.candidate);
  }
  if (!executed) {  // Drop-backup: undo whatever the action began, then Drop.
    state_.RollBack(mark);
    progress_ = before;
    result.drop_backup = true;
    result.eviction_failed = eviction_failed_;
    ++drop_backups_;
  }
  result.executed = executed ? action : Action{ActionKind::kDrop, 0};
  double saved = 0;
  if (result.executed.kind == ActionKind::kDrop) {
    leave_current();
  } else {
    if (result.executed.kind == ActionKind::kNoCopy && seg.use_index == 0 &&
        cost_->program().definition(seg.buffer)) {
      saved += ServeUse(*cost_->program().definition(seg.buffer), /*produced_here=*/true);
    }
    if (!cost_->program().uses(seg.buffer).empty()) {
      saved += ServeUse(seg.use, /*produced_here=*/false);
    }
  }
  ++segment_index_;
  // Later uses of this buffer that the placement reserved through are decided too.
  while (progress_.current >= 0 && !done() && segment().buffer == seg.buffer &&
         segment().use <= state_.placement(progress_.current).end()) {
    saved += ServeUse(segment().use, /*produced_here=*/false);
    ++segment_index_;
  }
  result.reward = saved / headroom_;
  total_reward_ += result.reward;
  EnterSegment();
  return result;
}

MallocGame::Snapshot MallocGame::Save() const {
  return {state_.mark(),
          segment_index_,
          {progress_.slow_from, progress_.previous_end, progress_.current, progress_.produced,
           progress_.eviction},
          total_reward_,
          drop_backups_,
          defer_log_.size()};
}

void MallocGame::Restore(const Snapshot& snapshot) {
  state_.RollBack(snapshot.mark);
  while (defer_log_.size() > snapshot.deferred) UndoDefer();
  segment_index_ = snapshot.segment_index;
  progress_.slow_from = snapshot.buffer.slow_from;
  progress_.previous_end = snapshot.buffer.previous_end;
  progress_.current = snapshot.buffer.current;
  progress_.produced = snapshot.buffer.produced;
  progress_.eviction = snapshot.buffer.eviction;
  total_reward_ = snapshot.total_reward;
  drop_backups_ = snapshot.drop_backups;
  ComputeCandidates();
}

// Observation layout (all features in [0, 1] unless noted):
//   [0, 8)   the segment: size / capacity, (use - start) / T, use / T, use index / uses,
//            the time saved by serving this use fast over its all-slow time, whether this is
//            the defining segment, whether the data is in fast memory now, is_output.
//   next B   occupancy: the peak used fraction of fast memory in B equal time bins over a
//            window of 2 x (use - start + 1) instructions centred on the use.
//   next 6K  per candidate, NoCopy then Copy: legal, offset / capacity, then for NoCopy the
//            waste (free gap left around the chunk) / capacity, for Copy its lead
//            (use - copy start) over the feasible window (use - earliest start).
//   next 2   whether a prefetch start exists, and (use - Copy(0)'s start) / T.
//   next 3L  the following L segments: size / capacity, (use - start) / T, use / T.
//   last 2   whether Defer is legal, and this buffer's defers / max_defers.
void MallocGame::Observe(float* features) const {
  std::fill(features, features + ObservationSize(options_), 0.0f);
  if (done()) return;
  const Program& program = cost_->program();
  const double capacity = std::max<double>(cost_->hardware().fast_capacity(), 1);
  const double horizon = std::max<double>(program.num_instructions(), 1);
  const Segment& seg = segment();
  const int64_t size = program.buffer(seg.buffer).size();
  float* f = features;
  *f++ = Clip01(size / capacity);
  *f++ = Clip01((seg.use - seg.start) / horizon);
  *f++ = Clip01(seg.use / horizon);
  *f++ = Clip01(seg.use_index / std::max<double>(program.uses(seg.buffer).size(), 1));
  {
    const int64_t fr = state_.fast_read_bytes(seg.use), fw = state_.fast_write_bytes(seg.use);
    const double slow = cost_->AllSlowElapsed(seg.use);
    const double gain =
        cost_->Cost(seg.use, fr, fw).elapsed_s -
        cost_->Cost(seg.use, fr + cost_->BytesOf(seg.use, seg.buffer).read, fw).elapsed_s;
    *f++ = slow > 0 ? Clip01(gain / slow) : 0;
  }
  *f++ = seg.use_index == 0 && program.definition(seg.buffer) ? 1 : 0;
  *f++ = progress_.current >= 0 ? 1 : 0;
  *f++ = program.buffer(seg.buffer).is_output() ? 1 : 0;
  const int bins = options_.occupancy_bins;
  const Time half = seg.use - std::max<Time>(seg.start, 0) + 1;
  const Time lo = seg.use - half;
  const double width = std::max(2.0 * half / bins, 1.0);
  for (int i = 0; i < bins; ++i) {
    const Time from = std::max<Time>(lo + static_cast<Time>(i * width), 0);
    const Time to =
        std::min<Time>(lo + static_cast<Time>((i + 1) * width) - 1, program.num_instructions() - 1);
    *f++ = from <= to ? Clip01(state_.heap().MaxUsed(from, to) / capacity) : 0;
  }
  const int k = options_.num_candidates;
  // NoCopy candidates: legal, offset, and the free gap left around the chunk.
  const Time produce_or_use = seg.use_index == 0 && program.definition(seg.buffer)
                                  ? *program.definition(seg.buffer)
                                  : seg.use;
  std::vector<heap::Gap> gaps = no_copy_offsets_.empty()
                                    ? std::vector<heap::Gap>{}
                                    : state_.heap().FreeGaps(produce_or_use, seg.use);
  for (int c = 0; c < k; ++c) {
    if (c >= static_cast<int>(no_copy_offsets_.size())) {
      f += 3;
      continue;
    }
    int64_t gap_size = size;
    for (const heap::Gap& gap : gaps) {
      if (gap.offset <= no_copy_offsets_[c] && no_copy_offsets_[c] < gap.offset + gap.size) {
        gap_size = gap.size;
      }
    }
    *f++ = 1;
    *f++ = Clip01(no_copy_offsets_[c] / capacity);
    *f++ = Clip01((gap_size - size) / capacity);
  }
  // Copy candidates: legal, offset, and how early it starts within the feasible window.
  const double window = std::max<double>(seg.use - copy_earliest_, 1);
  for (int c = 0; c < k; ++c) {
    if (c >= static_cast<int>(copy_offsets_.size())) {
      f += 3;
      continue;
    }
    *f++ = 1;
    *f++ = Clip01(copy_offsets_[c] / capacity);
    *f++ = Clip01((seg.use - copy_starts_[c]) / window);
  }
  *f++ = copy_starts_.empty() ? 0 : 1;
  *f++ = copy_starts_.empty() ? 0 : Clip01((seg.use - copy_starts_[0]) / horizon);
  for (int i = 1; i <= options_.lookahead; ++i) {
    if (segment_index_ + i >= num_segments()) {
      f += 3;
      continue;
    }
    const Segment& next = segments_[segment_index_ + i];
    *f++ = Clip01(program.buffer(next.buffer).size() / capacity);
    *f++ = Clip01((next.use - next.start) / horizon);
    *f++ = Clip01(next.use / horizon);
  }
  *f++ = options_.max_defers > 0 && legal_[1 + 2 * k] ? 1 : 0;
  *f++ =
      options_.max_defers > 0 ? static_cast<float>(defers_[seg.buffer]) / options_.max_defers : 0;
}

}  // namespace mmap_opt
