// The numbers the paper reports from a bench: speedups over the heuristic, the per-agent
// summary (improved / equal / worse, mean, median, best, worst) and the correlation between the
// game's summed reward and the simulator's verdict.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "mmap_opt/agents/bench.h"

namespace mmap_opt {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Mean(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  return std::accumulate(values.begin(), values.end(), 0.0) / values.size();
}

void FillSpeedups(ProgramOutcome& program) {
  const AgentOutcome* reference = program.Find(kBenchReference);
  for (AgentOutcome& outcome : program.agents) {
    outcome.speedup_percent.reset();
    if (reference == nullptr || !reference->valid() || !outcome.valid()) continue;
    if (outcome.latency_s <= 0) continue;  // An empty program: nothing to compare.
    outcome.speedup_percent = 100 * (reference->latency_s / outcome.latency_s - 1);
  }
}

// -1, 0 or 1: slower than, equal to (within kEqualLatencyTolerance) or faster than the
// reference latency.
int Compare(double latency_s, double reference_s) {
  if (latency_s < reference_s * (1 - kEqualLatencyTolerance)) return 1;
  if (latency_s > reference_s * (1 + kEqualLatencyTolerance)) return -1;
  return 0;
}

AgentSummary SummarizeAgent(const BenchResults& results, const std::string& agent) {
  AgentSummary summary;
  summary.agent = agent;
  std::vector<double> speedups, closed;
  for (const ProgramOutcome& program : results.programs) {
    const AgentOutcome* outcome = program.Find(agent);
    if (outcome == nullptr) continue;
    ++summary.programs;
    summary.total_solve_s += outcome->solve_s;
    summary.drop_backups += outcome->drop_backups;
    if (!outcome->valid()) {
      ++summary.invalid;
      continue;
    }
    closed.push_back(outcome->headroom_closed);
    if (!outcome->speedup_percent) continue;
    const double speedup = *outcome->speedup_percent;
    switch (Compare(outcome->latency_s, program.Find(kBenchReference)->latency_s)) {
      case 1:
        ++summary.improved;
        break;
      case 0:
        ++summary.equal;
        break;
      default:
        ++summary.worse;
        break;
    }
    // Strict comparisons: the first program in corpus order wins a tie.
    if (speedups.empty() || speedup > summary.best_speedup_percent) {
      summary.best_speedup_percent = speedup;
      summary.best_program = program.file;
    }
    if (speedups.empty() || speedup < summary.worst_speedup_percent) {
      summary.worst_speedup_percent = speedup;
      summary.worst_program = program.file;
    }
    speedups.push_back(speedup);
  }
  summary.compared = static_cast<int>(speedups.size());
  summary.mean_speedup_percent = Mean(speedups);
  summary.median_speedup_percent = Median(speedups);
  if (speedups.empty()) summary.best_speedup_percent = summary.worst_speedup_percent = kNaN;
  summary.mean_headroom_closed = Mean(closed);
  return summary;
}

std::optional<RewardCorrelation> CorrelateRewards(const BenchResults& results,
                                                  const std::string& agent) {
  RewardCorrelation correlation;
  correlation.agent = agent;
  std::vector<double> rewards, gains;
  bool played = false;
  for (const ProgramOutcome& program : results.programs) {
    const AgentOutcome* outcome = program.Find(agent);
    if (outcome == nullptr || !outcome->game_reward) continue;
    played = true;
    if (!outcome->valid()) continue;
    rewards.push_back(*outcome->game_reward);
    gains.push_back(outcome->headroom_closed);
  }
  if (!played) return std::nullopt;
  correlation.games = static_cast<int>(rewards.size());
  correlation.pearson = PearsonCorrelation(rewards, gains);
  correlation.spearman = SpearmanCorrelation(rewards, gains);
  return correlation;
}

}  // namespace

void Summarize(BenchResults& results) {
  for (ProgramOutcome& program : results.programs) FillSpeedups(program);
  results.summaries.clear();
  results.correlations.clear();
  for (const std::string& agent : results.agents) {
    results.summaries.push_back(SummarizeAgent(results, agent));
    if (std::optional<RewardCorrelation> c = CorrelateRewards(results, agent)) {
      results.correlations.push_back(*c);
    }
  }
  results.budget_summaries.clear();
  for (const std::string& agent : results.time_limited) {
    for (double budget : results.budgets) {
      results.budget_summaries.push_back(
          {agent, budget, SummarizeAgent(results, BudgetColumn(agent, budget))});
    }
  }
}

double Median(std::vector<double> values) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double PearsonCorrelation(absl::Span<const double> x, absl::Span<const double> y) {
  if (x.size() != y.size() || x.size() < 2) return kNaN;
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i] / n, my += y[i] / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0 || syy <= 0) return kNaN;
  // Rounding can push a perfect correlation a hair past 1.
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

std::vector<double> Ranks(absl::Span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    // Positions i..j (0-based) share the mean of ranks i+1..j+1.
    const double rank = (i + j) / 2.0 + 1;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

double SpearmanCorrelation(absl::Span<const double> x, absl::Span<const double> y) {
  if (x.size() != y.size()) return kNaN;
  const std::vector<double> rx = Ranks(x), ry = Ranks(y);
  return PearsonCorrelation(rx, ry);
}

}  // namespace mmap_opt
