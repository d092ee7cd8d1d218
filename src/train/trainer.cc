#include "train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/status_macros.h"
#include "nn/evaluator.h"
#include "nn/muzero_net.h"
#include "search/play.h"
#include "train/checkpoint.h"
#include "train/learner.h"
#include "train/learning_curve.h"
#include "train/replay.h"
#include "train/targets.h"

namespace mmap_opt {
namespace {

namespace fs = std::filesystem;

struct CorpusProgram {
  std::string path;
  std::unique_ptr<Program> program;
  std::unique_ptr<CostModel> cost;
  double heuristic_latency = 0;
};

// The programs of one folder (sorted by path) with their heuristic latencies.
absl::StatusOr<std::vector<CorpusProgram>> LoadPrograms(const fs::path& dir,
                                                        const std::string& hardware_flag) {
  std::error_code error;
  std::vector<std::string> paths;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file() && HasProtoExtension(entry.path().string())) {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());  // Directory order is not reproducible.
  if (paths.empty()) {
    return absl::NotFoundError(absl::StrCat(dir.string(), ": no programs (.pb, .txtpb, .json)"));
  }
  std::vector<CorpusProgram> corpus;
  for (const std::string& path : paths) {
    CorpusProgram entry;
    entry.path = path;
    ASSIGN_OR_RETURN(proto::Program proto, ReadProgram(path));
    ASSIGN_OR_RETURN(proto::Hardware hardware, HardwareFor(proto, hardware_flag));
    ASSIGN_OR_RETURN(Program program, Program::Create(std::move(proto)));
    entry.program = std::make_unique<Program>(std::move(program));
    ASSIGN_OR_RETURN(CostModel cost, CostModel::Create(*entry.program, std::move(hardware)));
    entry.cost = std::make_unique<CostModel>(std::move(cost));
    ASSIGN_OR_RETURN(proto::Assignment heuristic, RunMsaHeuristic(*entry.cost));
    ASSIGN_OR_RETURN(Score score, ScoreAssignment(*entry.cost, heuristic));
    entry.heuristic_latency = score.simulation.latency_s;
    corpus.push_back(std::move(entry));
  }
  return corpus;
}

absl::StatusOr<std::vector<CorpusProgram>> LoadCorpus(const TrainOptions& options) {
  fs::path dir = options.corpus;
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat(options.corpus, ": not a folder"));
  }
  if (fs::is_directory(dir / "train", error)) dir /= "train";
  return LoadPrograms(dir, options.hardware);
}

// The held-out programs (TrainOptions::heldout); none when there are no such programs.
absl::StatusOr<std::vector<CorpusProgram>> LoadHeldOut(const TrainOptions& options) {
  if (options.heldout_every == 0) return std::vector<CorpusProgram>();
  std::error_code error;
  if (!options.heldout.empty()) {
    if (!fs::is_directory(options.heldout, error)) {
      return absl::NotFoundError(absl::StrCat(options.heldout, ": not a folder"));
    }
    return LoadPrograms(options.heldout, options.hardware);
  }
  const fs::path corpus = options.corpus;
  if (fs::is_directory(corpus / "train", error) && fs::is_directory(corpus / "test", error)) {
    return LoadPrograms(corpus / "test", options.hardware);
  }
  return std::vector<CorpusProgram>();
}

using State = TrainingState;

// One Adam step on a sampled batch; returns the loss.
double Step(State& state, const TrainOptions& options) {
  const NetConfig& c = state.net->config();
  const TrainingBatch batch = state.replay->Sample(
      state.rng, options.batch_size, options.unroll_steps, c.observation_size, c.num_actions);
  ++state.train_steps;
  return TrainStep(state.net, *state.optimizer, batch);
}

// --- Iterations -----------------------------------------------------------------------------

// The heuristic's moves as one-hot policy targets (the warm start).
absl::StatusOr<double> ImitationGames(State& state, const std::vector<CorpusProgram>& corpus,
                                      const TrainOptions& options) {
  double gain = 0;
  const int A = MallocGame::NumActions(options.game);
  for (const CorpusProgram& entry : corpus) {
    ASSIGN_OR_RETURN(MallocGame game, MallocGame::Create(*entry.cost, options.game));
    HeuristicPolicy policy;
    std::vector<PlayedStep> steps;
    while (!game.done()) {
      PlayedStep step;
      step.observation.resize(MallocGame::ObservationSize(options.game));
      game.Observe(step.observation.data());
      step.action = policy.Choose(game);
      step.policy_target.assign(A, 0.0f);
      step.policy_target[step.action] = 1;
      step.reward = static_cast<float>(game.Step(step.action).reward);
      steps.push_back(std::move(step));
    }
    ASSIGN_OR_RETURN(Score score, ScoreAssignment(*entry.cost, game.ToAssignment("imitation")));
    gain += (entry.heuristic_latency - score.simulation.latency_s) / entry.heuristic_latency;
    state.replay->Add(ToEpisode(steps, ValueTarget::kRemainingReward));
    ++state.episodes;
  }
  return gain / corpus.size();
}

absl::StatusOr<double> SelfPlayGames(State& state, const std::vector<CorpusProgram>& corpus,
                                     const TrainOptions& options) {
  std::vector<const CostModel*> costs;
  std::vector<double> heuristic;
  std::uniform_int_distribution<size_t> pick(0, corpus.size() - 1);
  for (int i = 0; i < options.games_per_iteration; ++i) {
    const CorpusProgram& entry = corpus[pick(state.rng)];
    costs.push_back(entry.cost.get());
    heuristic.push_back(entry.heuristic_latency);
  }
  std::unique_ptr<Evaluator> evaluator = MakeNetEvaluator(state.net, options.threads);
  PlayOptions play;
  play.game = options.game;
  play.search.simulations = options.simulations;
  play.search.gumbel_scale = 1.0;
  play.seed = state.rng();
  play.record = true;
  ASSIGN_OR_RETURN(std::vector<PlayedGame> games, PlaySearchGames(costs, *evaluator, play));
  state.net->train();
  double gain = 0;
  for (size_t i = 0; i < games.size(); ++i) {
    ASSIGN_OR_RETURN(Score score, ScoreAssignment(*costs[i], games[i].assignment));
    gain += (heuristic[i] - score.simulation.latency_s) / heuristic[i];
    state.replay->Add(ToEpisode(games[i].steps, ValueTarget::kRemainingReward));
    ++state.episodes;
  }
  return gain / games.size();
}

// The model's deterministic game on every held-out program at the fixed search budget, all
// games batched in one PlaySearchGames; the mean gain over the heuristic.
absl::StatusOr<double> HeldOutGain(State& state, const std::vector<CorpusProgram>& heldout,
                                   const TrainOptions& options) {
  std::vector<const CostModel*> costs;
  for (const CorpusProgram& entry : heldout) costs.push_back(entry.cost.get());
  std::unique_ptr<Evaluator> evaluator = MakeNetEvaluator(state.net, options.threads);
  PlayOptions play;
  play.game = options.game;
  play.search.simulations = options.heldout_simulations;
  play.search.rollout_steps = options.heldout_rollout_steps;
  play.search.gumbel_scale = 0;
  play.seed = options.seed;
  ASSIGN_OR_RETURN(std::vector<PlayedGame> games, PlaySearchGames(costs, *evaluator, play));
  state.net->train();
  double gain = 0;
  for (size_t i = 0; i < games.size(); ++i) {
    ASSIGN_OR_RETURN(Score score, ScoreAssignment(*costs[i], games[i].assignment));
    gain +=
        (heldout[i].heuristic_latency - score.simulation.latency_s) / heldout[i].heuristic_latency;
  }
  return gain / games.size();
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
  if (o.simulations < 0 || o.simulations > 1024) return bad("simulations must be in [0, 1024]");
  if (o.games_per_iteration < 1 || o.batch_size < 1 || o.unroll_steps < 0 ||
      o.replay_capacity < 1 || o.hidden < 1 || o.latent < 1) {
    return bad("training sizes must be positive");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Train(const TrainOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  const auto start = std::chrono::steady_clock::now();
  at::set_num_threads(options.threads);
  ASSIGN_OR_RETURN(std::vector<CorpusProgram> corpus, LoadCorpus(options));
  ASSIGN_OR_RETURN(std::vector<CorpusProgram> heldout, LoadHeldOut(options));
  const std::string run_dir = options.run_dir.empty() ? options.output + ".run" : options.run_dir;
  std::error_code error;
  fs::create_directories(run_dir, error);
  if (error)
    return absl::InternalError(absl::StrCat(run_dir, ": cannot create: ", error.message()));
  const std::string checkpoint = (fs::path(run_dir) / "checkpoint.pt").string();
  const std::string metrics_path = (fs::path(run_dir) / "metrics.csv").string();
  const std::string curve_path = (fs::path(run_dir) / "learning_curve.svg").string();

  State state;
  state.replay = std::make_unique<ReplayBuffer>(options.replay_capacity);
  if (options.resume && fs::exists(checkpoint, error)) {
    RETURN_IF_ERROR(LoadCheckpoint(state, checkpoint, options.game, options.learning_rate));
  } else {
    torch::manual_seed(options.seed);
    state.rng.seed(options.seed);
    NetConfig config;
    config.observation_size = MallocGame::ObservationSize(options.game);
    config.num_actions = MallocGame::NumActions(options.game);
    config.hidden = options.hidden;
    config.latent = options.latent;
    state.net = MuZeroNet(config);
    state.optimizer = std::make_unique<torch::optim::Adam>(
        state.net->parameters(), torch::optim::AdamOptions(options.learning_rate));
  }
  // Minibatch sampling draws from state.rng; torch's own generator only initialises weights.
  state.net->train();
  while (true) {
    const double used =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (used >= options.time_limit_s) break;
    if (options.max_iterations > 0 && state.iteration >= options.max_iterations) break;
    const auto iteration_start = std::chrono::steady_clock::now();
    const int iteration = state.iteration + 1;
    double gain = 0;
    int steps = options.steps_per_iteration;
    if (iteration == 0) {
      ASSIGN_OR_RETURN(gain, ImitationGames(state, corpus, options));
      steps = options.imitation_steps;
    } else {
      ASSIGN_OR_RETURN(gain, SelfPlayGames(state, corpus, options));
    }
    double loss = 0;
    for (int s = 0; s < steps; ++s) loss += Step(state, options);
    loss /= std::max(steps, 1);
    state.iteration = iteration;
    state.elapsed_s +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - iteration_start).count();
    // Measured after the iteration's training and outside elapsed_s (training time).
    std::optional<double> heldout_gain;
    if (!heldout.empty() && iteration % options.heldout_every == 0) {
      ASSIGN_OR_RETURN(heldout_gain, HeldOutGain(state, heldout, options));
    }
    absl::StrAppendFormat(&state.metrics, "%d,%s,%d,%d,%.6f,%.4f,%s,%.2f\n", iteration,
                          iteration == 0 ? "imitation" : "self-play", state.episodes,
                          state.train_steps, loss, 100 * gain,
                          heldout_gain ? absl::StrFormat("%.4f", 100 * *heldout_gain) : "",
                          state.elapsed_s);
    // Model first: a kill between the two files leaves a checkpoint that redoes this
    // iteration, never a checkpoint ahead of the model.
    RETURN_IF_ERROR(SaveModel(state.net, options.output));
    RETURN_IF_ERROR(SaveCheckpoint(state, checkpoint));
    RETURN_IF_ERROR(WriteFileAtomically(metrics_path, state.metrics));
    if (!heldout.empty()) {
      RETURN_IF_ERROR(WriteFileAtomically(
          curve_path, LearningCurveSvg(HeldOutPoints(state.metrics),
                                       fs::path(options.output).filename().string())));
    }
    if (options.on_progress) {
      TrainProgress progress;
      progress.iteration = iteration;
      progress.episodes = state.episodes;
      progress.train_steps = state.train_steps;
      progress.loss = loss;
      progress.mean_gain = gain;
      progress.heldout_gain = heldout_gain;
      progress.elapsed_s = state.elapsed_s;
      options.on_progress(progress);
    }
  }
  if (state.iteration < 0) {
    return absl::DeadlineExceededError("the time limit ended before the first iteration");
  }
  // A run killed after its last checkpoint but before the metrics reached the disk leaves a
  // stale metrics.csv that the resumed run, with no iteration left to do, would never rewrite
  // (found by tools/train_soak.sh): the checkpoint's copy is the true one.
  RETURN_IF_ERROR(WriteFileAtomically(metrics_path, state.metrics));
  return absl::OkStatus();
}

}  // namespace mmap_opt
