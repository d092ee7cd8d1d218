#include "train/program_learner.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "absl/strings/str_format.h"
#include "mmap_opt/status_macros.h"
#include "nn/evaluator.h"
#include "nn/muzero_agent.h"
#include "nn/muzero_net.h"
#include "train/data_parallel.h"
#include "train/distributed_solve.h"
#include "train/learner.h"
#include "train/replay.h"

namespace mmap_opt {

bool LearnsOnProgram(const AgentOptions& options) {
  return options.learn && options.model_path != "uniform" &&
         (options.time_limit_s > 0 || options.max_games > 1);
}

absl::StatusOr<AgentRun> LearnOnProgram(const CostModel& cost, const AgentOptions& options,
                                        const ProgramLearningOptions& learning,
                                        ProgramLearningStats* stats, ProcessGroup* group) {
  if (learning.steps_per_round < 0 || learning.batch_size < 1 || learning.unroll_steps < 0 ||
      learning.replay_capacity < 1 || !(learning.learning_rate > 0) ||
      !(learning.samples_per_move > 0)) {
    return absl::InvalidArgumentError("learning sizes and the learning rate must be positive");
  }
  ASSIGN_OR_RETURN(MuZeroNet net,
                   LoadModel(options.model_path.empty() ? DefaultModelPath() : options.model_path));
  const NetConfig config = net->config();
  if (group != nullptr) {  // After a barrier: hybrid's tuning takes each rank its own time.
    RETURN_IF_ERROR(group->Barrier("the model loaded"));
    RETURN_IF_ERROR(CheckParametersAgree(*group, net, "after loading"));
  }
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(learning.learning_rate));
  ReplayBuffer replay(learning.replay_capacity);
  RankedReward ranked(learning.ranked);
  // Minibatches only; a stream of its own so that the search's seeds stay RunMuZero's.
  std::mt19937_64 rng(options.seed ^ 0x9e3779b97f4a7c15ull);
  const torch::Tensor initial = FlattenParameters(net);
  ProgramLearningStats local;
  ProgramLearningStats& s = stats != nullptr ? *stats : local;
  s = ProgramLearningStats();
  // The evaluator shares `net`: every round searches with the parameters trained so far.
  std::unique_ptr<Evaluator> evaluator = MakeNetEvaluator(net, options.threads);
  auto train_on_round = [&](std::vector<PlayedGame>& games,
                            const std::vector<double>& latencies) -> absl::Status {
    const std::vector<float> outcomes = ranked.Score(latencies);
    const int64_t moves = AddDecidedMoves(games, outcomes, replay);
    // In a group every rank takes the same steps, each on a batch of its own: the replay
    // ratio counts every rank's new moves and batches.
    const int world = group != nullptr ? group->world_size() : 1;
    std::vector<double> sums = {static_cast<double>(moves),
                                replay.empty() || moves == 0 ? 1.0 : 0.0};
    if (group != nullptr) {
      RETURN_IF_ERROR(group->Barrier("a round's games"));
      RETURN_IF_ERROR(group->AllReduceSum(absl::MakeSpan(sums)));
    }
    if (sums[1] > 0) return absl::OkStatus();  // A rank has nothing new to learn from.
    const int steps = learning.steps_per_round > 0
                          ? learning.steps_per_round
                          : static_cast<int>(std::max<double>(
                                1, std::ceil(learning.samples_per_move * sums[0] /
                                             (static_cast<double>(learning.batch_size) * world))));
    net->train();
    double loss = 0;
    for (int step = 0; step < steps; ++step) {
      const TrainingBatch batch = replay.Sample(rng, learning.batch_size, learning.unroll_steps,
                                                config.observation_size, config.num_actions);
      if (group == nullptr) {
        loss += TrainStep(net, adam, batch);
        continue;
      }
      ASSIGN_OR_RETURN(double step_loss, TrainStep(net, adam, batch, AverageGradients(*group)));
      loss += step_loss;
    }
    net->eval();
    s.train_steps += steps;
    s.round_losses.push_back(loss / steps);
    ++s.rounds_trained;
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(AgentRun run, RunMuZero(cost, options, *evaluator, train_on_round,
                                           group != nullptr ? StopTogether(*group) : StopVote()));
  s.parameter_change = (FlattenParameters(net) - initial).norm().item<double>();
  const std::string scales = run.summary;  // The order-move scales' record, if adapted.
  run.summary =
      s.rounds_trained == 0
          ? "learned on the program: nothing before the budget ended (round 0, the network's "
            "own game, teaches nothing; training follows each later round but the last)"
          : absl::StrFormat(
                "learned on the program: %d Adam steps after %d round(s) of games (loss %.4f -> "
                "%.4f), parameters moved %.4g",
                s.train_steps, s.rounds_trained, s.round_losses.front(), s.round_losses.back(),
                s.parameter_change);
  if (!scales.empty()) absl::StrAppend(&run.summary, "; ", scales);
  if (group != nullptr) {
    RETURN_IF_ERROR(CheckParametersAgree(*group, net, "after learning on the program"));
    return GatherBest(*group, cost, std::move(run));
  }
  return run;
}

}  // namespace mmap_opt
