// What `mmap-opt bench` writes: results.md (the tables the README's Results section is made
// from), results.csv (one row per program and agent), results.json, and two SVG plots.
#ifndef MMAP_OPT_AGENTS_BENCH_REPORT_H_
#define MMAP_OPT_AGENTS_BENCH_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "mmap_opt/agents/bench.h"

namespace mmap_opt {

struct BenchReportOptions {
  // Solve times are the only numbers that change from run to run: without them every output
  // is a pure function of the corpus, the agents and the seed (tests compare bytes).
  bool timings = true;
  // Named in results.md's title and in results.json ("corpus").
  std::string corpus;
};

// The per-agent summary table alone (what `bench` prints).
std::string BenchSummaryMarkdown(const BenchResults& results, const BenchReportOptions& options);
// A sweep's mean gain per agent (rows) and budget (columns); empty without a sweep.
std::string BenchBudgetMarkdown(const BenchResults& results);
std::string BenchMarkdown(const BenchResults& results, const BenchReportOptions& options);
std::string BenchCsv(const BenchResults& results, const BenchReportOptions& options);
std::string BenchJson(const BenchResults& results, const BenchReportOptions& options);

// Speedup over the heuristic per program, one panel per other agent, bars sorted from the
// best to the worst program (the paper's figure).
std::string SpeedupSvg(const BenchResults& results);
// Summed game reward (x) against the latency gained over all-slow as a share of the headroom
// (y), one dot per program and game-playing agent, with the y = x line the two would follow
// if the reward were exact.
std::string RewardGainSvg(const BenchResults& results);

// A sweep of budgets: mean speedup over the heuristic (y, %) against the time limit per
// program (x, seconds, log scale), one line with markers per agent that takes a time limit.
std::string GainBudgetSvg(const BenchResults& results);
// The same as a table: one row per agent and budget.
std::string GainBudgetCsv(const BenchResults& results, const BenchReportOptions& options);

// The file names WriteBenchReport uses inside its folder.
inline constexpr char kResultsMarkdown[] = "results.md";
inline constexpr char kResultsCsv[] = "results.csv";
inline constexpr char kResultsJson[] = "results.json";
inline constexpr char kSpeedupSvg[] = "speedup.svg";
inline constexpr char kRewardGainSvg[] = "reward_vs_gain.svg";
// Only for a sweep of budgets (BenchResults::budgets).
inline constexpr char kGainBudgetCsv[] = "gain_vs_budget.csv";
inline constexpr char kGainBudgetSvg[] = "gain_vs_budget.svg";

// Creates `dir` (and its parents) when missing and writes the five files atomically, and for
// a sweep of budgets the two gain_vs_budget files.
absl::Status WriteBenchReport(const BenchResults& results, const std::string& dir,
                              const BenchReportOptions& options);

// mkdir -p; the error names the path.
absl::Status MakeDirectories(const std::string& dir);

}  // namespace mmap_opt

#endif  // MMAP_OPT_AGENTS_BENCH_REPORT_H_
