#include "search/order_scales.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace mmap_opt {
namespace {

// Every scale is drawn at least this often (a quarter of the games spread evenly), so one
// that paid little early is tried again as the incumbent changes.
constexpr double kFloor = 0.25;
// Each round the record of the earlier ones is multiplied by this (about the last 40 games of
// rounds of 8 count).
constexpr double kMemory = 0.8;

}  // namespace

std::array<double, OrderScaleBandit::kScales.size()> OrderScaleBandit::Probabilities() const {
  constexpr int n = kScales.size();
  // The prior: an unplayed arm counts as one game with the best mean improvement seen (or
  // 1e-4 before any), so each is tried before the record decides.
  double best_mean = 1e-4;
  for (int a = 0; a < n; ++a) {
    if (games_[a] > 0) best_mean = std::max(best_mean, improvement_[a] / games_[a]);
  }
  std::array<double, n> p;
  double total = 0;
  for (int a = 0; a < n; ++a) {
    p[a] = (improvement_[a] + best_mean) / (games_[a] + 1);
    total += p[a];
  }
  for (double& x : p) x = kFloor / n + (1 - kFloor) * x / total;
  return p;
}

std::vector<int> OrderScaleBandit::Choose(int games) {
  const auto p = Probabilities();
  for (size_t a = 0; a < kScales.size(); ++a) games_[a] *= kMemory, improvement_[a] *= kMemory;
  std::discrete_distribution<int> draw(p.begin(), p.end());
  std::vector<int> arms;
  arms.reserve(games);
  for (int g = 0; g < games; ++g) arms.push_back(draw(rng_));
  return arms;
}

void OrderScaleBandit::Record(int arm, double improvement) {
  games_[arm] += 1;
  improvement_[arm] += std::max(improvement, 0.0);
}

std::string OrderScaleBandit::Summary() const {
  std::string summary = "order-move scales";
  for (size_t a = 0; a < kScales.size(); ++a) {
    absl::StrAppendFormat(&summary, " x%g %.1f games %+.2f%%", kScales[a], games_[a],
                          100 * improvement_[a]);
  }
  return summary;
}

}  // namespace mmap_opt
