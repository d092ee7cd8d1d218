// The exact agent (issue 19): a mixed-integer model of the mapping problem solved with CBC.
// It returns the best valid assignment it found (the MIP's plan with offsets from the packer,
// or the heuristic's where that plan is worse or rejected) and the lower bound on latency the
// MIP proved, which holds for EVERY valid assignment (the model relaxes the simulator; see
// src/exact/mapping_mip.h for what it relaxes).
#ifndef MMAP_OPT_EXACT_EXACT_SOLVER_H_
#define MMAP_OPT_EXACT_EXACT_SOLVER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"

namespace mmap_opt {

// The largest programs the exact agent takes (beyond them CBC's model grows too large to
// solve in minutes on two cores).
inline constexpr int64_t kExactMaxInstructions = 400;
inline constexpr int64_t kExactMaxUseSegments = 3000;  // Uses of buffers that may be fast.

struct ExactOptions {
  // Wall-clock budget in seconds for the whole solve (0: none). A solve cut short still
  // returns its best assignment and a valid (looser) bound.
  double time_limit_s = 0;
  // Branch-and-bound nodes per CBC solve (-1: none): the deterministic budget of tests.
  int64_t max_nodes = -1;
  // Rounds of "solve, add the copy-window rows the solution violates" (see mapping_mip.h).
  int max_rounds = 12;
  int windows_per_round = 300;
  // Copy-start buckets per use segment.
  int max_buckets = 10;
  // A coarse model solved before it, with this many buckets (0: none), for at most
  // `coarse_share` of the time limit: see SolveExact.
  int coarse_buckets = 5;
  double coarse_share = 0.35;
  // Refined models solved after the first once it has nothing more to give (its rounds end
  // with no copy window violated, solved to optimality) while the gap is open and time is
  // left: finer buckets, `refined_single_boundaries` single ones nearest each use (doubled,
  // with the buckets, at each further refinement).
  int refinements = 2;
  int refined_max_buckets = 24;
  int refined_single_boundaries = 12;
  // With a time limit, the share of it kept (at least) for an iterated local search from the
  // best plan after the models (PerturbAndRepair in src/exact/plan_repair.h); the search also
  // takes whatever time the models leave.
  double search_share = 0.1;
};

struct ExactResult {
  proto::Assignment assignment;  // The best valid assignment found.
  double latency_s = 0;          // Its simulated latency.
  // Where it came from: "mip" (the model's plan), "heuristic", "heuristic-game" or
  // "heuristic-tuned", with
  // "+repair" where the plan repair (src/exact/plan_repair.h) improved it, "+search" where the
  // iterated local search in the time left after the models did.
  std::string source;
  double mip_bound_s = 0;        // The MIP's proved lower bound on every valid latency.
  bool optimal = false;          // latency_s == mip_bound_s up to 1e-6: a proved optimum.
  double gap = 0;                // (latency_s - mip_bound_s) / mip_bound_s.
  double mip_objective_s = 0;    // The model's value of its last plan (before packing, FIFO).
  std::string note;  // Why the MIP's plan was not kept, when it was not (packer, FIFO order).
  int rounds = 0;
  int refinements = 0;  // Refined models solved (see ExactOptions::refinements).
  int columns = 0;
  int rows = 0;
  int64_t nodes = 0;
  int repair_moves = 0;  // Moves the plan repair made, over every plan it improved.
  int search_improvements = 0;  // Tries of the iterated local search that were kept.
};

// OK when the program is within the size limit; else InvalidArgument naming the limit.
absl::Status CheckExactSize(const Program& program);

// Whether this build has the exact agent (CBC was found at configure time).
bool ExactSolverAvailable();

// Solves; Unimplemented in a build without CBC.
absl::StatusOr<ExactResult> SolveExact(const CostModel& cost, const ExactOptions& options);

// One line for `solve`: the bound, the gap and what was kept.
std::string ExactSummary(const ExactResult& result);

// Adds the "exact" agent to the registry (in a build without CBC, one that says so).
void RegisterExactAgent();

}  // namespace mmap_opt

#endif  // MMAP_OPT_EXACT_EXACT_SOLVER_H_
