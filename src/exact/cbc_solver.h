// Hands a MappingMip to CBC (COIN-OR branch and cut) and reads back its best solution and the
// lower bound it proved. The only file that includes CBC's headers.
#ifndef MMAP_OPT_EXACT_CBC_SOLVER_H_
#define MMAP_OPT_EXACT_CBC_SOLVER_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "exact/mapping_mip.h"

namespace mmap_opt::exact {

struct CbcLimits {
  // Wall-clock seconds for the whole call, LP and cut loop included (0: none; deterministic
  // runs use max_nodes instead).
  double time_limit_s = 0;
  int64_t max_nodes = -1;        // Branch-and-bound nodes; -1: none.
  int saved_solutions = 8;       // How many of the best solutions found to hand back.
  bool feasibility_pump = true;  // The pump at the root (it does not stop at the deadline).
};

struct CbcOutcome {
  bool has_solution = false;
  std::vector<double> x;  // The best solution, one value per column.
  // The best few solutions found, best first (x among them): their plans are all worth
  // simulating, since the model's order is not the simulator's (FIFO copies, buckets).
  std::vector<std::vector<double>> solutions;
  double objective = 0;  // Its objective, in model units.
  double bound = 0;      // Proved: no solution of the model is below this (model units).
  bool optimal = false;  // The search finished: objective == bound up to CBC's tolerances.
  int64_t nodes = 0;
  // Wall seconds until the root was done (the first LP and the cut loop, which do not stop at
  // the deadline), or the whole solve where it never got past the root.
  double root_s = 0;
};

// Solves `mip` on one thread; `start`, when given, is a feasible point CBC starts from.
absl::StatusOr<CbcOutcome> SolveWithCbc(const MappingMip& mip, const std::vector<double>* start,
                                        const CbcLimits& limits);

}  // namespace mmap_opt::exact

#endif  // MMAP_OPT_EXACT_CBC_SOLVER_H_
