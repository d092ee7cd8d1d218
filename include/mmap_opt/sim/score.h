// What an assignment is worth: its simulated latency next to the program's bounds
// (DESIGN.md §4), as printed by `score`, `solve`, `diff` and `bench`.
#ifndef MMAP_OPT_SIM_SCORE_H_
#define MMAP_OPT_SIM_SCORE_H_

#include "absl/status/statusor.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/simulator.h"

namespace mmap_opt {

// Bounds of a program on a hardware, independent of any assignment.
struct Bounds {
  double all_slow_s = 0;     // Nothing in fast memory: the latency of the empty assignment.
  double lower_bound_s = 0;  // Infinite fast memory: every access fast, no copies.
  double headroom_s = 0;     // all_slow_s - lower_bound_s.
  // A tighter bound that still holds for every valid assignment: CostModel::CapacityBoundLatency.
  double capacity_bound_s = 0;
};

Bounds ComputeBounds(const CostModel& model);

// The share of the headroom a latency closes: (all_slow - latency) / headroom. 1 at the lower
// bound, 0 for the all-slow latency, negative when slower than all-slow (stalls). 0 when the
// program has no headroom (compute bound everywhere).
double HeadroomClosed(const Bounds& bounds, double latency_s);

struct Score {
  SimulationResult simulation;
  Bounds bounds;
  double headroom_closed = 0;
};

// Validates and simulates; InvalidArgument naming the first violation for an invalid one.
absl::StatusOr<Score> ScoreAssignment(const CostModel& model, const proto::Assignment& assignment);

// The assignment with nothing in fast memory (the `none` agent): always valid, and it scores
// exactly the all-slow latency.
proto::Assignment EmptyAssignment(const Program& program, absl::string_view agent = "none");

}  // namespace mmap_opt

#endif  // MMAP_OPT_SIM_SCORE_H_
