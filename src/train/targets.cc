#include "train/targets.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mmap_opt {

Episode ToEpisode(std::vector<PlayedStep>& steps, ValueTarget mode, float outcome) {
  Episode episode;
  for (PlayedStep& step : steps) {
    episode.observations.insert(episode.observations.end(), step.observation.begin(),
                                step.observation.end());
    episode.policies.insert(episode.policies.end(), step.policy_target.begin(),
                            step.policy_target.end());
    episode.actions.push_back(step.action);
    episode.rewards.push_back(step.reward);
  }
  episode.values.resize(episode.rewards.size());
  if (mode == ValueTarget::kOutcome) {
    std::fill(episode.values.begin(), episode.values.end(), outcome);
  } else {
    float sum = 0;
    for (int t = episode.length() - 1; t >= 0; --t) episode.values[t] = sum += episode.rewards[t];
  }
  return episode;
}

int64_t AddDecidedMoves(std::vector<PlayedGame>& games, const std::vector<float>& outcomes,
                        ReplayBuffer& replay) {
  int64_t moves = 0;
  for (size_t i = 0; i < games.size(); ++i) {
    for (PlayedStep& step : games[i].steps) {
      if (step.kind == PlayedStep::Kind::kOrder) {
        if (outcomes[i] == 0 || step.rule < 0) continue;
        std::fill(step.policy_target.begin(), step.policy_target.end(), 0.0f);
        step.policy_target[outcomes[i] > 0 ? step.action : step.rule] = 1;
      }
      std::vector<PlayedStep> position(1);
      position[0] = std::move(step);
      replay.Add(ToEpisode(position, ValueTarget::kOutcome, outcomes[i]));
      ++moves;
    }
  }
  return moves;
}

double RankedReward::Threshold() const {
  if (window_.empty()) return std::numeric_limits<double>::infinity();
  std::vector<double> sorted(window_.begin(), window_.end());
  std::sort(sorted.begin(), sorted.end());
  const double q = std::clamp(options_.quantile, 0.0, 1.0);
  const size_t index = static_cast<size_t>(std::floor((1 - q) * (sorted.size() - 1)));
  return sorted[std::min(index, sorted.size() - 1)];
}

std::vector<float> RankedReward::Score(const std::vector<double>& latencies) {
  std::vector<float> outcomes(latencies.size(), 0.0f);
  if (!window_.empty()) {
    const double threshold = Threshold();
    const double tolerance = options_.tie_tolerance * threshold;
    for (size_t i = 0; i < latencies.size(); ++i) {
      outcomes[i] = latencies[i] < threshold - tolerance   ? 1.0f
                    : latencies[i] > threshold + tolerance ? -1.0f
                                                           : 0.0f;
    }
  }
  for (double latency : latencies) {
    window_.push_back(latency);
    while (static_cast<int>(window_.size()) > std::max(options_.window, 1)) window_.pop_front();
  }
  return outcomes;
}

}  // namespace mmap_opt
