#include "search/play.h"

#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {

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
  std::vector<MallocGame> games;
  games.reserve(costs.size());
  for (const CostModel* cost : costs) {
    ASSIGN_OR_RETURN(MallocGame game, MallocGame::Create(*cost, options.game));
    games.push_back(std::move(game));
  }
  std::vector<PlayedGame> played(costs.size());
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
  std::vector<MallocGame*> searched;
  std::vector<int> searched_index, excluded;
  std::vector<int> chosen(games.size()), result_of(games.size());
  while (true) {
    searched.clear();
    searched_index.clear();
    excluded.clear();
    bool any = false;
    for (size_t i = 0; i < games.size(); ++i) {
      if (games[i].done()) continue;
      any = true;
      chosen[i] = -1;
      if (anchor) {
        chosen[i] = anchor->Choose(games[i]);
        const double p = options.deviations_per_game / std::max(games[i].num_segments(), 1);
        if (unit(deviation_rng) >= p) continue;  // Replay the anchor.
        ++played[i].deviations;
      }
      searched.push_back(&games[i]);
      searched_index.push_back(i);
      excluded.push_back(chosen[i]);
    }
    if (!any) break;
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
      if (options.record) {
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
      played[i].plan.Record(segment, result.executed, game.EncodeAction(result.executed));
      step.reward = static_cast<float>(result.reward);
      if (options.record) played[i].steps.push_back(std::move(step));
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
