// The learned agents (DESIGN.md §6): `muzero` (Gumbel search over the MallocGame guided by a
// trained model) and `hybrid` (muzero and the heuristic, the faster by the simulator). They
// live in the LibTorch library; the binary adds them with RegisterTorchAgents().
#ifndef MMAP_OPT_NN_MUZERO_AGENT_H_
#define MMAP_OPT_NN_MUZERO_AGENT_H_

#include "absl/status/statusor.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/sim/cost_model.h"
#include "nn/evaluator.h"

namespace mmap_opt {

// Anytime search (AgentOptions: simulations, time_limit_s, parallel_games, seed): a first
// deterministic game, then rounds of Gumbel-sampled games while time remains; the assignment
// with the lowest simulated latency is kept.
absl::StatusOr<AgentRun> RunMuZero(const CostModel& cost, const AgentOptions& options,
                                   Evaluator& evaluator);

// The evaluator AgentOptions::model_path names: "uniform" (no network), a model file, or
// (empty) DefaultModelPath().
absl::StatusOr<std::unique_ptr<Evaluator>> EvaluatorFor(const AgentOptions& options);

// Runs muzero and the heuristic and keeps the faster; `summary` names both latencies.
absl::StatusOr<AgentRun> RunHybrid(const CostModel& cost, const AgentOptions& options,
                                   Evaluator& evaluator);

// Registers `muzero` and `hybrid` with the agent registry. Idempotent.
void RegisterTorchAgents();

}  // namespace mmap_opt

#endif  // MMAP_OPT_NN_MUZERO_AGENT_H_
