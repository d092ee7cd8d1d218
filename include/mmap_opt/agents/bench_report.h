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

// The file names WriteBenchReport uses inside its folder.
inline constexpr char kResultsMarkdown[] = "results.md";
inline constexpr char kResultsCsv[] = "results.csv";
inline constexpr char kResultsJson[] = "results.json";
inline constexpr char kSpeedupSvg[] = "speedup.svg";
inline constexpr char kRewardGainSvg[] = "reward_vs_gain.svg";

// Creates `dir` (and its parents) when missing and writes the five files atomically.
absl::Status WriteBenchReport(const BenchResults& results, const std::string& dir,
                              const BenchReportOptions& options);

// mkdir -p; the error names the path.
absl::Status MakeDirectories(const std::string& dir);

}  // namespace mmap_opt

#endif  // MMAP_OPT_AGENTS_BENCH_REPORT_H_
