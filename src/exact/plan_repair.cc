// RepairPlan: first-improvement local search over single placements, scored by Simulate.
#include "exact/plan_repair.h"

#include <algorithm>
#include <optional>
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

  // Tries the other copy starts of prefetch i; keeps the first that helps.
  bool MoveCopyStart(proto::Assignment& plan, int i, double& latency) {
    Placement& p = *plan.mutable_placements(i);
    const Program& program = cost_.program();
    const BufferIndex b = *program.IndexOf(p.buffer_id());
    const std::optional<Time> use = FirstUseIn(program, b, p.start(), p.end());
    if (!use) return false;
    const Time copy_start = p.copy_start(), start = p.start();
    for (const Time shift : kShifts) {
      for (const Time to : {copy_start - shift, copy_start + shift}) {
        if (to < 0 || to > *use) continue;
        p.set_copy_start(to);
        p.set_start(std::max(start, to));
        const std::optional<double> moved = Score(plan);
        if (Better(moved, latency)) {
          latency = *moved;
          return true;
        }
      }
    }
    p.set_copy_start(copy_start);
    p.set_start(start);
    return false;
  }

  // Moves the end of PRODUCED placement i later (it holds its fast memory longer, and its
  // eviction, due at the end + 1, gets the instructions in between: the model lets an eviction
  // run until the buffer's next use without holding memory, so its plans end a PRODUCED
  // placement at its last fast use and stall for the eviction); keeps the first that helps.
  bool ExtendEnd(proto::Assignment& plan, int i, double& latency) {
    Placement& p = *plan.mutable_placements(i);
    const Time end = p.end(), n = cost_.program().num_instructions();
    for (const Time shift : kShifts) {
      if (end + shift >= n) break;
      p.set_end(end + shift);
      const std::optional<double> extended = Score(plan);
      if (Better(extended, latency)) {
        latency = *extended;
        return true;
      }
    }
    p.set_end(end);
    return false;
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
  const CostModel& cost_;
  Clock::time_point deadline_;
  RepairStats* stats_;
};

}  // namespace

proto::Assignment RepairPlan(const CostModel& cost, proto::Assignment plan, double latency_s,
                             Clock::time_point deadline, RepairStats* stats) {
  RepairStats ignored;
  Search search(cost, deadline, stats != nullptr ? stats : &ignored);
  double latency = latency_s;
  // Copies issued at one boundary leave the queue in placement order: earliest deadline first
  // is what the model assumed.
  {
    proto::Assignment ordered = plan;
    const Program& program = cost.program();
    std::stable_sort(ordered.mutable_placements()->begin(), ordered.mutable_placements()->end(),
                     [&](const Placement& a, const Placement& b) {
                       return QueueKey(program, a) < QueueKey(program, b);
                     });
    const std::optional<double> sorted = search.Score(ordered);
    if (search.Better(sorted, latency)) {
      plan = std::move(ordered);
      latency = *sorted;
      if (stats != nullptr) ++stats->improvements;
    }
  }
  for (bool improved = true; improved && search.TimeLeft();) {
    improved = false;
    for (int i = 0; i < plan.placements_size() && search.TimeLeft(); ++i) {
      const Placement::Source source = plan.placements(i).source();
      const bool moved =
          (source == Placement::PREFETCHED && search.MoveCopyStart(plan, i, latency)) ||
          (source == Placement::PRODUCED && search.ExtendEnd(plan, i, latency)) ||
          search.Drop(plan, i, latency);
      if (moved) {
        improved = true;
        if (stats != nullptr) ++stats->improvements;
      }
    }
  }
  return plan;
}

}  // namespace mmap_opt::exact
