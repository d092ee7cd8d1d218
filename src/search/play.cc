#include "search/play.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

// The most an order move's weight multiplies the uniform rate by.
constexpr double kMaxOrderWeight = 4;

// The evict-later levels of one anchored game: the anchor's, and the most for each buffer
// drawn among those whose eviction failed in the anchor's game (PlayOptions). The rate is
// log-uniform per game between per_game / failures and 1: most failed evictions find no
// longer window either (on the test split's training programs ~900 fail and ~25 are rescued,
// and the few that pay are not known in advance), so some games try many at once (all of them
// is heuristic-tuned's retries for this program) and others a few, to keep only those that pay.
std::vector<int> DrawLaterEvictions(const GamePlan& anchor, int num_buffers, double per_game,
                                    std::mt19937_64& rng, int* moves) {
  std::vector<int> later = anchor.later_evictions();
  const std::vector<BufferIndex>& failed = anchor.failed_evictions();
  if (per_game <= 0 || failed.empty()) return later;
  later.resize(num_buffers, 0);
  std::uniform_real_distribution<double> unit(0, 1);
  const double p = std::pow(std::min(1.0, per_game / failed.size()), unit(rng));
  for (BufferIndex b : failed) {
    if (unit(rng) >= p || later[b] == MallocGame::kMaxLaterEvictions) continue;
    later[b] = MallocGame::kMaxLaterEvictions;
    ++*moves;
  }
  return later;
}

}  // namespace

absl::StatusOr<std::vector<PlayedGame>> PlaySearchGames(const std::vector<const CostModel*>& costs,
                                                        Evaluator& evaluator,
                                                        const PlayOptions& options,
                                                        int64_t* simulations) {
  if (evaluator.observation_size() != MallocGame::ObservationSize(options.game) ||
      evaluator.num_actions() != MallocGame::NumActions(options.game)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the model expects ", evaluator.observation_size(), " features and ",
        evaluator.num_actions(), " actions; the game has ",
        MallocGame::ObservationSize(options.game), " and ", MallocGame::NumActions(options.game)));
  }
  if (options.search.dynamics == SearchDynamics::kLearned && evaluator.latent_size() <= 0) {
    return absl::InvalidArgumentError(
        "searching in the learned dynamics needs a model with one (not 'uniform')");
  }
  if (!options.order_scales.empty() && options.order_scales.size() != costs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.order_scales.size(), " order-move scales for ", costs.size(), " games"));
  }
  std::vector<MallocGame> games;
  games.reserve(costs.size());
  std::vector<PlayedGame> played(costs.size());
  std::mt19937_64 eviction_rng(options.seed ^ 0x3c6ef372fe94f82bull);
  for (size_t i = 0; i < costs.size(); ++i) {
    GameOptions game_options = options.game;
    if (options.anchor != nullptr) {
      game_options.later_evictions = DrawLaterEvictions(
          *options.anchor, costs[i]->program().num_buffers(), options.eviction_deviations_per_game,
          eviction_rng, &played[i].eviction_moves);
    }
    ASSIGN_OR_RETURN(MallocGame game, MallocGame::Create(*costs[i], game_options));
    played[i].plan.set_later_evictions(game_options.later_evictions);
    games.push_back(std::move(game));
  }
  SearchOptions search_options = options.search;
  if (options.anchor != nullptr) search_options.rollout_plan = options.anchor;
  BatchedGumbelSearch search(evaluator, search_options, options.seed);
  SearchOptions no_search_options = search_options;
  no_search_options.simulations = 0;
  BatchedGumbelSearch no_search(evaluator, no_search_options, options.seed + 1);
  std::optional<PlanPolicy> anchor;
  if (options.anchor != nullptr) anchor.emplace(*options.anchor);
  std::mt19937_64 deviation_rng(options.seed ^ 0x5deece66dull);
  std::uniform_real_distribution<double> unit(0, 1);
  const int num_actions = MallocGame::NumActions(options.game);
  HeuristicPolicy rule;  // What plans record their departures from.
  const int defer = options.game.max_defers > 0 ? num_actions - 1 : -1;
  const bool order_moves = anchor && defer >= 0 && options.order_deviations_per_game > 0;
  // Order moves: the positions where one may be drawn this move, the network's view of them,
  // and the running mean of pi(Defer) that weights them.
  std::vector<int> order_index, candidates;
  std::vector<float> order_observations, order_logits, order_values;
  double defer_sum = 0;
  int64_t defer_count = 0;
  std::vector<PlayedStep::Kind> kind(games.size());
  std::vector<MallocGame*> searched;
  std::vector<int> searched_index, excluded;
  std::vector<int> chosen(games.size()), result_of(games.size());
  // The rule's choice where the anchor left the move to it (-1: not asked yet this move).
  std::vector<int> rule_choice(games.size(), -1);
  // Each game's uniform order-move rate per position: order_deviations_per_game / buffers.
  std::vector<double> order_rate(games.size());
  std::mt19937_64 order_rate_rng(options.seed ^ 0x6a09e667f3bcc909ull);
  for (size_t i = 0; i < games.size(); ++i) {
    order_rate[i] =
        options.order_deviations_per_game / std::max(costs[i]->program().num_buffers(), 1);
    if (!options.order_scales.empty()) {
      order_rate[i] *= options.order_scales[i];
    } else if (options.order_deviations_spread > 1) {
      order_rate[i] *= std::exp(std::log(options.order_deviations_spread) * unit(order_rate_rng));
    }
  }
  while (true) {
    searched.clear();
    searched_index.clear();
    excluded.clear();
    order_index.clear();
    bool any = false;
    for (size_t i = 0; i < games.size(); ++i) {
      if (games[i].done()) continue;
      any = true;
      chosen[i] = -1;
      rule_choice[i] = -1;
      kind[i] = PlayedStep::Kind::kSearched;
      if (anchor) {
        chosen[i] = anchor->Choose(games[i], &rule_choice[i]);
        kind[i] = PlayedStep::Kind::kReplayed;
        const double p = options.deviations_per_game / std::max(games[i].num_segments(), 1);
        if (unit(deviation_rng) >= p) {
          if (order_moves && chosen[i] != defer && games[i].legal()[defer]) {
            order_index.push_back(i);
          }
          continue;  // Replay the anchor (or an order move, drawn below).
        }
        ++played[i].deviations;
        kind[i] = PlayedStep::Kind::kSearched;
      }
      searched.push_back(&games[i]);
      searched_index.push_back(i);
      excluded.push_back(chosen[i]);
    }
    if (!any) break;
    // Order moves, drawn by rejection so that the network sees only a few percent of the
    // positions: each is a candidate with probability kMaxOrderWeight x q (q: the uniform rate,
    // order_deviations_per_game / buffers), and a candidate defers with probability
    // w / kMaxOrderWeight; so a position defers with probability q x w (q without weighting).
    candidates.clear();
    for (int i : order_index) {
      if (unit(deviation_rng) < kMaxOrderWeight * order_rate[i]) candidates.push_back(i);
    }
    std::vector<double> weight(candidates.size(), 1.0);
    if (options.weight_order_moves && !candidates.empty()) {
      const int n = candidates.size(), size = MallocGame::ObservationSize(options.game);
      order_observations.resize(static_cast<size_t>(n) * size);
      order_logits.resize(static_cast<size_t>(n) * num_actions);
      order_values.resize(n);
      for (int j = 0; j < n; ++j) games[candidates[j]].Observe(&order_observations[j * size]);
      evaluator.Evaluate(order_observations.data(), n, order_logits.data(), order_values.data());
      for (int j = 0; j < n; ++j) {
        weight[j] = LegalPolicy(games[candidates[j]], &order_logits[j * num_actions])[defer];
        defer_sum += weight[j];
        ++defer_count;
      }
      const double mean = defer_sum / defer_count;
      for (double& w : weight) w = mean > 0 ? std::min(w / mean, kMaxOrderWeight) : 1.0;
    }
    for (size_t j = 0; j < candidates.size(); ++j) {
      if (unit(deviation_rng) >= weight[j] / kMaxOrderWeight) continue;
      chosen[candidates[j]] = defer;
      kind[candidates[j]] = PlayedStep::Kind::kOrder;
      ++played[candidates[j]].order_moves;
    }
    const bool late =
        options.deadline.has_value() && std::chrono::steady_clock::now() >= *options.deadline;
    std::vector<SearchResult> results;
    if (!searched.empty()) {
      results =
          (late ? no_search : search).Search(searched, anchor ? excluded : std::vector<int>{});
    }
    std::fill(result_of.begin(), result_of.end(), -1);
    for (size_t r = 0; r < searched.size(); ++r) result_of[searched_index[r]] = r;
    for (size_t i = 0; i < games.size(); ++i) {
      MallocGame& game = games[i];
      if (game.done() || (chosen[i] < 0 && result_of[i] < 0)) continue;
      PlayedStep step;
      const int r = result_of[i];
      step.action = r >= 0 ? results[r].action : chosen[i];
      step.kind = kind[i];
      const bool record = options.record && (!options.record_decisions_only ||
                                             step.kind != PlayedStep::Kind::kReplayed);
      // The rule's choice, unless the anchor already asked it in this state (a move now
      // deferred by an order move or searched is still this state).
      const int chosen_by_rule = rule_choice[i] >= 0 ? rule_choice[i] : rule.Choose(game);
      if (step.kind == PlayedStep::Kind::kOrder) step.rule = chosen_by_rule;
      if (record) {
        step.observation.resize(MallocGame::ObservationSize(options.game));
        game.Observe(step.observation.data());
        if (r >= 0) {
          step.policy_target = std::move(results[r].policy_target);
        } else {
          step.policy_target.assign(num_actions, 0.0f);
          step.policy_target[step.action] = 1;
        }
      }
      const Segment segment = game.segment();
      const StepResult result = game.Step(step.action);
      played[i].plan.Record(segment, result.executed, game.EncodeAction(result.executed),
                            step.action == chosen_by_rule);
      if (result.eviction_failed) played[i].plan.NoteEvictionFailed(segment.buffer);
      step.reward = static_cast<float>(result.reward);
      if (record) played[i].steps.push_back(std::move(step));
    }
  }
  for (size_t i = 0; i < games.size(); ++i) {
    played[i].assignment = games[i].ToAssignment("muzero");
    played[i].total_reward = games[i].total_reward();
    played[i].drop_backups = games[i].drop_backups();
  }
  if (simulations != nullptr) *simulations = search.total_simulations();
  return played;
}

}  // namespace mmap_opt
