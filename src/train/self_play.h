// The games `train` learns from, one function per kind of iteration (DESIGN.md §6): the
// heuristic's games as imitation (iteration 0), searched self-play over the corpus, anchored
// self-play around each program's fastest game so far (with self-imitation of the kept best
// games), and the held-out measurement. Each adds what it played to `state`'s replay and
// returns the mean gain of its games over the heuristic. Only nn/, search/ and train/ include
// this header (it pulls in LibTorch through the checkpoint's state).
#ifndef MMAP_OPT_TRAIN_SELF_PLAY_H_
#define MMAP_OPT_TRAIN_SELF_PLAY_H_

#include <vector>

#include "absl/status/statusor.h"
#include "train/checkpoint.h"
#include "train/corpus.h"
#include "train/trainer.h"

namespace mmap_opt {

// The heuristic's moves on every corpus program as one-hot policy targets (the warm start).
absl::StatusOr<double> ImitationGames(TrainingState& state,
                                      const std::vector<CorpusProgram>& corpus,
                                      const TrainOptions& options);

// TrainOptions::SelfPlay::kSearched: `games_per_iteration` games on programs drawn at random,
// every move searched and learned from (the search's policy and the Monte-Carlo return).
absl::StatusOr<double> SelfPlayGames(TrainingState& state, const std::vector<CorpusProgram>& corpus,
                                     const TrainOptions& options);

// TrainOptions::SelfPlay::kAnchored: on one corpus program, rounds of up to 8 games around the
// fastest game so far (first the heuristic's, which the game plays exactly, or the program's
// kept best game), as muzero does with a budget; the decided moves of every round go to the
// replay with learning on the program's targets, and with self-imitation the fastest game
// found goes there whole and is kept in `state.best_games`.
absl::StatusOr<double> AnchoredSelfPlay(TrainingState& state,
                                        const std::vector<CorpusProgram>& corpus,
                                        const TrainOptions& options, int iteration);

// The model's deterministic game on every held-out program at the fixed search budget
// (TrainOptions::heldout_simulations), all games batched in one search; adds nothing to the
// replay.
absl::StatusOr<double> HeldOutGain(TrainingState& state, const std::vector<CorpusProgram>& heldout,
                                   const TrainOptions& options);

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_SELF_PLAY_H_
