// Played games kept for training (DESIGN.md §6): each move's observation, the search's policy
// target, the action, the reward and the value target, in a buffer that drops its oldest games
// first, and minibatches of unrolled positions drawn from it. Shared by `train` (games over a
// corpus) and by learning on the program being mapped (train/program_learner.h). Torch-free.
#ifndef MMAP_OPT_TRAIN_REPLAY_H_
#define MMAP_OPT_TRAIN_REPLAY_H_

#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace mmap_opt {

// One game as training data; row t of each array is move t.
struct Episode {
  std::vector<float> observations;  // length x observation size
  std::vector<float> policies;      // length x actions: the policy target of each move
  std::vector<int64_t> actions;
  std::vector<float> rewards;
  std::vector<float> values;  // The value target of each move (train/targets.h says which).
  int length() const { return static_cast<int>(actions.size()); }
};

// Positions with K moves of unrolled targets, time-major: entry (k, b) is move t_b + k of the
// b-th sampled position. `mask` is 0 where the game ended before move t_b + k.
struct TrainingBatch {
  int batch = 0, unroll = 0, observation_size = 0, num_actions = 0;
  std::vector<float> observations;  // batch x O (the first move's only)
  std::vector<float> policies;      // (K + 1) x batch x A
  std::vector<float> values;        // (K + 1) x batch
  std::vector<float> mask;          // (K + 1) x batch
  std::vector<float> rewards;       // max(K, 1) x batch
  std::vector<int64_t> actions;     // max(K, 1) x batch
};

class ReplayBuffer {
 public:
  // Keeps at most `capacity` moves, dropping whole games, oldest first (the newest always stays).
  explicit ReplayBuffer(int64_t capacity) : capacity_(capacity) {}

  void Add(Episode episode);  // An empty game is ignored.
  void Clear();

  // Positions drawn uniformly over all kept moves with `rng` (the only randomness used).
  // The buffer must not be empty.
  TrainingBatch Sample(std::mt19937_64& rng, int batch, int unroll, int observation_size,
                       int num_actions) const;

  const std::deque<Episode>& episodes() const { return episodes_; }
  int64_t moves() const { return moves_; }
  bool empty() const { return episodes_.empty(); }

 private:
  int64_t capacity_;
  std::deque<Episode> episodes_;
  int64_t moves_ = 0;
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_REPLAY_H_
