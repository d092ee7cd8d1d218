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
  // A tighter bound that still holds for every valid assignment: see CapacityBoundLatency.
  double capacity_bound_s = 0;
};

Bounds ComputeBounds(const CostModel& model);

// A lower bound on the latency of every valid assignment that, unlike the infinite-memory
// bound, counts what a finite fast memory cannot do (DESIGN.md §4 keeps the infinite-memory
// bound as THE bound; this one says how much of its headroom is reachable at all). Over a
// partition of the schedule into windows, each window takes at least
// - the sum over its instructions of the fastest each can run when the buffers it serves from
//   fast memory must fit in fast memory together (a fractional knapsack over its buffers:
//   value, the memory time a buffer's accesses save; weight, its size), and at least
// - the HBM traffic that no placement avoids inside it, over HBM's rate (instructions, stalls
//   and async copies share HBM: at most max(1, async_copy_fraction) x slow_bandwidth bytes
//   per second): every access of a buffer that can never be in fast memory (slow-only, or
//   larger than it), the first read of each program input (a slow read, or its prefetch) and
//   the write of each program output (a slow write, or its eviction), less what fast memory
//   can hold across the window's edges.
double CapacityBoundLatency(const CostModel& model);

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
