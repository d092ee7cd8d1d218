// Which scale of order moves pays on the program being mapped (AgentOptions::adapt_order_scale):
// a bandit over a few multiples of the order-move rate. Each game of a round draws a scale with
// probability in proportion to the mean improvement its games have made so far (the fraction
// of the latency they took off the fastest game before their round; a prior for the unplayed),
// with a floor so that every scale keeps being tried, and the record of older rounds fading
// (the scale that pays changes as the incumbent improves: large early, small later on the
// Llama-2 stage). The size of the improvement counts, not
// how often one comes: small scales improve often by little, and on the PyTorch/XLA BERT only a
// hundred order moves per game find the reorderings that pay, while ten do better on the
// Llama-2 stage (data/results/learning). Torch-free.
#ifndef MMAP_OPT_SEARCH_ORDER_SCALES_H_
#define MMAP_OPT_SEARCH_ORDER_SCALES_H_

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace mmap_opt {

class OrderScaleBandit {
 public:
  // The factors on --order-deviations the bandit chooses among.
  static constexpr std::array<double, 4> kScales = {1, 3, 10, 30};

  explicit OrderScaleBandit(uint64_t seed) : rng_(seed) {}

  // One arm (an index into kScales) per game.
  std::vector<int> Choose(int games);
  // A game played at `arm` took `improvement` (a fraction, 0 when not faster) off the fastest
  // latency before its round.
  void Record(int arm, double improvement);

  // Each arm's chance of being drawn now.
  std::array<double, kScales.size()> Probabilities() const;
  // "order-move scales x1 12.0 games +0.31%, ..." (the decayed record), for the note.
  std::string Summary() const;

 private:
  std::mt19937_64 rng_;
  std::array<double, kScales.size()> games_{};  // Decayed counts (kMemory).
  std::array<double, kScales.size()> improvement_{};
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_SEARCH_ORDER_SCALES_H_
