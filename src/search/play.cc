#include "search/play.h"

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
  BatchedGumbelSearch search(evaluator, options.search, options.seed);
  SearchOptions no_search_options = options.search;
  no_search_options.simulations = 0;
  BatchedGumbelSearch no_search(evaluator, no_search_options, options.seed + 1);
  std::vector<MallocGame*> active;
  std::vector<int> active_index;
  while (true) {
    active.clear();
    active_index.clear();
    for (size_t i = 0; i < games.size(); ++i) {
      if (!games[i].done()) active.push_back(&games[i]), active_index.push_back(i);
    }
    if (active.empty()) break;
    const bool late =
        options.deadline.has_value() && std::chrono::steady_clock::now() >= *options.deadline;
    std::vector<SearchResult> results = (late ? no_search : search).Search(active);
    for (size_t i = 0; i < active.size(); ++i) {
      MallocGame& game = *active[i];
      PlayedStep step;
      if (options.record) {
        step.observation.resize(MallocGame::ObservationSize(options.game));
        game.Observe(step.observation.data());
        step.policy_target = std::move(results[i].policy_target);
      }
      step.action = results[i].action;
      step.reward = static_cast<float>(game.Step(results[i].action).reward);
      if (options.record) played[active_index[i]].steps.push_back(std::move(step));
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
