// The "exact" entry of the agent registry.
#include "absl/strings/str_cat.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/exact/exact_solver.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {

void RegisterExactAgent() {
  RegisterAgent(
      {"exact",
       absl::StrCat("a mixed-integer model solved with CBC: the best valid assignment and a "
                    "proved lower bound on every assignment's latency (programs up to ",
                    kExactMaxInstructions, " instructions and ", kExactMaxUseSegments,
                    " use segments; --time-limit)",
                    ExactSolverAvailable() ? "" : "; NOT in this build: CBC was not found"),
       [](const CostModel& cost, const AgentOptions& options) -> absl::StatusOr<AgentRun> {
         ExactOptions exact;
         exact.time_limit_s = options.time_limit_s;
         ASSIGN_OR_RETURN(ExactResult result, SolveExact(cost, exact));
         AgentRun run;
         run.assignment = std::move(result.assignment);
         run.proven_bound_s = result.mip_bound_s;
         run.summary = ExactSummary(result);
         return run;
       },
       /*takes_time_limit=*/true});
}

}  // namespace mmap_opt
