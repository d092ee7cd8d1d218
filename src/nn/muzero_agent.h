// The learned agents (DESIGN.md §6): `muzero` (Gumbel search over the MallocGame guided by a
// trained model) and `hybrid` (muzero and the heuristic, the faster by the simulator). They
// live in the LibTorch library (libmmap_opt_learned.so), which the binary loads on first use.
#ifndef MMAP_OPT_NN_MUZERO_AGENT_H_
#define MMAP_OPT_NN_MUZERO_AGENT_H_

#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/sim/cost_model.h"
#include "nn/evaluator.h"
#include "search/play.h"

namespace mmap_opt {

// Called after every round of games but the last, with the round's games (recorded: their
// steps hold observations and policy targets) and their simulated latencies: learning on the
// program (train/program_learner.h) trains the evaluator's network here.
using RoundHook = std::function<absl::Status(std::vector<PlayedGame>& games,
                                             const std::vector<double>& latencies)>;

// Decides, after a round, whether the round loop stops, given whether this process would stop:
// in a process group every rank stops when any does (train/distributed_solve.h).
using StopVote = std::function<absl::StatusOr<bool>(bool stop)>;

class ProcessGroup;  // train/process_group.h

// Anytime search (AgentOptions: simulations, time_limit_s, max_games, parallel_games, seed): a
// first deterministic game (no root noise), then rounds of Gumbel-sampled games until the
// time limit or the game count runs out (neither: the first game only); the assignment with
// the lowest simulated latency is kept. With `on_round`, games are recorded for it.
absl::StatusOr<AgentRun> RunMuZero(const CostModel& cost, const AgentOptions& options,
                                   Evaluator& evaluator, const RoundHook& on_round = nullptr,
                                   const StopVote& vote = nullptr);

// The evaluator AgentOptions::model_path names: "uniform" (no network), a model file, or
// (empty) DefaultModelPath().
absl::StatusOr<std::unique_ptr<Evaluator>> EvaluatorFor(const AgentOptions& options);

// Runs muzero and the heuristic and keeps the faster; `summary` names both latencies. With a
// `group`, muzero runs on every rank of it (train/distributed_solve.h).
absl::StatusOr<AgentRun> RunHybrid(const CostModel& cost, const AgentOptions& options,
                                   Evaluator& evaluator, ProcessGroup* group = nullptr);

// Runs the learned agent `name` (one of LearnedAgentNames(): muzero, mcts, hybrid).
absl::StatusOr<AgentRun> RunLearnedAgent(absl::string_view name, const CostModel& cost,
                                         const AgentOptions& options);


}  // namespace mmap_opt

#endif  // MMAP_OPT_NN_MUZERO_AGENT_H_
