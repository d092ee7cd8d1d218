// Gumbel MuZero search (muzero-notes.md §2) over the real MallocGame, batched across games:
// every simulation walks one path in each game's tree, evaluates all the new leaves in ONE
// Evaluator call, and backs the values up. Inside the tree the environment itself supplies the
// transitions, rewards and legality (Step from the root, Restore after each simulation: a
// game step costs microseconds, so this is exact and cheap); the networks supply the priors
// and leaf values. The other mode, kLearned, is MuZero's: only the root comes from the
// environment (its observation and legality); below it the dynamics network supplies latent
// states and rewards, every action is legal, and drop-backup cannot apply (the model does not
// know which placements would fail). Both are kept so they can be compared per unit time.
//
// Root: top-m actions by Gumbel + logits, sequential halving over them, completed Q. Interior
// nodes: the deterministic selection that makes visit counts follow softmax(logits + σ(q̂)).
// Drop-backup (DESIGN.md §5): when an edge's action is executed as Drop, its child IS the Drop
// state, so the value of that Drop state is what backs up through the chosen edge.
#ifndef MMAP_OPT_SEARCH_GUMBEL_SEARCH_H_
#define MMAP_OPT_SEARCH_GUMBEL_SEARCH_H_

#include <cstdint>
#include <random>
#include <vector>

#include "mmap_opt/agents/policy.h"
#include "mmap_opt/game/malloc_game.h"
#include "nn/evaluator.h"

namespace mmap_opt {

enum class SearchDynamics {
  kReal,     // Transitions, rewards and legality from the MallocGame itself.
  kLearned,  // From the evaluator's dynamics model below the root (Evaluator::latent_size() > 0).
};

struct SearchOptions {
  SearchDynamics dynamics = SearchDynamics::kReal;
  // Simulations per move; 0 plays the network's policy without search.
  int simulations = 16;
  // m: root actions considered by sequential halving (capped by the legal ones).
  int max_considered = 16;
  // Scale of the root Gumbel noise: 1 samples (self-play), 0 plays the best (evaluation).
  double gumbel_scale = 1.0;
  // σ(q̂) = (maxvisit_init + max visits) * value_scale * q̂ (mctx's defaults).
  double maxvisit_init = 50;
  double value_scale = 0.1;
  // Leaf evaluation by rollout (AlphaGo's mixed value): from each new leaf the real game is
  // played on for `rollout_steps` moves by the heuristic's policy, and the leaf's value is
  // (1 - rollout_weight) * network value + rollout_weight * the rollout's summed reward.
  // 0 steps: the network's value alone.
  int rollout_steps = 0;
  double rollout_weight = 1.0;
  // Drop-backup (DESIGN.md §5). Off, for the ablation only: an edge the environment executes
  // as Drop ends the game inside the tree (a terminal with nothing more to gain), the way a
  // game without drop-backup would end in failure; the game actually played still drops.
  bool drop_backup = true;
  // The rollouts' policy: this plan replayed (PlanPolicy) when set, else the heuristic's.
  const GamePlan* rollout_plan = nullptr;
};

struct SearchResult {
  int action = 0;                    // The action to play.
  std::vector<float> policy_target;  // softmax(logits + σ(completed q̂)) over legal actions.
  float root_value = 0;              // The network's value of the root.
  int simulations = 0;               // Simulations run for this game.
};

// The visit count each of the simulations asks of the considered root actions (mctx's
// sequence of considered visits for sequential halving): e.g. m = 4, n = 8 gives
// 0 0 0 0 1 1 2 2.
std::vector<int> ConsideredVisitSequence(int max_considered, int simulations);

// The network's policy in `game`'s current state: softmax of `logits` (num_actions of them)
// over the legal actions, zero for the others; the search's prior at a root.
std::vector<double> LegalPolicy(const MallocGame& game, const float* logits);

class BatchedGumbelSearch {
 public:
  BatchedGumbelSearch(Evaluator& evaluator, SearchOptions options, uint64_t seed);

  // One search per game (none may be done); each game is left exactly as it was.
  // In kLearned mode the evaluator must have a learned model (PlaySearchGames checks).
  // `root_excluded` (empty, or one entry per game: an action index or -1) removes an action
  // from a root's choices unless it is the only legal one.
  std::vector<SearchResult> Search(const std::vector<MallocGame*>& games,
                                   const std::vector<int>& root_excluded = {});

  // Simulations run since construction, over all games.
  int64_t total_simulations() const { return total_simulations_; }

 private:
  std::vector<SearchResult> SearchLearned(const std::vector<MallocGame*>& games,
                                          const std::vector<int>& root_excluded);

  Evaluator& evaluator_;
  SearchOptions options_;
  std::mt19937_64 rng_;
  int64_t total_simulations_ = 0;
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_SEARCH_GUMBEL_SEARCH_H_
