// The CI gate's reference: the heuristic's scores on a corpus, committed under data/baselines/,
// so that any change in the heuristic's behaviour (or the simulator's) shows up as a failing
// check that the author must answer by regenerating the file on purpose.
#ifndef MMAP_OPT_AGENTS_BENCH_BASELINE_H_
#define MMAP_OPT_AGENTS_BENCH_BASELINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mmap_opt/agents/bench.h"

namespace mmap_opt {

// One program's line: the heuristic's latency and the program's bounds, in seconds.
struct BaselineEntry {
  std::string program;  // File name, as ProgramOutcome::file.
  double heuristic_latency_s = 0;
  double all_slow_s = 0;
  double lower_bound_s = 0;
};

// How far a number may move before the gate fails: relative, to allow nothing but
// floating-point noise.
inline constexpr double kBaselineTolerance = 1e-9;

// CSV with '#' comment lines, a header, then one line per program (17 significant digits, so
// the numbers read back exactly). FailedPrecondition when the heuristic has no valid score on
// some program: a baseline must be complete.
absl::StatusOr<std::string> FormatBaseline(const BenchResults& results,
                                           absl::string_view regenerate_command);

// Parses FormatBaseline's output; errors name `path` and the line.
absl::StatusOr<std::vector<BaselineEntry>> ParseBaseline(absl::string_view text,
                                                         const std::string& path);

// Every way the results differ from the baseline beyond `tolerance`, one line each: a program
// missing on either side, the heuristic invalid, or a number that moved (old, new, relative
// change). Empty when they agree.
std::vector<std::string> CompareWithBaseline(const BenchResults& results,
                                             const std::vector<BaselineEntry>& baseline,
                                             double tolerance = kBaselineTolerance);

}  // namespace mmap_opt

#endif  // MMAP_OPT_AGENTS_BENCH_BASELINE_H_
