// Training targets of a played game (DESIGN.md §6). The policy target of every move is the
// search's improved policy, softmax(logits + σ(completed Q)) (muzero-notes.md §2). The value
// target has two modes, because the two learners ask different questions of the value head:
//   kRemainingReward: the Monte-Carlo return, the summed game reward from the move to the end
//     (`train` over a corpus: the reward is the game's headroom-normalised latency, comparable
//     across programs, and the search adds it to child values as Q = r + v).
//   kOutcome: one outcome for the whole game, the same at every move (learning on one program:
//     raw returns of games on one program differ by fractions of a percent, too little for a
//     value head to see; a ranked outcome in [-1, 1] says "better or worse than this agent's
//     recent level" however small the difference, Laterre et al. 2018, muzero-notes.md §6).
// Torch-free.
#ifndef MMAP_OPT_TRAIN_TARGETS_H_
#define MMAP_OPT_TRAIN_TARGETS_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "search/play.h"
#include "train/replay.h"

namespace mmap_opt {

enum class ValueTarget { kRemainingReward, kOutcome };

// A recorded game (PlayOptions::record) as training data; `outcome` is used by kOutcome only.
// The steps' observations and policy targets are moved out.
Episode ToEpisode(std::vector<PlayedStep>& steps, ValueTarget mode, float outcome = 0);

// The moves of a round of anchored games (PlayOptions::record_decisions_only) that were decided
// away from the incumbent, each added to `replay` as a one-move episode (they are not
// consecutive: no unrolled dynamics targets) with its game's `outcomes` entry (ranked, see
// below) as the value target. A searched deviation keeps the search's policy target; an order
// move's policy target is its game's outcome: Defer where the game ranked well, the
// heuristic's rule where it ranked badly, none on a tie (so the network learns where deferring
// pays). Returns the moves added.
int64_t AddDecidedMoves(std::vector<PlayedGame>& games, const std::vector<float>& outcomes,
                        ReplayBuffer& replay);

// Ranked reward (R2): a game's outcome is +1 when its simulated latency beats the threshold
// set by the agent's recent games, -1 when it is slower, 0 on a tie. The threshold is the
// latency that a fraction `quantile` of the recent games are no faster than: 0.75 asks a game
// to rank in the best quarter of recent play. Ties score 0 rather than R2's coin toss so that
// the outcome is deterministic; a game identical to the threshold game carries no signal.
// A tie is a difference within `tie_tolerance` of the threshold (relative): once the search
// has settled on a plateau, its games differ from each other by a few parts in 10^7 (summation
// order in the simulator), which must not read as wins and losses; a game 0.1% better still
// does.
struct RankedRewardOptions {
  int window = 64;              // Recent games kept for the threshold.
  double quantile = 0.75;       // R2's α.
  double tie_tolerance = 1e-6;  // Relative.
};

class RankedReward {
 public:
  explicit RankedReward(RankedRewardOptions options = {}) : options_(options) {}

  // Scores a round of games (their latencies) against the window as it was before the round,
  // then adds them to it. With an empty window every outcome is 0 (nothing to compare with).
  std::vector<float> Score(const std::vector<double>& latencies);

  // The latency to beat: the window's sorted latencies (fastest first) at index
  // floor((1 - quantile) * (n - 1)); +infinity while the window is empty.
  double Threshold() const;

 private:
  RankedRewardOptions options_;
  std::deque<double> window_;
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_TARGETS_H_
