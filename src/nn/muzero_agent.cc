#include "nn/muzero_agent.h"

#include <chrono>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/status_macros.h"
#include "search/order_scales.h"
#include "search/play.h"
// Learning on the program lives with the trainer (same library); the agent only dispatches.
#include "train/distributed_solve.h"
#include "train/program_learner.h"

namespace mmap_opt {

absl::StatusOr<std::unique_ptr<Evaluator>> EvaluatorFor(const AgentOptions& options) {
  if (options.model_path == "uniform") {
    return std::unique_ptr<Evaluator>(std::make_unique<UniformEvaluator>(options.game));
  }
  return LoadModelEvaluator(options.model_path.empty() ? DefaultModelPath() : options.model_path,
                            options.threads);
}

absl::StatusOr<AgentRun> RunMuZero(const CostModel& cost, const AgentOptions& options,
                                   Evaluator& evaluator, const RoundHook& on_round,
                                   const StopVote& vote) {
  if (options.simulations < 0 || options.simulations > 100000) {
    return absl::InvalidArgumentError(
        absl::StrFormat("simulations must be in [0, 100000], not %d", options.simulations));
  }
  if (!(options.time_limit_s >= 0)) {
    return absl::InvalidArgumentError("the time limit must be >= 0 seconds");
  }
  if (options.max_games < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the game count must be >= 0, not %d", options.max_games));
  }
  const auto start = std::chrono::steady_clock::now();
  PlayOptions play;
  play.game = options.game;
  play.search.simulations = options.simulations;
  play.search.rollout_steps = options.rollout_steps;
  play.search.rollout_weight = options.rollout_weight;
  play.search.drop_backup = options.drop_backup;
  play.search.dynamics =
      options.learned_dynamics ? SearchDynamics::kLearned : SearchDynamics::kReal;
  if (options.time_limit_s > 0) {
    play.deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(options.time_limit_s));
  }
  AgentRun best;
  double best_latency = std::numeric_limits<double>::infinity();
  // The incumbent, whose plan later rounds explore around (anchored play): first the
  // heuristic's own trajectory (the game reproduces the heuristic exactly), so the search
  // starts where the baseline is and can only improve on it.
  GamePlan incumbent;
  // Scores a game and keeps it (and its plan) when strictly faster; returns its latency.
  auto keep_if_faster = [&](proto::Assignment& assignment, const GamePlan& plan, double game_reward,
                            int drop_backups) -> absl::StatusOr<double> {
    ASSIGN_OR_RETURN(Score score, ScoreAssignment(cost, assignment));
    const double latency = score.simulation.latency_s;
    if (!(latency < best_latency)) return latency;
    best_latency = latency;
    best.assignment = std::move(assignment);
    best.game_reward = game_reward;
    best.drop_backups = drop_backups;
    incumbent = plan;
    return latency;
  };
  {
    HeuristicPolicy heuristic;
    ASSIGN_OR_RETURN(GameRecord record, PlayGame(cost, heuristic, "muzero", options.game));
    RETURN_IF_ERROR(
        keep_if_faster(record.assignment, record.plan, record.total_reward, record.drop_backups)
            .status());
  }
  play.deviations_per_game = options.deviations_per_game;
  play.order_deviations_per_game = options.order_deviations_per_game;
  play.order_deviations_spread = options.order_deviations_spread;
  play.eviction_deviations_per_game = options.eviction_deviations_per_game;
  // Later rounds explore around the incumbent when any kind of deviation is asked for; with
  // none, every move of every game is searched from scratch.
  const bool anchored = options.deviations_per_game > 0 || options.order_deviations_per_game > 0 ||
                        options.eviction_deviations_per_game > 0;
  // Learning on the program trains on the moves decided away from the incumbent.
  play.record_decisions_only = true;
  std::optional<OrderScaleBandit> bandit;
  if (options.adapt_order_scale && options.order_deviations_per_game > 0) {
    bandit.emplace(options.seed ^ 0xbb67ae8584caa73bull);
  }
  std::vector<int> arms;
  int games_played = 0;
  for (int round = 0;; ++round) {
    // Round 0: one game without root noise (the model's best guess); later rounds sample.
    play.search.gumbel_scale = round == 0 ? 0.0 : 1.0;
    play.seed = options.seed + 1000003ull * round;
    int games = round == 0 ? 1 : std::max(options.parallel_games, 1);
    if (options.max_games > 0) games = std::min(games, options.max_games - games_played);
    std::vector<const CostModel*> costs(games, &cost);
    // Round 0 is the network's own game; later rounds explore around the incumbent. When there
    // is a budget for them, round 0 plays the network's policy without search: searching every
    // move of a long game (seconds on a large program) would spend the budget before any
    // exploration. Without one, round 0 is the only game and is searched.
    const bool more_rounds = options.time_limit_s > 0 || options.max_games > 1;
    // The incumbent changes only after the round's games are played and scored.
    play.anchor = round > 0 && anchored ? &incumbent : nullptr;
    // Anchored, the first game (the network's own, unsearched) teaches nothing new.
    play.record = on_round != nullptr && (play.anchor != nullptr || !anchored);
    // Order moves follow the network once it has trained on this program's games (after
    // round 1, the first anchored one); before that, and without learning, they are uniform.
    play.weight_order_moves = on_round != nullptr && round >= 2;
    play.search.simulations = round == 0 && anchored && more_rounds ? 0 : options.simulations;
    arms.clear();
    play.order_scales.clear();
    if (bandit && play.anchor != nullptr) {
      arms = bandit->Choose(games);
      for (int arm : arms) play.order_scales.push_back(OrderScaleBandit::kScales[arm]);
    }
    ASSIGN_OR_RETURN(std::vector<PlayedGame> played, PlaySearchGames(costs, evaluator, play));
    games_played += games;
    const double best_before = best_latency;
    std::vector<double> latencies;
    for (PlayedGame& game : played) {
      ASSIGN_OR_RETURN(double latency, keep_if_faster(game.assignment, game.plan, game.total_reward,
                                                      game.drop_backups));
      latencies.push_back(latency);
    }
    for (size_t i = 0; i < arms.size(); ++i) {
      bandit->Record(arms[i], (best_before - latencies[i]) / best_before);
    }
    // Without a time limit only the game count goes on; without a count, only the time.
    const bool games_left =
        options.max_games > 0 ? games_played < options.max_games : play.deadline.has_value();
    const bool time_left =
        !play.deadline.has_value() || std::chrono::steady_clock::now() < *play.deadline;
    bool stop = !games_left || !time_left;
    if (vote) {
      ASSIGN_OR_RETURN(stop, vote(stop));
    }
    if (stop) break;
    if (on_round) RETURN_IF_ERROR(on_round(played, latencies));
  }
  if (bandit) best.summary = bandit->Summary();
  return best;
}

absl::StatusOr<AgentRun> RunHybrid(const CostModel& cost, const AgentOptions& options,
                                   Evaluator& evaluator, ProcessGroup* group) {
  // The heuristic and its tuning (whose first run is the heuristic itself); then the search,
  // playing the game with the tuned copy timing, eviction retries and buffer order.
  // With a time limit S the whole stays within S: the tuning gets S / 2, muzero what is left.
  const auto start = std::chrono::steady_clock::now();
  HeuristicTuning tuning = options.tuning;
  tuning.seed = options.seed;
  tuning.time_limit_s = options.time_limit_s / 2;
  ASSIGN_OR_RETURN(TunedHeuristic tuned, RunTunedHeuristic(cost, options.heuristic, tuning));
  AgentOptions searched = options;
  searched.game = GameOptionsLike(tuned.options, options.game);
  if (options.time_limit_s > 0) {
    const double spent =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Past the limit already: one game, played without search (a limit of 0 would search it).
    searched.time_limit_s = std::max(options.time_limit_s - spent, 1e-9);
  }
  // muzero learns on the program in the tuned game when it has a budget (as `muzero` does),
  // exploring around the tuned trajectory, which the game reproduces exactly.
  ASSIGN_OR_RETURN(AgentRun agent,
                   LearnsOnProgram(searched) ? LearnOnProgram(cost, searched, {}, nullptr, group)
                   : group != nullptr        ? RunMuZeroInGroup(cost, searched, evaluator, *group)
                                             : RunMuZero(cost, searched, evaluator));
  ASSIGN_OR_RETURN(Score agent_score, ScoreAssignment(cost, agent.assignment));
  const double a = agent_score.simulation.latency_s, h = tuned.base_latency_s, t = tuned.latency_s;
  // Ties go to the heuristic (the baseline a user already trusts), then to the tuned one.
  const bool agent_wins = a < t;
  const char* kept = agent_wins ? "muzero" : t < h ? "heuristic-tuned" : "heuristic";
  AgentRun run;
  if (agent_wins) {
    run = std::move(agent);
  } else {
    run.assignment = std::move(tuned.assignment);
  }
  const double best = std::min(a, t);
  run.summary = absl::StrFormat(
      "muzero %.6g s, heuristic %.6g s, heuristic-tuned %.6g s: kept %s (%+.2f%% against the "
      "heuristic); %s",
      a, h, t, kept, best > 0 ? 100.0 * (h / best - 1) : 0.0, TunedHeuristicSummary(tuned));
  return run;
}

absl::StatusOr<AgentRun> RunLearnedAgent(absl::string_view name, const CostModel& cost,
                                         const AgentOptions& options) {
  if (name == "muzero") {
    if (LearnsOnProgram(options)) return LearnOnProgram(cost, options);
    ASSIGN_OR_RETURN(std::unique_ptr<Evaluator> evaluator, EvaluatorFor(options));
    return RunMuZero(cost, options, *evaluator);
  }
  if (name == "mcts") {
    UniformEvaluator evaluator(options.game);
    AgentOptions mcts = options;
    mcts.learned_dynamics = false;
    mcts.rollout_weight = 1.0;
    return RunMuZero(cost, mcts, evaluator);
  }
  if (name == "hybrid") {
    ASSIGN_OR_RETURN(std::unique_ptr<Evaluator> evaluator, EvaluatorFor(options));
    return RunHybrid(cost, options, *evaluator);
  }
  return absl::NotFoundError(absl::StrCat("the learned library has no agent '", name, "'"));
}

}  // namespace mmap_opt
