// RepairPlan: first-improvement local search over single placements, scored by Simulate.
#include "exact/plan_repair.h"

#include <algorithm>
#include <optional>
#include <random>
#include <tuple>
#include <vector>

#include "mmap_opt/sim/placement_semantics.h"
#include "mmap_opt/sim/simulator.h"

namespace mmap_opt::exact {
namespace {

using Clock = std::chrono::steady_clock;
using proto::Placement;

// Distances a copy start is moved by, both ways: single steps near it, then doubling.
constexpr Time kShifts[] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256};

// How many of a buffer's next uses a placement's end is tried at.
constexpr int kMaxUsesAhead = 8;

// A move must gain this much (relative) to be taken: no cycling on rounding noise.
constexpr double kMinGain = 1e-9;

// The simulator's queue key of a placement's copy (issue, eviction first, deadline), or of
// its start when it makes none.
std::tuple<Time, int, Time> QueueKey(const Program& program, const Placement& p) {
  const BufferIndex b = *program.IndexOf(p.buffer_id());
  if (p.source() == Placement::PREFETCHED) {
    const std::optional<Time> use = FirstUseIn(program, b, p.start(), p.end());
    return {p.copy_start(), 1, use ? *use : p.end()};
  }
  if (NeedsEviction(program, b, p.end())) {
    const CopyWindow window = EvictionWindow(p.start(), p.end());
    return {window.issue, 0, window.deadline};
  }
  return {p.start(), 2, p.end()};
}

// Placements in the simulator's queue order (copies issued at one boundary by deadline).
void SortIntoQueueOrder(const Program& program, proto::Assignment& plan) {
  std::stable_sort(plan.mutable_placements()->begin(), plan.mutable_placements()->end(),
                   [&](const Placement& a, const Placement& b) {
                     return QueueKey(program, a) < QueueKey(program, b);
                   });
}

class Search {
 public:
  Search(const CostModel& cost, Clock::time_point deadline, RepairStats* stats)
      : cost_(cost), deadline_(deadline), stats_(stats) {}

  // The latency of `plan`, or none when the validator rejects it.
  std::optional<double> Score(const proto::Assignment& plan) {
    ++stats_->simulations;
    absl::StatusOr<SimulationResult> result = Simulate(cost_, plan);
    if (!result.ok()) return std::nullopt;
    return result->latency_s;
  }

  bool TimeLeft() const { return Clock::now() < deadline_; }

  bool Better(std::optional<double> latency, double than) const {
    return latency && *latency < than * (1 - kMinGain);
  }

  // Tries the other copy starts of prefetch i (an earlier one at the lowest free offset where
  // its own is taken then); keeps the first that helps.
  bool MoveCopyStart(proto::Assignment& plan, int i, double& latency) {
    Placement& p = *plan.mutable_placements(i);
    const Program& program = cost_.program();
    const BufferIndex b = *program.IndexOf(p.buffer_id());
    const std::optional<Time> use = FirstUseIn(program, b, p.start(), p.end());
    if (!use) return false;
    const Time copy_start = p.copy_start(), start = p.start();
    const int64_t offset = p.offset();
    for (const Time shift : kShifts) {
      for (const Time to : {copy_start - shift, copy_start + shift}) {
        if (to < 0 || to > *use) continue;
        p.set_copy_start(to);
        p.set_start(std::max(start, to));
        p.set_offset(offset);
        if (!Fit(plan, i)) continue;
        const std::optional<double> moved = Score(plan);
        if (Better(moved, latency)) {
          latency = *moved;
          return true;
        }
      }
    }
    p.set_copy_start(copy_start);
    p.set_start(start);
    p.set_offset(offset);
    return false;
  }

  // Moves prefetch i's copy start earlier together with the prefetches issued in between that
  // are due before it (to the same boundary, ahead of it in the queue): alone, the earlier
  // copy would block them (first in, first out), which the model's preemptive copies never
  // do. Each at the lowest free offset where its own is taken. Keeps the first that helps.
  bool MoveCopyStartWithOvertaken(proto::Assignment& plan, int i, double& latency) {
    const Program& program = cost_.program();
    const Placement moved = plan.placements(i);
    const BufferIndex b = *program.IndexOf(moved.buffer_id());
    const std::optional<Time> use = FirstUseIn(program, b, moved.start(), moved.end());
    if (!use) return false;
    for (const Time shift : kShifts) {
      const Time to = moved.copy_start() - shift;
      if (to < 0) break;
      proto::Assignment trial = plan;
      std::vector<int> pulled = {i};
      for (int j = 0; j < trial.placements_size(); ++j) {
        const Placement& q = trial.placements(j);
        if (j == i || q.source() != Placement::PREFETCHED || q.copy_start() < to ||
            q.copy_start() >= moved.copy_start()) {
          continue;
        }
        const BufferIndex qb = *program.IndexOf(q.buffer_id());
        const std::optional<Time> due = FirstUseIn(program, qb, q.start(), q.end());
        if (due && *due < *use) pulled.push_back(j);
      }
      if (pulled.size() == 1) continue;  // MoveCopyStart's move.
      bool fits = true;
      for (const int j : pulled) {
        Placement& q = *trial.mutable_placements(j);
        q.set_copy_start(to);
        q.set_start(std::max(q.start(), to));
        if (!Fit(trial, j)) fits = false;
      }
      if (!fits) continue;
      SortIntoQueueOrder(program, trial);
      const std::optional<double> scored = Score(trial);
      if (Better(scored, latency)) {
        plan = std::move(trial);
        latency = *scored;
        return true;
      }
    }
    return false;
  }

  // Whether placement i overlaps no other placement in time and fast memory; else moves it to
  // the lowest free offset over its time, if there is one.
  bool Fit(proto::Assignment& plan, int i) {
    const std::optional<int64_t> offset = FreeOffset(plan, i, plan.placements(i));
    if (!offset) return false;
    if (!OffsetFree(plan, i, plan.placements(i))) plan.mutable_placements(i)->set_offset(*offset);
    return true;
  }

  // Moves the end of PRODUCED placement i later (it holds its fast memory longer, and its
  // eviction, due at the end + 1, gets the instructions in between: the model lets an eviction
  // run until the buffer's next use without holding memory, so its plans end a PRODUCED
  // placement at its last fast use and stall for the eviction); keeps the first that helps.
  bool ExtendEnd(proto::Assignment& plan, int i, double& latency) {
    Placement& p = *plan.mutable_placements(i);
    const Time end = p.end(), n = cost_.program().num_instructions();
    const int64_t offset = p.offset();
    for (const Time shift : kShifts) {
      if (end + shift >= n) break;
      p.set_end(end + shift);
      p.set_offset(offset);
      if (!Fit(plan, i)) break;  // Longer ends overlap at least as much.
      const std::optional<double> extended = Score(plan);
      if (Better(extended, latency)) {
        latency = *extended;
        return true;
      }
    }
    p.set_end(end);
    p.set_offset(offset);
    return false;
  }

  // Tries PREFETCHED placement i's end at each of the buffer's next uses (up to kMaxUsesAhead):
  // the data stays in fast memory for them instead of being read from slow memory or copied
  // again. Moves the placement to a free offset where its old one is taken; keeps the best.
  bool ExtendToNextUses(proto::Assignment& plan, int i, double& latency) {
    const Placement before = plan.placements(i);
    const Program& program = cost_.program();
    const BufferIndex b = *program.IndexOf(before.buffer_id());
    absl::Span<const Time> uses = program.uses(b);
    auto next = std::upper_bound(uses.begin(), uses.end(), before.end());
    std::optional<Placement> best;
    double best_latency = latency;
    for (int k = 0; k < kMaxUsesAhead && next != uses.end(); ++k, ++next) {
      Placement& p = *plan.mutable_placements(i);
      p = before;
      p.set_end(*next);
      if (!Fit(plan, i)) continue;
      const std::optional<double> extended = Score(plan);
      if (Better(extended, best_latency)) {
        best_latency = *extended;
        best = plan.placements(i);
      }
    }
    *plan.mutable_placements(i) = best ? *best : before;
    if (!best) return false;
    latency = best_latency;
    return true;
  }

  // Adds a placement for each use of a buffer that reads slow memory, where one helps: a
  // prefetch serving it (copy starts kShifts before it, as far back as the source exists),
  // or, for a buffer written to slow memory, a PRODUCED placement through one of its next
  // uses. Each at the lowest free offset over its time; keeps the best per use.
  bool AddPlacements(proto::Assignment& plan, double& latency) {
    const Program& program = cost_.program();
    const proto::Hardware& hw = cost_.hardware();
    bool added = false;
    for (BufferIndex b = 0; b < program.num_buffers() && TimeLeft(); ++b) {
      const proto::Buffer& buffer = program.buffer(b);
      if (buffer.slow_only() || buffer.size() > hw.fast_capacity()) continue;
      absl::Span<const Time> uses = program.uses(b);
      const std::optional<Time> def = program.definition(b);
      if (def && !HasProduced(plan, buffer.id())) {
        Placement p;
        p.set_buffer_id(buffer.id());
        p.set_source(Placement::PRODUCED);
        p.set_start(*def);
        std::vector<Time> ends = {*def};
        for (size_t k = 0; k < uses.size() && k < kMaxUsesAhead; ++k) ends.push_back(uses[k]);
        if (TryEach(plan, p, ends, /*vary_end=*/true, latency)) added = true;
      }
      for (size_t j = 0; j < uses.size() && TimeLeft(); ++j) {
        const Time use = uses[j];
        if (Covered(plan, buffer.id(), use)) continue;
        const Time previous = j > 0 ? uses[j - 1] : def ? *def : -1;
        const Time ready = SourceReady(plan, b);
        Placement p;
        p.set_buffer_id(buffer.id());
        p.set_source(Placement::PREFETCHED);
        p.set_end(use);
        std::vector<Time> copy_starts;
        for (const Time shift : kShifts) {
          if (use - shift < ready) break;
          copy_starts.push_back(use - shift);
        }
        p.set_start(previous + 1);  // TryEach sets copy_start, start = max(copy_start, this).
        if (TryEach(plan, p, copy_starts, /*vary_end=*/false, latency)) added = true;
      }
    }
    return added;
  }

  // Drops placement i (its uses read slow memory); keeps that when it helps.
  bool Drop(proto::Assignment& plan, int i, double& latency) {
    proto::Assignment without = plan;
    without.mutable_placements()->DeleteSubrange(i, 1);
    const std::optional<double> dropped = Score(without);
    if (!Better(dropped, latency)) return false;
    plan = std::move(without);
    latency = *dropped;
    return true;
  }

 private:
  // Placement p at each of `values` (its end where `vary_end`, else its copy start, the start
  // no earlier than p's), at a free offset, appended to the plan; keeps the best that helps.
  bool TryEach(proto::Assignment& plan, Placement p, const std::vector<Time>& values, bool vary_end,
               double& latency) {
    std::optional<Placement> best;
    double best_latency = latency;
    const Time start = p.start();
    for (const Time value : values) {
      if (vary_end) {
        p.set_end(value);
      } else {
        p.set_copy_start(value);
        p.set_start(std::max(start, value));
        if (p.start() > p.end()) continue;
      }
      const std::optional<int64_t> offset = FreeOffset(plan, -1, p);
      if (!offset) continue;
      p.set_offset(*offset);
      *plan.add_placements() = p;
      const std::optional<double> with = Score(plan);
      plan.mutable_placements()->RemoveLast();
      if (Better(with, best_latency)) {
        best_latency = *with;
        best = p;
      }
    }
    if (!best) return false;
    *plan.add_placements() = *best;
    latency = best_latency;
    return true;
  }

  bool HasProduced(const proto::Assignment& plan, int64_t buffer_id) const {
    for (const Placement& p : plan.placements()) {
      if (p.buffer_id() == buffer_id && p.source() == Placement::PRODUCED) return true;
    }
    return false;
  }

  bool Covered(const proto::Assignment& plan, int64_t buffer_id, Time t) const {
    for (const Placement& p : plan.placements()) {
      if (p.buffer_id() == buffer_id && p.start() <= t && t <= p.end()) return true;
    }
    return false;
  }

  // The first boundary a prefetch of b may be issued at (the validator's rule).
  Time SourceReady(const proto::Assignment& plan, BufferIndex b) const {
    const Program& program = cost_.program();
    const int64_t id = program.buffer(b).id();
    for (const Placement& p : plan.placements()) {
      if (p.buffer_id() == id && p.source() == Placement::PRODUCED) return p.end() + 1;
    }
    const std::optional<Time> def = program.definition(b);
    return def ? *def + 1 : 0;
  }

  // The bytes [offset, offset + size) of the placements other than `skip` that overlap p's
  // occupied time (OccupiedStart through end), sorted.
  std::vector<std::pair<int64_t, int64_t>> Taken(const proto::Assignment& plan, int skip,
                                                 const Placement& p) const {
    const Program& program = cost_.program();
    const Time from = OccupiedStart(p), to = p.end();
    std::vector<std::pair<int64_t, int64_t>> taken;
    for (int k = 0; k < plan.placements_size(); ++k) {
      const Placement& other = plan.placements(k);
      if (k == skip || OccupiedStart(other) > to || other.end() < from) continue;
      taken.push_back(
          {other.offset(),
           other.offset() + program.buffer(*program.IndexOf(other.buffer_id())).size()});
    }
    std::sort(taken.begin(), taken.end());
    return taken;
  }

  bool OffsetFree(const proto::Assignment& plan, int skip, const Placement& p) const {
    const int64_t size = cost_.program().buffer(*cost_.program().IndexOf(p.buffer_id())).size();
    for (const auto& [lo, hi] : Taken(plan, skip, p)) {
      if (lo < p.offset() + size && p.offset() < hi) return false;
    }
    return p.offset() + size <= cost_.hardware().fast_capacity();
  }

  // The lowest aligned offset free for p over its occupied time, or none.
  std::optional<int64_t> FreeOffset(const proto::Assignment& plan, int skip,
                                    const Placement& p) const {
    const int64_t size = cost_.program().buffer(*cost_.program().IndexOf(p.buffer_id())).size();
    const int64_t alignment = cost_.hardware().fast_alignment();
    int64_t at = 0;
    for (const auto& [lo, hi] : Taken(plan, skip, p)) {
      if (lo >= at + size) break;
      at = std::max(at, (hi + alignment - 1) / alignment * alignment);
    }
    if (at + size > cost_.hardware().fast_capacity()) return std::nullopt;
    return at;
  }

  const CostModel& cost_;
  Clock::time_point deadline_;
  RepairStats* stats_;
};

}  // namespace

proto::Assignment RepairPlan(const CostModel& cost, proto::Assignment plan, double latency_s,
                             Clock::time_point deadline, RepairStats* stats) {
  RepairStats ignored;
  RepairStats& counts = stats != nullptr ? *stats : ignored;
  Search search(cost, deadline, &counts);
  double latency = latency_s;
  // Copies issued at one boundary leave the queue in placement order: earliest deadline first
  // is what the model assumed. Sorted at the start and again after every pass (moved copy
  // starts meet other copies at their new boundary).
  auto order_by_deadline = [&] {
    proto::Assignment ordered = plan;
    SortIntoQueueOrder(cost.program(), ordered);
    const std::optional<double> sorted = search.Score(ordered);
    if (!search.Better(sorted, latency)) return false;
    plan = std::move(ordered);
    latency = *sorted;
    ++counts.improvements;
    return true;
  };
  order_by_deadline();
  for (bool improved = true; improved && search.TimeLeft();) {
    improved = order_by_deadline();
    for (int i = 0; i < plan.placements_size() && search.TimeLeft(); ++i) {
      const Placement::Source source = plan.placements(i).source();
      const bool moved =
          (source == Placement::PREFETCHED && search.MoveCopyStart(plan, i, latency)) ||
          (source == Placement::PREFETCHED &&
           search.MoveCopyStartWithOvertaken(plan, i, latency)) ||
          (source == Placement::PRODUCED && search.ExtendEnd(plan, i, latency)) ||
          (source == Placement::PREFETCHED && search.ExtendToNextUses(plan, i, latency)) ||
          search.Drop(plan, i, latency);
      if (moved) {
        improved = true;
        ++counts.improvements;
      }
    }
    if (!improved && search.TimeLeft() && search.AddPlacements(plan, latency)) {
      improved = true;
      ++counts.improvements;
    }
  }
  counts.latency_s = latency;
  return plan;
}

proto::Assignment PerturbAndRepair(const CostModel& cost, proto::Assignment plan, double latency_s,
                                   uint64_t seed, int max_tries, Clock::time_point deadline,
                                   RepairStats* stats, double good_enough_s) {
  constexpr int kPerturbed = 3;
  RepairStats ignored;
  RepairStats& counts = stats != nullptr ? *stats : ignored;
  Search search(cost, deadline, &counts);
  const Program& program = cost.program();
  std::mt19937_64 rng(seed);
  double latency = latency_s;
  for (int attempt = 0; attempt < max_tries && search.TimeLeft(); ++attempt) {
    if (plan.placements_size() == 0 || latency <= good_enough_s) break;
    proto::Assignment trial = plan;
    for (int k = 0; k < kPerturbed && trial.placements_size() > 0; ++k) {
      const int i = static_cast<int>(rng() % trial.placements_size());
      Placement& p = *trial.mutable_placements(i);
      const BufferIndex b = *program.IndexOf(p.buffer_id());
      const std::optional<Time> use = p.source() == Placement::PREFETCHED
                                          ? FirstUseIn(program, b, p.start(), p.end())
                                          : std::nullopt;
      if (!use || rng() % 2 == 0) {
        trial.mutable_placements()->DeleteSubrange(i, 1);
        continue;
      }
      // A copy start anywhere from the previous access to the use (the validator rejects
      // what the source does not allow; such a try is skipped).
      const std::optional<Time> def = program.definition(b);
      const Time earliest = def ? *def + 1 : 0;
      const Time to = earliest + static_cast<Time>(rng() % (*use - earliest + 1));
      p.set_copy_start(to);
      p.set_start(std::max(p.start(), to));
      if (!search.Fit(trial, i)) trial.mutable_placements()->DeleteSubrange(i, 1);
    }
    const std::optional<double> perturbed = search.Score(trial);
    if (!perturbed) continue;
    RepairStats repair;
    trial = RepairPlan(cost, std::move(trial), *perturbed, deadline, &repair);
    counts.simulations += repair.simulations;
    if (search.Better(repair.latency_s, latency)) {
      plan = std::move(trial);
      latency = repair.latency_s;
      ++counts.improvements;
    }
  }
  return plan;
}

}  // namespace mmap_opt::exact
