#include "train/self_play.h"

#include <algorithm>
#include <memory>
#include <random>
#include <tuple>
#include <utility>

#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/status_macros.h"
#include "nn/evaluator.h"
#include "search/play.h"
#include "train/targets.h"

namespace mmap_opt {
namespace {

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

constexpr int kAnchoredRound = 8;
constexpr int kAnchoredRolloutSteps = 16;

}  // namespace

absl::StatusOr<double> ImitationGames(TrainingState& state,
                                      const std::vector<CorpusProgram>& corpus,
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

absl::StatusOr<double> SelfPlayGames(TrainingState& state, const std::vector<CorpusProgram>& corpus,
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

absl::StatusOr<double> AnchoredSelfPlay(TrainingState& state,
                                        const std::vector<CorpusProgram>& corpus,
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

absl::StatusOr<double> HeldOutGain(TrainingState& state, const std::vector<CorpusProgram>& heldout,
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

}  // namespace mmap_opt
