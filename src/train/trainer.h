// `mmap-opt train`: learns the muzero agent's model (DESIGN.md §6). Iteration 0 imitates the
// heuristic's game play (warm start); every later iteration plays a batch of self-play games
// with the Gumbel search over corpus programs, adds them to a replay buffer and takes Adam
// steps on the unrolled MuZero loss (policy, value, reward over `unroll_steps`). After every
// iteration the checkpoint (networks, optimizer, replay, generator state, metrics) and the
// model are written atomically, so a killed run loses at most the iteration in progress and
// `resume` redoes it exactly (each iteration's randomness comes from the checkpointed state).
// This header is torch-free so that the command line can call it.
#ifndef MMAP_OPT_TRAIN_TRAINER_H_
#define MMAP_OPT_TRAIN_TRAINER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "mmap_opt/game/malloc_game.h"
#include "train/process_group.h"

namespace mmap_opt {

struct TrainProgress {
  int iteration = 0;     // 0 is the imitation warm start.
  int64_t episodes = 0;  // Games played so far (imitation games included).
  int64_t train_steps = 0;
  double loss = 0;                     // Mean total loss of the iteration's steps.
  double mean_gain = 0;                // Mean (heuristic - agent) / heuristic latency of its games.
  std::optional<double> heldout_gain;  // The same on the held-out programs, when measured.
  double elapsed_s = 0;                // Training time over all runs of this checkpoint.
  // Where this iteration's time went, and what it did, over all ranks: games played (and the
  // time until the last rank had played its share) and steps taken (with their time).
  int64_t games = 0;
  double play_s = 0;
  int steps = 0;
  double learn_s = 0;
  // The CPU time this process spent on the two (on a loaded machine, wall time measures the
  // share of the CPU a rank got as much as the work).
  double play_cpu_s = 0;
  double learn_cpu_s = 0;
  // A distributed run: TCP bytes this rank sent per training step (kernel counters), and the
  // checksum of the parameters, which is the same on every rank.
  double bytes_sent_per_step = 0;
  uint64_t parameter_checksum = 0;
};

struct TrainOptions {
  std::string corpus;        // A folder of programs; its train/ subfolder when it has one.
  std::string output;        // The model file.
  std::string run_dir;       // Checkpoint and metrics.csv; empty: "<output>.run".
  std::string hardware;      // As `solve --hardware`; empty: each program's own.
  bool resume = false;       // Continue from run_dir's checkpoint (a fresh start without one).
  double time_limit_s = 60;  // This invocation's budget; the iteration in progress finishes.
  int max_iterations = 0;    // Stop after this iteration number; 0: only the time limit.
  uint64_t seed = 0;
  int threads = 1;  // Intra-op threads of LibTorch.
  GameOptions game;
  int hidden = 128;  // Network sizes (NetConfig).
  int latent = 64;
  int imitation_steps = 400;
  int simulations = 8;  // Search simulations per self-play move.
  // How self-play (every iteration after 0) plays. kAnchored: what `solve --agent muzero`
  // does on a program with a budget (nn/muzero_agent.h): on one corpus program per iteration,
  // rounds of games explore around the fastest game so far, starting from the heuristic's, by
  // order moves (Defers drawn where it did not defer, weighted by the network once it has had
  // a self-play iteration) and searched deviations; the moves decided there are recorded with
  // the targets learning on the program uses (train/targets.h, AddDecidedMoves), so the
  // network learns, across programs, where deviating from the heuristic pays. kSearched: every
  // move of every game searched from scratch and recorded (the network's own play, with
  // Monte-Carlo returns as value targets), which gained little on held-out programs.
  enum class SelfPlay { kAnchored, kSearched };
  SelfPlay self_play = SelfPlay::kAnchored;
  double deviations_per_game = 1;            // kAnchored: PlayOptions::deviations_per_game.
  double order_deviations_per_game = 10;     // kAnchored: PlayOptions::order_deviations_per_game.
  double eviction_deviations_per_game = 10;  // kAnchored: PlayOptions' eviction moves.
  // kAnchored self-imitation: each program's fastest game so far is kept (in the checkpoint),
  // the next iteration on the program explores around it instead of the heuristic's, and,
  // when faster than the heuristic's, it joins the replay after every iteration on the
  // program as a whole imitation game. Without it the network's own play drifted below the
  // warm start after ~800 iterations (data/results/learning, 30-minute runs).
  bool imitate_incumbent = true;
  int games_per_iteration = 8;
  int steps_per_iteration = 40;
  int batch_size = 128;
  int unroll_steps = 3;
  double learning_rate = 1e-3;
  int replay_capacity = 40000;  // Moves kept (oldest games dropped first).
  // Held-out gain: after iteration 0 and every `heldout_every` iterations, the model plays one
  // deterministic game (no root noise) on every program of `heldout` with a fixed search
  // budget; the mean gain over the heuristic goes to metrics.csv (heldout_gain_pct) and
  // <run_dir>/learning_curve.svg. It reads the model only (no generator state), so it does
  // not change what training does. Empty folder: the corpus's test/ subfolder when the corpus
  // has train/ and test/ ones (data/corpus), else none.
  std::string heldout;
  int heldout_every = 10;  // 0: never.
  int heldout_simulations = 4;
  int heldout_rollout_steps = 16;
  // Scale-out: with a world size > 1 this process is one rank of a synchronous data-parallel
  // run. Each rank imitates and plays on its shard of the corpus (programs rank, rank + N, ...)
  // and keeps its own replay; every step averages the ranks' gradients, so `games` and
  // `batch_size` are per rank. Rank 0 alone writes the model, checkpoint (every rank's replay
  // and generator with it) and metrics; `resume` needs the same world size.
  DistOptions dist;
  int check_every = 20;  // Steps between comparisons of the ranks' parameter checksums.
  // Called after every iteration (progress display).
  std::function<void(const TrainProgress&)> on_progress;
};

absl::Status Train(const TrainOptions& options);

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_TRAINER_H_
