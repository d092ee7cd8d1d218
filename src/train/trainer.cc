#include "train/trainer.h"

#include <time.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <tuple>
#include <utility>
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
#include "train/data_parallel.h"
#include "train/learner.h"
#include "train/learning_curve.h"
#include "train/process_group.h"
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

// The programs of one folder (sorted by path) with their heuristic latencies; in a
// distributed run only this rank's share of them (ShardIndices).
absl::StatusOr<std::vector<CorpusProgram>> LoadPrograms(const fs::path& dir,
                                                        const std::string& hardware_flag,
                                                        const DistOptions& dist) {
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
  for (int index : ShardIndices(paths.size(), dist.rank, dist.world_size)) {
    const std::string& path = paths[index];
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
  ASSIGN_OR_RETURN(std::vector<CorpusProgram> corpus,
                   LoadPrograms(dir, options.hardware, options.dist));
  if (corpus.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: fewer programs than the %d ranks, each of which plays on a share of them",
        dir.string(), options.dist.world_size));
  }
  return corpus;
}

// The held-out programs (TrainOptions::heldout); none when there are no such programs.
absl::StatusOr<std::vector<CorpusProgram>> LoadHeldOut(const TrainOptions& options) {
  if (options.heldout_every == 0) return std::vector<CorpusProgram>();
  std::error_code error;
  if (!options.heldout.empty()) {
    if (!fs::is_directory(options.heldout, error)) {
      return absl::NotFoundError(absl::StrCat(options.heldout, ": not a folder"));
    }
    return LoadPrograms(options.heldout, options.hardware, options.dist);
  }
  const fs::path corpus = options.corpus;
  if (fs::is_directory(corpus / "train", error) && fs::is_directory(corpus / "test", error)) {
    return LoadPrograms(corpus / "test", options.hardware, options.dist);
  }
  return std::vector<CorpusProgram>();
}

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

// --- Iterations -----------------------------------------------------------------------------

// One game played by `policy` on `cost`, every move recorded with the move played as a
// one-hot policy target and the Monte-Carlo return as the value target (imitation).
struct ImitatedGame {
  Episode episode;
  proto::Assignment assignment;
};

absl::StatusOr<ImitatedGame> ImitateGame(const CostModel& cost, Policy& policy,
                                         const GameOptions& game_options) {
  const int A = MallocGame::NumActions(game_options);
  ASSIGN_OR_RETURN(MallocGame game, MallocGame::Create(cost, game_options));
  std::vector<PlayedStep> steps;
  while (!game.done()) {
    PlayedStep step;
    step.observation.resize(MallocGame::ObservationSize(game_options));
    game.Observe(step.observation.data());
    step.action = policy.Choose(game);
    step.policy_target.assign(A, 0.0f);
    step.policy_target[step.action] = 1;
    step.reward = static_cast<float>(game.Step(step.action).reward);
    steps.push_back(std::move(step));
  }
  ImitatedGame imitated;
  imitated.assignment = game.ToAssignment("imitation");
  imitated.episode = ToEpisode(steps, ValueTarget::kRemainingReward);
  return imitated;
}

// The heuristic's moves as one-hot policy targets (the warm start).
absl::StatusOr<double> ImitationGames(State& state, const std::vector<CorpusProgram>& corpus,
                                      const TrainOptions& options) {
  double gain = 0;
  for (const CorpusProgram& entry : corpus) {
    HeuristicPolicy policy;
    ASSIGN_OR_RETURN(ImitatedGame imitated, ImitateGame(*entry.cost, policy, options.game));
    ASSIGN_OR_RETURN(Score score, ScoreAssignment(*entry.cost, imitated.assignment));
    gain += (entry.heuristic_latency - score.simulation.latency_s) / entry.heuristic_latency;
    state.replay->Add(std::move(imitated.episode));
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

// Plays a program's kept best game again, move for move: its plan (as anchored play records
// one) and its simulated latency.
absl::StatusOr<std::pair<GamePlan, double>> ReplayBestGame(const CorpusProgram& entry,
                                                           const BestGame& game,
                                                           const TrainOptions& options) {
  class Moves : public Policy {
   public:
    explicit Moves(const std::vector<int64_t>& actions) : actions_(actions) {}
    int Choose(const MallocGame& game) override {
      // A move list that does not fit the game (it always does: same program, same options)
      // ends in the heuristic's moves rather than an illegal one.
      if (next_ < actions_.size() && actions_[next_] < game.num_actions() &&
          game.legal()[actions_[next_]]) {
        return static_cast<int>(actions_[next_++]);
      }
      next_ = actions_.size();
      return rule_.Choose(game);
    }

   private:
    const std::vector<int64_t>& actions_;
    size_t next_ = 0;
    HeuristicPolicy rule_;
  };
  Moves moves(game.actions);
  GameOptions game_options = options.game;
  game_options.later_evictions.assign(game.later_evictions.begin(), game.later_evictions.end());
  ASSIGN_OR_RETURN(GameRecord record, PlayGame(*entry.cost, moves, "muzero", game_options));
  ASSIGN_OR_RETURN(Score score, ScoreAssignment(*entry.cost, record.assignment));
  return std::make_pair(std::move(record.plan), score.simulation.latency_s);
}

// kAnchored self-play: on one corpus program, rounds of up to kAnchoredRound games around the
// fastest game so far (first the heuristic's, which the game plays exactly, or the program's
// kept best game), as muzero does with a budget; the decided moves of every round go to the
// replay with learning on the program's targets, and with self-imitation the fastest game
// found goes there whole. The mean gain of the games over the heuristic.
constexpr int kAnchoredRound = 8;
constexpr int kAnchoredRolloutSteps = 16;

absl::StatusOr<double> AnchoredSelfPlay(State& state, const std::vector<CorpusProgram>& corpus,
                                        const TrainOptions& options, int iteration) {
  std::uniform_int_distribution<size_t> pick(0, corpus.size() - 1);
  const size_t program = pick(state.rng);
  const CorpusProgram& entry = corpus[program];
  const uint64_t seed = state.rng();
  // The fastest game so far: the heuristic's, or with imitate_incumbent the best game of the
  // earlier iterations on this program (so the exploration of a program goes on where it
  // stopped).
  GamePlan incumbent;
  double best = entry.heuristic_latency;
  auto kept = state.best_games.find(program);
  if (options.imitate_incumbent && kept != state.best_games.end()) {
    ASSIGN_OR_RETURN(std::tie(incumbent, best), ReplayBestGame(entry, kept->second, options));
  } else {
    HeuristicPolicy heuristic;
    ASSIGN_OR_RETURN(GameRecord start, PlayGame(*entry.cost, heuristic, "muzero", options.game));
    incumbent = std::move(start.plan);
  }
  RankedReward ranked;
  ranked.Score({best});  // The first round is ranked against the incumbent.
  std::unique_ptr<Evaluator> evaluator = MakeNetEvaluator(state.net, options.threads);
  PlayOptions play;
  play.game = options.game;
  play.search.simulations = options.simulations;
  play.search.rollout_steps = kAnchoredRolloutSteps;
  play.search.gumbel_scale = 1.0;
  play.record = true;
  play.record_decisions_only = true;
  play.deviations_per_game = options.deviations_per_game;
  play.order_deviations_per_game = options.order_deviations_per_game;
  play.eviction_deviations_per_game = options.eviction_deviations_per_game;
  // The imitation model knows nothing of where deferring pays; after a self-play iteration it
  // has learned from some.
  play.weight_order_moves = iteration >= 2;
  double gain = 0;
  for (int played = 0, round = 0; played < options.games_per_iteration; ++round) {
    const int games = std::min(kAnchoredRound, options.games_per_iteration - played);
    play.anchor = &incumbent;
    play.seed = seed + 1000003ull * round;
    ASSIGN_OR_RETURN(
        std::vector<PlayedGame> round_games,
        PlaySearchGames(std::vector<const CostModel*>(games, entry.cost.get()), *evaluator, play));
    std::vector<double> latencies;
    for (PlayedGame& game : round_games) {
      ASSIGN_OR_RETURN(Score score, ScoreAssignment(*entry.cost, game.assignment));
      latencies.push_back(score.simulation.latency_s);
      gain += (entry.heuristic_latency - latencies.back()) / entry.heuristic_latency;
    }
    // The incumbent changes after the round (its games all explored the same one).
    for (size_t i = 0; i < round_games.size(); ++i) {
      if (latencies[i] < best) best = latencies[i], incumbent = round_games[i].plan;
    }
    AddDecidedMoves(round_games, ranked.Score(latencies), *state.replay);
    played += games;
    state.episodes += games;
  }
  if (options.imitate_incumbent && best < entry.heuristic_latency) {
    // Self-imitation: the fastest game found on the program, every move of it, as imitation
    // moves; the warm start's heuristic games leave the replay in time, and these replace
    // them with games at least as fast (so the network's own play is pulled towards the best
    // games found rather than away from the heuristic's).
    PlanPolicy replay_incumbent(incumbent);
    GameOptions game_options = options.game;
    game_options.later_evictions = incumbent.later_evictions();
    ASSIGN_OR_RETURN(ImitatedGame imitated,
                     ImitateGame(*entry.cost, replay_incumbent, game_options));
    BestGame& kept_game = state.best_games[program];
    kept_game.actions = imitated.episode.actions;
    kept_game.later_evictions.assign(game_options.later_evictions.begin(),
                                     game_options.later_evictions.end());
    state.replay->Add(std::move(imitated.episode));
  }
  state.net->train();
  return gain / options.games_per_iteration;
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
