// A `train` run's whole state (networks, optimizer, counters, generator, metrics, replay) and
// its checkpoint file: one torch::serialize archive, written through a temporary file and a
// rename, so a killed run finds either the previous checkpoint or the new one. Resuming from
// it redoes the unfinished iteration exactly, since every random choice after it comes from
// the generator state it holds. Only nn/, search/ and train/ include this header.
#ifndef MMAP_OPT_TRAIN_CHECKPOINT_H_
#define MMAP_OPT_TRAIN_CHECKPOINT_H_

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "mmap_opt/game/malloc_game.h"
#include "nn/muzero_net.h"
#include "train/replay.h"

namespace mmap_opt {

// The fastest game anchored self-play has found on one corpus program (TrainOptions::
// imitate_incumbent): its moves as played and the eviction levels it was played with, from
// which the game, and its plan, replay exactly.
struct BestGame {
  std::vector<int64_t> actions;
  std::vector<int64_t> later_evictions;
};

// Everything a checkpoint restores.
struct TrainingState {
  MuZeroNet net{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer;
  int iteration = -1;  // The last finished iteration.
  int64_t episodes = 0;
  int64_t train_steps = 0;
  double elapsed_s = 0;
  std::mt19937_64 rng;
  std::unique_ptr<ReplayBuffer> replay;
  std::map<int64_t, BestGame> best_games;  // By the program's index in this rank's corpus.
  std::string metrics =
      "iteration,phase,episodes,train_steps,loss,mean_gain_pct,heldout_gain_pct,elapsed_s\n";
  // A distributed run (train/process_group.h): how many ranks, and on rank 0, which alone
  // writes the checkpoint, the generator and replay of ranks 1.. (RankPart), in rank order.
  int world_size = 1;
  std::vector<std::string> other_ranks;
};

absl::Status SaveCheckpoint(TrainingState& state, const std::string& path);

// Replaces `state` with the checkpoint's; InvalidArgument naming `path` for an unreadable one
// or one trained with other game options. The optimizer is rebuilt with `learning_rate`
// before its saved state is loaded. `state.replay` must exist (its capacity is kept).
absl::Status LoadCheckpoint(TrainingState& state, const std::string& path, const GameOptions& game,
                            double learning_rate);
// The same from the file's bytes (rank 0 reads the file and sends it to the others); `path`
// names it in errors.
absl::Status LoadCheckpointBytes(TrainingState& state, const std::string& bytes,
                                 const std::string& path, const GameOptions& game,
                                 double learning_rate);

// What only one rank of a distributed run knows: its generator, its replay buffer and the best
// games on its share of the corpus.
absl::StatusOr<std::string> RankPart(TrainingState& state);
// Replaces the generator and replay of `state` with those of `part` (RankPart's bytes).
absl::Status LoadRankPart(TrainingState& state, const std::string& part, const std::string& path);

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_CHECKPOINT_H_
