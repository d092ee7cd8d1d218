// Learning on the program being mapped (DESIGN.md §6, muzero-notes.md §6): `solve --agent
// muzero` with a budget of more than one game spends it on self-play on this one program. It
// starts from the bundled (or --model) network, plays the anytime rounds of RunMuZero (the
// network's deterministic game first, then batches of Gumbel-sampled games), and between rounds
// trains the networks on the games played so far with the same unrolled loss as `train`
// (train/learner.h): the search's improved policy as the policy target, and a ranked outcome
// (train/targets.h) as the value target of every move. The fastest assignment the simulator
// has seen is kept, whatever the network does later. Torch-free header.
#ifndef MMAP_OPT_TRAIN_PROGRAM_LEARNER_H_
#define MMAP_OPT_TRAIN_PROGRAM_LEARNER_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/sim/cost_model.h"
#include "train/targets.h"

namespace mmap_opt {

class ProcessGroup;  // train/process_group.h

struct ProgramLearningOptions {
  // Adam steps after each round of games: this many, or with 0, enough for every new move to
  // be drawn `samples_per_move` times on average (a replay ratio, as muzero-general's). A
  // fixed count over-trains on small programs: tens of rounds a second of 100-move games
  // drove the policy to one action per state and every sampled game to the same one.
  int steps_per_round = 0;
  double samples_per_move = 4;
  int batch_size = 128;
  int unroll_steps = 3;
  double learning_rate = 1e-3;
  int replay_capacity = 40000;  // Moves kept, oldest games dropped first.
  RankedRewardOptions ranked;
};

// What the learning did, for the summary line and for tests.
struct ProgramLearningStats {
  int rounds_trained = 0;
  int64_t train_steps = 0;
  std::vector<double> round_losses;  // Mean loss of each round's steps.
  double parameter_change = 0;       // L2 distance between the first and last parameters.
};

// Whether `muzero` with these options learns on the program: learning on, a network (not
// 'uniform') and a budget of more than one game (a time limit or max_games > 1).
bool LearnsOnProgram(const AgentOptions& options);

// Loads the model AgentOptions::model_path names (empty: the bundled one) and learns on the
// program within the budget. `summary` says how much training happened.
// With a `group` (train/distributed_solve.h) every rank learns on the program: rounds in step,
// gradients averaged over the ranks, and the best assignment of all ranks returned.
absl::StatusOr<AgentRun> LearnOnProgram(const CostModel& cost, const AgentOptions& options,
                                        const ProgramLearningOptions& learning = {},
                                        ProgramLearningStats* stats = nullptr,
                                        ProcessGroup* group = nullptr);

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_PROGRAM_LEARNER_H_
