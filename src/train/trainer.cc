#include "train/trainer.h"

#include <time.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/status_macros.h"
#include "nn/muzero_net.h"
#include "train/checkpoint.h"
#include "train/corpus.h"
#include "train/data_parallel.h"
#include "train/learner.h"
#include "train/learning_curve.h"
#include "train/process_group.h"
#include "train/replay.h"
#include "train/self_play.h"

namespace mmap_opt {
namespace {

namespace fs = std::filesystem;

using State = TrainingState;

// One Adam step on a sampled batch; returns the loss. In a distributed run the gradients and
// the loss are the ranks' means, and every `check_every` steps the parameters are compared.
absl::StatusOr<double> Step(State& state, const TrainOptions& options, ProcessGroup* group) {
  const NetConfig& c = state.net->config();
  const TrainingBatch batch = state.replay->Sample(
      state.rng, options.batch_size, options.unroll_steps, c.observation_size, c.num_actions);
  ++state.train_steps;
  if (group == nullptr) return TrainStep(state.net, *state.optimizer, batch);
  ASSIGN_OR_RETURN(double loss,
                   TrainStep(state.net, *state.optimizer, batch, AverageGradients(*group)));
  if (options.check_every > 0 && state.train_steps % options.check_every == 0) {
    RETURN_IF_ERROR(
        CheckParametersAgree(*group, state.net, absl::StrCat("after step ", state.train_steps)));
  }
  return loss;
}

absl::Status CheckOptions(const TrainOptions& o) {
  if (o.output.empty()) return absl::InvalidArgumentError("train needs an output model path");
  auto bad = [](const std::string& what) { return absl::InvalidArgumentError(what); };
  if (!(o.time_limit_s > 0)) return bad("the time limit must be > 0 seconds");
  if (o.max_iterations < 0) return bad("--iterations must be >= 0");
  if (o.heldout_every < 0) return bad("--heldout-every must be >= 0");
  if (o.heldout_simulations < 0 || o.heldout_simulations > 1024 || o.heldout_rollout_steps < 0) {
    return bad("--heldout-simulations must be in [0, 1024]");
  }
  if (o.threads < 1 || o.threads > 256) return bad("--threads must be in [1, 256]");
  if (o.check_every < 0) return bad("--dist-check-every must be >= 0");
  RETURN_IF_ERROR(CheckDistOptions(o.dist));
  if (o.simulations < 0 || o.simulations > 1024) return bad("simulations must be in [0, 1024]");
  if (!(o.deviations_per_game >= 0) || !(o.order_deviations_per_game >= 0) ||
      !(o.eviction_deviations_per_game >= 0)) {
    return bad("deviations per game must be >= 0");
  }
  if (o.games_per_iteration < 1 || o.batch_size < 1 || o.unroll_steps < 0 ||
      o.replay_capacity < 1 || o.hidden < 1 || o.latent < 1) {
    return bad("training sizes must be positive");
  }
  return absl::OkStatus();
}

// The settings every rank of a distributed run must share (those that change what is
// computed); corpus paths may differ between machines and are left out.
std::string SharedSettings(const TrainOptions& o) {
  return absl::StrFormat(
      "seed %d, world %d, K %d, sizes %d/%d, imitation %d, simulations %d, games %d, steps %d, "
      "batch %d, unroll %d, lr %g, replay %d, check every %d, heldout every %d, self-play %s "
      "(deviations %g, order %g, eviction %g, imitate incumbent %d)",
      o.seed, o.dist.world_size, o.game.num_candidates, o.hidden, o.latent, o.imitation_steps,
      o.simulations, o.games_per_iteration, o.steps_per_iteration, o.batch_size, o.unroll_steps,
      o.learning_rate, o.replay_capacity, o.check_every, o.heldout_every,
      o.self_play == TrainOptions::SelfPlay::kAnchored ? "anchored" : "searched",
      o.deviations_per_game, o.order_deviations_per_game, o.eviction_deviations_per_game,
      o.imitate_incumbent);
}

// A fresh state, or the checkpoint's when resuming. In a distributed run rank 0 reads the file
// and sends it to every rank, which takes its own generator and replay from it.
absl::Status StartState(State& state, const TrainOptions& options, const std::string& checkpoint,
                        ProcessGroup* group) {
  std::error_code error;
  const int rank = options.dist.rank, world = options.dist.world_size;
  std::string bytes;
  if (rank == 0 && options.resume && fs::exists(checkpoint, error)) {
    ASSIGN_OR_RETURN(bytes, ReadFile(checkpoint));
  }
  if (group != nullptr) RETURN_IF_ERROR(group->Broadcast(bytes));
  if (!bytes.empty()) {
    RETURN_IF_ERROR(
        LoadCheckpointBytes(state, bytes, checkpoint, options.game, options.learning_rate));
    if (state.world_size != world) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: the run was started with a world size of %d; resume it with that many ranks",
          checkpoint, state.world_size));
    }
    if (rank > 0) RETURN_IF_ERROR(LoadRankPart(state, state.other_ranks[rank - 1], checkpoint));
    state.other_ranks.clear();
    return absl::OkStatus();
  }
  // Every rank draws the same initial weights; each plays and samples with its own generator
  // (rank 0's is the single-process one).
  torch::manual_seed(options.seed);
  state.rng.seed(options.seed ^ (0x9e3779b97f4a7c15ull * static_cast<uint64_t>(rank)));
  state.world_size = world;
  NetConfig config;
  config.observation_size = MallocGame::ObservationSize(options.game);
  config.num_actions = MallocGame::NumActions(options.game);
  config.hidden = options.hidden;
  config.latent = options.latent;
  state.net = MuZeroNet(config);
  state.optimizer = std::make_unique<torch::optim::Adam>(
      state.net->parameters(), torch::optim::AdamOptions(options.learning_rate));
  return absl::OkStatus();
}

// CPU time of this process (all its threads), in seconds.
double ProcessCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// Sums `values` over the ranks (nothing to do alone).
absl::Status SumOverRanks(ProcessGroup* group, std::vector<double>& values) {
  if (group == nullptr) return absl::OkStatus();
  return group->AllReduceSum(absl::MakeSpan(values));
}

absl::Status TrainInGroup(const TrainOptions& options, ProcessGroup* group) {
  const auto start = std::chrono::steady_clock::now();
  const bool writer = options.dist.rank == 0;
  at::set_num_threads(options.threads);
  if (group != nullptr) RETURN_IF_ERROR(CheckSettingsAgree(*group, SharedSettings(options)));
  ASSIGN_OR_RETURN(std::vector<CorpusProgram> corpus, LoadCorpus(options));
  ASSIGN_OR_RETURN(std::vector<CorpusProgram> heldout, LoadHeldOut(options));
  // Whether any rank has held-out programs (each measures its share).
  std::vector<double> heldout_count = {static_cast<double>(heldout.size())};
  if (group != nullptr) RETURN_IF_ERROR(group->Barrier("corpus loaded"));
  RETURN_IF_ERROR(SumOverRanks(group, heldout_count));
  const std::string run_dir = options.run_dir.empty() ? options.output + ".run" : options.run_dir;
  std::error_code error;
  if (writer) fs::create_directories(run_dir, error);
  if (error)
    return absl::InternalError(absl::StrCat(run_dir, ": cannot create: ", error.message()));
  const std::string checkpoint = (fs::path(run_dir) / "checkpoint.pt").string();
  const std::string metrics_path = (fs::path(run_dir) / "metrics.csv").string();
  const std::string curve_path = (fs::path(run_dir) / "learning_curve.svg").string();

  State state;
  state.replay = std::make_unique<ReplayBuffer>(options.replay_capacity);
  RETURN_IF_ERROR(StartState(state, options, checkpoint, group));
  if (group != nullptr) RETURN_IF_ERROR(CheckParametersAgree(*group, state.net, "at the start"));
  // Minibatch sampling draws from state.rng; torch's own generator only initialises weights.
  state.net->train();
  while (true) {
    const double used =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // The ranks stop together: when any of them is out of time.
    std::vector<double> stop = {static_cast<double>(
        used >= options.time_limit_s ||
        (options.max_iterations > 0 && state.iteration >= options.max_iterations))};
    if (group != nullptr) {
      RETURN_IF_ERROR(group->Barrier(absl::StrCat("iteration ", state.iteration + 1)));
    }
    RETURN_IF_ERROR(SumOverRanks(group, stop));
    if (stop[0] > 0) break;
    const auto iteration_start = std::chrono::steady_clock::now();
    const double cpu_start = ProcessCpuSeconds();
    const int iteration = state.iteration + 1;
    double gain = 0;
    int steps = options.steps_per_iteration;
    const int64_t episodes_before = state.episodes;
    if (iteration == 0) {
      ASSIGN_OR_RETURN(gain, ImitationGames(state, corpus, options));
      steps = options.imitation_steps;
    } else {
      if (options.self_play == TrainOptions::SelfPlay::kAnchored) {
        ASSIGN_OR_RETURN(gain, AnchoredSelfPlay(state, corpus, options, iteration));
      } else {
        ASSIGN_OR_RETURN(gain, SelfPlayGames(state, corpus, options));
      }
    }
    int64_t games = state.episodes - episodes_before;
    if (group != nullptr) {
      // The mean gain over every rank's games, and the episodes of all ranks.
      RETURN_IF_ERROR(group->Barrier(absl::StrCat("games of iteration ", iteration)));
      std::vector<double> sums = {gain * games, static_cast<double>(games)};
      RETURN_IF_ERROR(SumOverRanks(group, sums));
      games = static_cast<int64_t>(sums[1]);
      gain = sums[0] / sums[1];
      state.episodes = episodes_before + games;
    }
    // Until the last rank has played: the group's time for `games`.
    const double play_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - iteration_start).count();
    const double play_cpu_s = ProcessCpuSeconds() - cpu_start;
    const auto learn_start = std::chrono::steady_clock::now();
    const TrafficCounters traffic_before = group ? group->Traffic() : TrafficCounters();
    double loss = 0;
    for (int s = 0; s < steps; ++s) {
      ASSIGN_OR_RETURN(double step_loss, Step(state, options, group));
      loss += step_loss;
    }
    loss /= std::max(steps, 1);
    const double learn_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - learn_start).count();
    const double learn_cpu_s = ProcessCpuSeconds() - cpu_start - play_cpu_s;
    const TrafficCounters traffic_after = group ? group->Traffic() : TrafficCounters();
    if (group != nullptr) {
      RETURN_IF_ERROR(
          CheckParametersAgree(*group, state.net, absl::StrCat("after iteration ", iteration)));
    }
    state.iteration = iteration;
    state.elapsed_s +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - iteration_start).count();
    // Measured after the iteration's training and outside elapsed_s (training time); each rank
    // plays its share of the held-out programs.
    std::optional<double> heldout_gain;
    if (heldout_count[0] > 0 && iteration % options.heldout_every == 0) {
      double mean = 0;
      if (!heldout.empty()) {
        ASSIGN_OR_RETURN(mean, HeldOutGain(state, heldout, options));
      }
      if (group != nullptr) RETURN_IF_ERROR(group->Barrier("held-out games"));
      std::vector<double> sums = {mean * heldout.size(), static_cast<double>(heldout.size())};
      RETURN_IF_ERROR(SumOverRanks(group, sums));
      heldout_gain = group != nullptr ? sums[0] / sums[1] : mean;
    }
    absl::StrAppendFormat(&state.metrics, "%d,%s,%d,%d,%.6f,%.4f,%s,%.2f\n", iteration,
                          iteration == 0 ? "imitation" : "self-play", state.episodes,
                          state.train_steps, loss, 100 * gain,
                          heldout_gain ? absl::StrFormat("%.4f", 100 * *heldout_gain) : "",
                          state.elapsed_s);
    if (group != nullptr) {
      // Rank 0's checkpoint carries every rank's generator and replay.
      ASSIGN_OR_RETURN(std::string part, RankPart(state));
      ASSIGN_OR_RETURN(std::vector<std::string> parts, group->GatherToRoot(part));
      if (writer) state.other_ranks.assign(parts.begin() + 1, parts.end());
    }
    if (writer) {
      // Model first: a kill between the two files leaves a checkpoint that redoes this
      // iteration, never a checkpoint ahead of the model.
      RETURN_IF_ERROR(SaveModel(state.net, options.output));
      RETURN_IF_ERROR(SaveCheckpoint(state, checkpoint));
      RETURN_IF_ERROR(WriteFileAtomically(metrics_path, state.metrics));
      if (heldout_count[0] > 0) {
        RETURN_IF_ERROR(WriteFileAtomically(
            curve_path, LearningCurveSvg(HeldOutPoints(state.metrics),
                                         fs::path(options.output).filename().string())));
      }
    }
    state.other_ranks.clear();
    if (options.on_progress) {
      TrainProgress progress;
      progress.iteration = iteration;
      progress.episodes = state.episodes;
      progress.train_steps = state.train_steps;
      progress.loss = loss;
      progress.mean_gain = gain;
      progress.heldout_gain = heldout_gain;
      progress.elapsed_s = state.elapsed_s;
      progress.games = games;
      progress.play_s = play_s;
      progress.steps = steps;
      progress.learn_s = learn_s;
      progress.play_cpu_s = play_cpu_s;
      progress.learn_cpu_s = learn_cpu_s;
      if (group != nullptr) {
        progress.bytes_sent_per_step =
            static_cast<double>(traffic_after.bytes_sent - traffic_before.bytes_sent) /
            std::max(steps, 1);
        progress.parameter_checksum = ParameterChecksum(state.net);
      }
      options.on_progress(progress);
    }
  }
  if (state.iteration < 0) {
    return absl::DeadlineExceededError("the time limit ended before the first iteration");
  }
  // A run killed after its last checkpoint but before the metrics reached the disk leaves a
  // stale metrics.csv that the resumed run, with no iteration left to do, would never rewrite
  // (found by tools/train_soak.sh): the checkpoint's copy is the true one.
  if (writer) RETURN_IF_ERROR(WriteFileAtomically(metrics_path, state.metrics));
  if (group != nullptr) RETURN_IF_ERROR(group->Barrier("the end"));
  return absl::OkStatus();
}

}  // namespace

absl::Status Train(const TrainOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  ASSIGN_OR_RETURN(std::unique_ptr<ProcessGroup> group, OpenProcessGroup(options.dist));
  absl::Status status = TrainInGroup(options, group.get());
  // The other ranks name this one and its error rather than a lost connection.
  if (!status.ok() && group != nullptr) group->ReportFailure(status);
  return status;
}

}  // namespace mmap_opt
