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
  double total_reward = 0;
  int drop_backups = 0;
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
};

// Plays one game per entry of `costs` (an entry may repeat) to the end. The evaluator must
// match the game options (observation size, actions); InvalidArgument otherwise.
absl::StatusOr<std::vector<PlayedGame>> PlaySearchGames(const std::vector<const CostModel*>& costs,
                                                        Evaluator& evaluator,
                                                        const PlayOptions& options,
                                                        int64_t* simulations = nullptr);

}  // namespace mmap_opt

#endif  // MMAP_OPT_SEARCH_PLAY_H_
