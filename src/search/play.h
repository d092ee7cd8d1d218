// Playing whole MallocGames with the batched Gumbel search: many games (of one program or of
// several) advance together, one search per move for all of them. Used by the muzero agent
// (evaluation) and by self-play training (which also records the search's targets).
#ifndef MMAP_OPT_SEARCH_PLAY_H_
#define MMAP_OPT_SEARCH_PLAY_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/game/malloc_game.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"
#include "nn/evaluator.h"
#include "search/gumbel_search.h"

namespace mmap_opt {

// One move of a recorded game: what the network saw and the targets the search produced.
struct PlayedStep {
  std::vector<float> observation;
  std::vector<float> policy_target;  // Zero for illegal actions.
  int action = 0;                    // The action chosen (before any drop-backup).
  float reward = 0;
  // How the move was decided (anchored play): replayed from the anchor, searched (a
  // deviation), or an order move (a Defer drawn where the anchor did not defer).
  enum class Kind { kReplayed, kSearched, kOrder } kind = Kind::kSearched;
  int rule = -1;  // Order moves: what the heuristic's rule would have played instead.
};

struct PlayedGame {
  proto::Assignment assignment;
  GamePlan plan;  // Its decisions, to anchor later games on.
  double total_reward = 0;
  int drop_backups = 0;
  int deviations = 0;             // Moves searched away from the anchor (anchored play only).
  int order_moves = 0;            // Defers drawn where the anchor did not defer.
  int eviction_moves = 0;         // Buffers drawn to evict later than the anchor did.
  std::vector<PlayedStep> steps;  // Only when recording.
};

struct PlayOptions {
  GameOptions game;
  SearchOptions search;
  uint64_t seed = 0;
  bool record = false;
  // Moves started after this play the network's policy without search, so that every game
  // still finishes (anytime behaviour).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Exploration around an incumbent. With an anchor, a move replays the anchor's plan
  // (PlanPolicy: no search, no network call) except at deviation moves, drawn independently
  // with probability deviations_per_game / segments, where the search chooses among the
  // actions other than the anchor's (and its rollouts follow the anchor's plan). This is how
  // improvements accumulate over rounds, as in a local search, while the network decides what
  // to try at each deviation. Recorded non-deviation moves get the anchor's action as a one-hot
  // policy target (the network learns the incumbent); deviation moves the search's target.
  const GamePlan* anchor = nullptr;
  double deviations_per_game = 8;
  // Order moves (anchored play only): at a move where Defer is legal and the anchor does not
  // defer, the game defers with probability order_deviations_per_game / buffers x w, where w
  // is the network's preference for Defer there relative to its mean over the positions seen
  // so far in this call (pi(Defer) / mean pi(Defer), at most 4; 1 with no network). The
  // wins of heuristic-tuned are reorderings of many buffers at once, which a few searched
  // deviations per game do not reach; a Defer judged by a short rollout looks free, its cost
  // shows when the deferred buffer's segments come. So order moves are drawn, not searched,
  // and judged by the whole game; learning on the program teaches the network where they pay.
  double order_deviations_per_game = 0;
  // Each game scales its order-move rate by a factor drawn log-uniform in [1, this] (1: every
  // game the same rate). Where reordering pays, the step that pays differs by program: on the
  // PyTorch/XLA BERT a game that reorders ten buffers rarely finds what one reordering a
  // hundred does, on the Llama-2 stage the hundred overshoot; games at every scale between
  // keep both. Drawn before the game starts, from a stream of its own (the other draws are as
  // without).
  double order_deviations_spread = 1;
  // Per game (when not empty, one per cost): the factor on its order-move rate, chosen by the
  // caller (the muzero agent's bandit over scales) in place of the spread's draw.
  std::vector<double> order_scales;
  // Whether w follows the network (true) or is 1 (false: uniform draws). A network that has
  // not yet learned on the program knows nothing of where deferring pays there (the bundled
  // model imitates the heuristic, which never defers), so the agent weights only once it has.
  bool weight_order_moves = true;
  // Eviction moves (anchored play only): each game evicts later (GameOptions::
  // later_evictions) where the anchor did, and each buffer whose eviction found no window in
  // the anchor's game is drawn to try every longer window (MallocGame::kMaxLaterEvictions
  // more), as heuristic-tuned's eviction retries do for all buffers at once; judged by the
  // whole game like order moves. The probability is drawn per game, log-uniform between
  // eviction_deviations_per_game / such buffers and 1 (from a few buffers to all of them).
  // Drawn before the game starts, from a stream of its own (the other draws are as without).
  double eviction_deviations_per_game = 0;
  // Record only the moves that were decided here (searched deviations and order moves), not
  // the replayed ones: what learning on the program trains on.
  bool record_decisions_only = false;
};

// Plays one game per entry of `costs` (an entry may repeat) to the end. The evaluator must
// match the game options (observation size, actions); InvalidArgument otherwise.
absl::StatusOr<std::vector<PlayedGame>> PlaySearchGames(const std::vector<const CostModel*>& costs,
                                                        Evaluator& evaluator,
                                                        const PlayOptions& options,
                                                        int64_t* simulations = nullptr);

}  // namespace mmap_opt

#endif  // MMAP_OPT_SEARCH_PLAY_H_
