// A local search that improves a valid assignment's latency under the simulator's own rules,
// for the plans the MIP hands over: the model lets a copy move its bytes from the earliest
// boundary of its bucket and in any order, the simulator moves them from the copy start and
// first-in first-out, so the MIP's optimal plan can stall where the model says it does not.
#ifndef MMAP_OPT_EXACT_PLAN_REPAIR_H_
#define MMAP_OPT_EXACT_PLAN_REPAIR_H_

#include <chrono>
#include <cstdint>

#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"

namespace mmap_opt::exact {

struct RepairStats {
  int improvements = 0;
  int simulations = 0;
  double latency_s = 0;  // RepairPlan's: the simulated latency of the plan it returned.
};

// From a VALID assignment (offsets included) whose simulated latency is `latency_s`: orders
// the copies issued at one boundary by deadline, then moves one placement at a time while
// that lowers the latency (a prefetch's copy start earlier or later, a PRODUCED placement's
// end later, a placement dropped), every step validated and simulated, until no move helps or
// `deadline` passes. Returns a valid assignment no slower than the input; deterministic for a
// given input (the deadline aside).
proto::Assignment RepairPlan(const CostModel& cost, proto::Assignment plan, double latency_s,
                             std::chrono::steady_clock::time_point deadline,
                             RepairStats* stats = nullptr);

// Iterated local search from a VALID assignment whose simulated latency is `latency_s`: each
// try perturbs the best plan so far (`perturbed` placements chosen at random by `seed`, each
// dropped or its copy start moved to a random boundary), repairs it (RepairPlan) and keeps it
// where it is faster; until `deadline`, `max_tries` tries, or a plan at most `good_enough_s`
// (a proved lower bound: nothing can be faster). Returns a valid assignment no slower than
// the input; deterministic for a seed without a deadline.
proto::Assignment PerturbAndRepair(const CostModel& cost, proto::Assignment plan, double latency_s,
                                   uint64_t seed, int max_tries,
                                   std::chrono::steady_clock::time_point deadline,
                                   RepairStats* stats = nullptr, double good_enough_s = 0);

}  // namespace mmap_opt::exact

#endif  // MMAP_OPT_EXACT_PLAN_REPAIR_H_
