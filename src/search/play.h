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
};

struct PlayedGame {
  proto::Assignment assignment;
  GamePlan plan;  // Its decisions, to anchor later games on.
  double total_reward = 0;
  int drop_backups = 0;
  int deviations = 0;             // Moves searched away from the anchor (anchored play only).
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
};

// Plays one game per entry of `costs` (an entry may repeat) to the end. The evaluator must
// match the game options (observation size, actions); InvalidArgument otherwise.
absl::StatusOr<std::vector<PlayedGame>> PlaySearchGames(const std::vector<const CostModel*>& costs,
                                                        Evaluator& evaluator,
                                                        const PlayOptions& options,
                                                        int64_t* simulations = nullptr);

}  // namespace mmap_opt

#endif  // MMAP_OPT_SEARCH_PLAY_H_
