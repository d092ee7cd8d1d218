// Learning on one program across processes (`solve --agent muzero|hybrid --world-size N`):
// every rank plays its own games on the same program with its own seed, the rounds run in
// step (the ranks stop together when any is out of budget), learning averages the ranks'
// gradients (train/data_parallel.h), and the fastest assignment any rank found is gathered so
// that every rank, and rank 0 which writes it, returns the same one. Torch-free header.
#ifndef MMAP_OPT_TRAIN_DISTRIBUTED_SOLVE_H_
#define MMAP_OPT_TRAIN_DISTRIBUTED_SOLVE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/sim/cost_model.h"
#include "nn/evaluator.h"
#include "nn/muzero_agent.h"
#include "train/process_group.h"

namespace mmap_opt {

// Opens the group DistOptions names and runs the learned agent `name` (muzero or hybrid) on
// every rank of it; a world size of 1 is RunLearnedAgent.
absl::StatusOr<AgentRun> RunLearnedAgentInGroup(absl::string_view name, const CostModel& cost,
                                                const AgentOptions& options,
                                                const DistOptions& dist);

// The options rank `rank` plays with: its own seed (rank 0 keeps the given one).
AgentOptions ForRank(const AgentOptions& options, int rank);

// RunMuZero's stop vote in a group: every rank stops when any of them wants to.
StopVote StopTogether(ProcessGroup& group);

// The fastest of the ranks' assignments by the simulator (ties: the lowest rank), on every rank.
absl::StatusOr<AgentRun> GatherBest(ProcessGroup& group, const CostModel& cost, AgentRun run);

// muzero's search without learning on every rank, rounds in step, the best of all ranks.
absl::StatusOr<AgentRun> RunMuZeroInGroup(const CostModel& cost, const AgentOptions& options,
                                          Evaluator& evaluator, ProcessGroup& group);

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_DISTRIBUTED_SOLVE_H_
