#include "mmap_opt/agents/bench_baseline.h"

#include <cmath>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mmap_opt {
namespace {

constexpr char kHeader[] = "program,heuristic_latency_s,all_slow_s,lower_bound_s";

// Relative change of `now` from `before`, 0 when both are 0.
double RelativeChange(double before, double now) {
  if (before == now) return 0;
  return std::abs(now - before) / std::max(std::abs(before), std::abs(now));
}

}  // namespace

absl::StatusOr<std::string> FormatBaseline(const BenchResults& results,
                                           absl::string_view regenerate_command) {
  std::string text = absl::StrCat(
      "# The heuristic's simulated scores per program: the CI gate (tools/ci_gate.sh) fails when\n"
      "# they move by more than a relative ",
      kBaselineTolerance, ". After a deliberate change of\n",
      "# the heuristic or the simulator, regenerate this file in the same commit with\n#   ",
      regenerate_command, "\n", kHeader, "\n");
  for (const ProgramOutcome& program : results.programs) {
    const AgentOutcome* heuristic = program.Find(kBenchReference);
    if (heuristic == nullptr || !heuristic->valid()) {
      return absl::FailedPreconditionError(absl::StrCat(
          program.file, ": the heuristic has no valid score, so it cannot be a baseline",
          heuristic == nullptr ? "" : absl::StrCat(" (", heuristic->error, ")")));
    }
    absl::StrAppendFormat(&text, "%s,%.17g,%.17g,%.17g\n", program.file, heuristic->latency_s,
                          program.bounds.all_slow_s, program.bounds.lower_bound_s);
  }
  return text;
}

absl::StatusOr<std::vector<BaselineEntry>> ParseBaseline(absl::string_view text,
                                                         const std::string& path) {
  std::vector<BaselineEntry> entries;
  bool header_seen = false;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    if (!header_seen) {
      if (line != kHeader) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":", line_number, ": expected the header '", kHeader, "'"));
      }
      header_seen = true;
      continue;
    }
    std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
    BaselineEntry entry;
    if (fields.size() != 4 || fields[0].empty() ||
        !absl::SimpleAtod(fields[1], &entry.heuristic_latency_s) ||
        !absl::SimpleAtod(fields[2], &entry.all_slow_s) ||
        !absl::SimpleAtod(fields[3], &entry.lower_bound_s)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", line_number, ": expected 'program,latency,all-slow,lower bound'"));
    }
    entry.program = std::string(fields[0]);
    entries.push_back(std::move(entry));
  }
  if (!header_seen) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no header line: not a baseline"));
  }
  return entries;
}

std::vector<std::string> CompareWithBaseline(const BenchResults& results,
                                             const std::vector<BaselineEntry>& baseline,
                                             double tolerance) {
  std::vector<std::string> problems;
  std::map<std::string, const ProgramOutcome*> by_file;
  for (const ProgramOutcome& program : results.programs) by_file[program.file] = &program;
  std::map<std::string, bool> in_baseline;
  for (const BaselineEntry& entry : baseline) {
    in_baseline[entry.program] = true;
    auto found = by_file.find(entry.program);
    if (found == by_file.end()) {
      problems.push_back(absl::StrCat(entry.program, ": in the baseline but not in the corpus"));
      continue;
    }
    const ProgramOutcome& program = *found->second;
    const AgentOutcome* heuristic = program.Find(kBenchReference);
    if (heuristic == nullptr || !heuristic->valid()) {
      problems.push_back(absl::StrCat(program.file, ": the heuristic has no valid score",
                                      heuristic ? absl::StrCat(" (", heuristic->error, ")") : ""));
      continue;
    }
    const struct {
      const char* what;
      double before, now;
    } numbers[] = {{"heuristic latency", entry.heuristic_latency_s, heuristic->latency_s},
                   {"all-slow latency", entry.all_slow_s, program.bounds.all_slow_s},
                   {"lower bound", entry.lower_bound_s, program.bounds.lower_bound_s}};
    for (const auto& n : numbers) {
      const double change = RelativeChange(n.before, n.now);
      if (change > tolerance) {
        problems.push_back(
            absl::StrFormat("%s: the %s moved from the baseline's %.17g s to %.17g s (%+.6g%%)",
                            program.file, n.what, n.before, n.now, 100 * (n.now / n.before - 1)));
      }
    }
  }
  for (const ProgramOutcome& program : results.programs) {
    if (!in_baseline.count(program.file)) {
      problems.push_back(absl::StrCat(program.file, ": not in the baseline (regenerate it)"));
    }
  }
  return problems;
}

}  // namespace mmap_opt
