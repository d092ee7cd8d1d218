#include "train/replay.h"

#include <algorithm>
#include <utility>

namespace mmap_opt {

void ReplayBuffer::Add(Episode episode) {
  if (episode.length() == 0) return;
  moves_ += episode.length();
  episodes_.push_back(std::move(episode));
  while (moves_ > capacity_ && episodes_.size() > 1) {
    moves_ -= episodes_.front().length();
    episodes_.pop_front();
  }
}

void ReplayBuffer::Clear() {
  episodes_.clear();
  moves_ = 0;
}

TrainingBatch ReplayBuffer::Sample(std::mt19937_64& rng, int batch, int unroll,
                                   int observation_size, int num_actions) const {
  const int O = observation_size, A = num_actions, B = batch, K = unroll;
  TrainingBatch out;
  out.batch = B;
  out.unroll = K;
  out.observation_size = O;
  out.num_actions = A;
  out.observations.assign(B * O, 0.0f);
  out.policies.assign((K + 1) * B * A, 0.0f);
  out.values.assign((K + 1) * B, 0.0f);
  out.mask.assign((K + 1) * B, 0.0f);
  out.rewards.assign(std::max(K, 1) * B, 0.0f);
  out.actions.assign(std::max(K, 1) * B, 0);
  std::vector<int64_t> offsets;  // Prefix sums of episode lengths.
  int64_t total = 0;
  for (const Episode& e : episodes_) offsets.push_back(total += e.length());
  std::uniform_int_distribution<int64_t> pick(0, total - 1);
  for (int b = 0; b < B; ++b) {
    const int64_t index = pick(rng);
    const size_t e = std::upper_bound(offsets.begin(), offsets.end(), index) - offsets.begin();
    const Episode& episode = episodes_[e];
    const int t = static_cast<int>(index - (offsets[e] - episode.length()));
    std::copy_n(&episode.observations[t * O], O, &out.observations[b * O]);
    for (int k = 0; k <= K && t + k < episode.length(); ++k) {
      std::copy_n(&episode.policies[(t + k) * A], A, &out.policies[(k * B + b) * A]);
      out.values[k * B + b] = episode.values[t + k];
      out.mask[k * B + b] = 1;
      if (k < K) {
        out.actions[k * B + b] = episode.actions[t + k];
        out.rewards[k * B + b] = episode.rewards[t + k];
      }
    }
  }
  return out;
}

}  // namespace mmap_opt
