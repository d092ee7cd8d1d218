// Bounds and scores (DESIGN.md §4).
#include "mmap_opt/sim/score.h"

#include <string>

#include "mmap_opt/status_macros.h"

namespace mmap_opt {

Bounds ComputeBounds(const CostModel& model) {
  Bounds bounds;
  bounds.all_slow_s = model.AllSlowLatency();
  bounds.lower_bound_s = model.LowerBoundLatency();
  bounds.headroom_s = bounds.all_slow_s - bounds.lower_bound_s;
  bounds.capacity_bound_s = model.CapacityBoundLatency();
  return bounds;
}

double HeadroomClosed(const Bounds& bounds, double latency_s) {
  // Relative to the all-slow latency, a headroom below one part in 1e12 is rounding noise.
  if (!(bounds.headroom_s > 1e-12 * bounds.all_slow_s)) return 0;
  return (bounds.all_slow_s - latency_s) / bounds.headroom_s;
}

absl::StatusOr<Score> ScoreAssignment(const CostModel& model, const proto::Assignment& assignment) {
  Score score;
  ASSIGN_OR_RETURN(score.simulation, Simulate(model, assignment));
  score.bounds = ComputeBounds(model);
  score.headroom_closed = HeadroomClosed(score.bounds, score.simulation.latency_s);
  return score;
}

proto::Assignment EmptyAssignment(const Program& program, absl::string_view agent) {
  proto::Assignment assignment;
  assignment.set_program_name(program.name());
  assignment.set_agent(std::string(agent));
  return assignment;
}

}  // namespace mmap_opt
