// results.md, results.csv and results.json of a bench, and writing them with the plots.
#include "mmap_opt/agents/bench_report.h"

#include <errno.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "io/json_text.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

// Numbers for people: a fixed number of decimals, "n/a" where undefined.
std::string Fixed(double value, int decimals, absl::string_view suffix = "") {
  if (!std::isfinite(value)) return "n/a";
  return absl::StrCat(absl::StrFormat("%.*f", decimals, value), suffix);
}
std::string Signed(double value, int decimals, absl::string_view suffix = "") {
  if (!std::isfinite(value)) return "n/a";
  return absl::StrCat(absl::StrFormat("%+.*f", decimals, value), suffix);
}
// Numbers for machines: exact, empty (CSV) or null (JSON) where undefined.
std::string Exact(double value, absl::string_view undefined) {
  if (!std::isfinite(value)) return std::string(undefined);
  return absl::StrFormat("%.17g", value);
}
std::string Exact(const std::optional<double>& value, absl::string_view undefined) {
  return value ? Exact(*value, undefined) : std::string(undefined);
}

std::string Csv(absl::string_view text) {
  if (text.find_first_of(",\"\n") == absl::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A markdown table cell cannot hold '|' or a line break.
std::string Cell(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += c == '\n' ? ' ' : c;
    }
  }
  return out;
}

std::string Row(const std::vector<std::string>& cells) {
  return absl::StrCat("| ", absl::StrJoin(cells, " | "), " |\n");
}

// A header row and its separator; `right` columns (numbers) align right.
std::string Header(const std::vector<std::string>& names, size_t left_columns) {
  std::vector<std::string> rule;
  for (size_t i = 0; i < names.size(); ++i) rule.push_back(i < left_columns ? "---" : "--:");
  return Row(names) + Row(rule);
}

std::vector<std::string> OtherAgents(const BenchResults& results) {
  std::vector<std::string> agents;
  for (const std::string& agent : results.agents) {
    if (agent != kBenchReference) agents.push_back(agent);
  }
  return agents;
}

std::string SummaryTable(const BenchResults& results, const BenchReportOptions& options) {
  std::vector<std::string> names = {"agent",
                                    "programs",
                                    "invalid",
                                    "improved",
                                    "equal",
                                    "worse",
                                    "mean speedup",
                                    "median speedup",
                                    "best",
                                    "worst",
                                    "mean headroom closed",
                                    "drop-backups"};
  if (options.timings) names.push_back("solve time (s)");
  std::string text = Header(names, 1);
  for (const AgentSummary& s : results.summaries) {
    if (s.agent == kBenchReference) {
      std::vector<std::string> cells = {Cell(s.agent), absl::StrCat(s.programs),
                                        absl::StrCat(s.invalid)};
      cells.resize(10, "reference");
      cells.push_back(Fixed(100 * s.mean_headroom_closed, 1, "%"));
      cells.push_back(absl::StrCat(s.drop_backups));
      if (options.timings) cells.push_back(Fixed(s.total_solve_s, 3));
      text += Row(cells);
      continue;
    }
    std::vector<std::string> cells = {
        Cell(s.agent),
        absl::StrCat(s.programs),
        absl::StrCat(s.invalid),
        absl::StrCat(s.improved),
        absl::StrCat(s.equal),
        absl::StrCat(s.worse),
        Signed(s.mean_speedup_percent, 2, "%"),
        Signed(s.median_speedup_percent, 2, "%"),
        s.compared
            ? absl::StrCat(Signed(s.best_speedup_percent, 2, "%"), " (", Cell(s.best_program), ")")
            : "n/a",
        s.compared ? absl::StrCat(Signed(s.worst_speedup_percent, 2, "%"), " (",
                                  Cell(s.worst_program), ")")
                   : "n/a",
        Fixed(100 * s.mean_headroom_closed, 1, "%"),
        absl::StrCat(s.drop_backups)};
    if (options.timings) cells.push_back(Fixed(s.total_solve_s, 3));
    text += Row(cells);
  }
  return text;
}

// One table with a column per agent; `cell` renders one outcome (nullptr: did not run).
template <typename CellFn>
std::string PerProgramTable(
    const BenchResults& results, const std::vector<std::string>& agents,
    const std::vector<std::string>& lead_names, CellFn cell,
    const std::function<std::vector<std::string>(const ProgramOutcome&)>& lead_cells) {
  std::vector<std::string> names = lead_names;
  names.insert(names.end(), agents.begin(), agents.end());
  std::string text = Header(names, 2);
  for (const ProgramOutcome& program : results.programs) {
    std::vector<std::string> cells = lead_cells(program);
    for (const std::string& agent : agents) {
      const AgentOutcome* outcome = program.Find(agent);
      cells.push_back(outcome == nullptr ? "" : outcome->valid() ? cell(*outcome) : "invalid");
    }
    text += Row(cells);
  }
  return text;
}

std::vector<std::string> ProgramCells(const ProgramOutcome& program) {
  return {Cell(program.file), Cell(program.hardware)};
}

std::string Seconds(double seconds) { return absl::StrFormat("%g s", seconds); }

// The sentence of results.md that says at which budget the agents ran.
std::string BudgetSentence(const BenchResults& results) {
  if (results.time_limited.empty()) return "";
  const std::string agents = absl::StrJoin(results.time_limited, ", ");
  const bool hybrid = std::find(results.time_limited.begin(), results.time_limited.end(),
                                "hybrid") != results.time_limited.end();
  const std::string overshoot = absl::StrCat(
      " The clock is read between heuristic runs and between moves, so the run or game in "
      "progress at the limit finishes and a solve may pass its budget slightly",
      hybrid ? "; hybrid gives half of it to its tuning and the rest to muzero." : ".");
  if (!results.budgets.empty()) {
    std::vector<std::string> budgets;
    for (double budget : results.budgets) budgets.push_back(Seconds(budget));
    return absl::StrCat("Budgets: ", agents, " ran at each of ", absl::StrJoin(budgets, ", "),
                        " per program (columns AGENT@Ns); the other agents take no time limit "
                        "and ran once.",
                        overshoot, "\n");
  }
  if (results.time_limit_s > 0) {
    return absl::StrCat("Budget: ", agents, " at a time limit of ", Seconds(results.time_limit_s),
                        " per program, the same for each; the other agents take none.", overshoot,
                        "\n");
  }
  return absl::StrCat("Budget: no time limit; ", agents,
                      " ran with step budgets only (deterministic).\n");
}

// Mean gain over the heuristic per agent (rows) and budget (columns) of a sweep.
std::string BudgetTable(const BenchResults& results) {
  std::vector<std::string> names = {"agent"};
  for (double budget : results.budgets) names.push_back(Seconds(budget));
  std::string text = Header(names, 1);
  for (const std::string& agent : results.time_limited) {
    std::vector<std::string> cells = {Cell(agent)};
    for (const BudgetSummary& b : results.budget_summaries) {
      if (b.agent != agent) continue;
      cells.push_back(b.summary.compared
                          ? absl::StrCat(Signed(b.summary.mean_speedup_percent, 2, "%"), " (",
                                         b.summary.improved, "/", b.summary.equal, "/",
                                         b.summary.worse, ")")
                          : "n/a");
    }
    text += Row(cells);
  }
  return text;
}

// Per column that ran at a time limit: its median and longest solve against the limit.
std::string SolveTimeAgainstBudget(const BenchResults& results) {
  std::string text = Header(
      {"column", "budget (s)", "median solve (s)", "longest solve (s)", "longest / budget"}, 1);
  bool any = false;
  for (const std::string& column : results.agents) {
    std::vector<double> times;
    double budget = 0;
    for (const ProgramOutcome& program : results.programs) {
      const AgentOutcome* outcome = program.Find(column);
      if (outcome == nullptr || outcome->time_limit_s <= 0) continue;
      budget = outcome->time_limit_s;
      times.push_back(outcome->solve_s);
    }
    if (times.empty()) continue;
    any = true;
    const double longest = *std::max_element(times.begin(), times.end());
    text += Row({Cell(column), absl::StrFormat("%g", budget), Fixed(Median(times), 3),
                 Fixed(longest, 3), Fixed(longest / budget, 3)});
  }
  return any ? text : "";
}

}  // namespace

// Where an agent proved a bound (the exact agent): each agent's latency over the best proven
// bound, per program and in the mean; "" when no agent proved one.
std::string ProvenBoundTable(const BenchResults& results) {
  std::vector<std::string> text_rows;
  std::vector<double> sums(results.agents.size(), 0);
  std::vector<int> counts(results.agents.size(), 0);
  for (const ProgramOutcome& p : results.programs) {
    const std::optional<double> bound = p.BestProvenBound();
    if (!bound || *bound <= 0) continue;
    std::vector<std::string> cells = {Cell(p.file), Fixed(1e3 * *bound, 4)};
    for (size_t a = 0; a < results.agents.size(); ++a) {
      const AgentOutcome* o = p.Find(results.agents[a]);
      if (o == nullptr || !o->valid()) {
        cells.push_back("n/a");
        continue;
      }
      const double gap = 100 * (o->latency_s / *bound - 1);
      sums[a] += gap;
      counts[a] += 1;
      cells.push_back(Fixed(gap, 3, "%"));
    }
    text_rows.push_back(Row(cells));
  }
  if (text_rows.empty()) return "";
  std::vector<std::string> names = {"program", "proven bound (ms)"};
  names.insert(names.end(), results.agents.begin(), results.agents.end());
  std::string text = Header(names, 2);
  for (const std::string& row : text_rows) text += row;
  std::vector<std::string> mean = {"mean", ""};
  for (size_t a = 0; a < results.agents.size(); ++a) {
    mean.push_back(counts[a] ? Fixed(sums[a] / counts[a], 3, "%") : "n/a");
  }
  return text + Row(mean);
}

std::string BenchSummaryMarkdown(const BenchResults& results, const BenchReportOptions& options) {
  const std::string proven = ProvenBoundTable(results);
  return absl::StrCat(
      SummaryTable(results, options),
      proven.empty() ? "" : "\nGap to the best proven bound (latency / bound - 1):\n\n", proven);
}

std::string BenchBudgetMarkdown(const BenchResults& results) {
  return results.budgets.empty() ? "" : BudgetTable(results);
}

std::string BenchMarkdown(const BenchResults& results, const BenchReportOptions& options) {
  const std::vector<std::string> others = OtherAgents(results);
  std::string text = absl::StrCat(
      "# mmap-opt bench", options.corpus.empty() ? "" : absl::StrCat(": ", options.corpus), "\n\n",
      results.programs.size(), " programs; agents ", absl::StrJoin(results.agents, ", "), "; seed ",
      results.seed, ".\n", BudgetSentence(results),
      "Speedup over the heuristic = heuristic latency / agent latency - 1 (positive: faster). "
      "Headroom closed = (all-slow - latency) / (all-slow - lower bound). The capacity bound "
      "is a tighter bound that counts the fast memory's size and the HBM traffic no placement "
      "avoids. Equal means within a relative ",
      kEqualLatencyTolerance, ".\n\n## Summary against the heuristic\n\n",
      SummaryTable(results, options));

  const std::string proven = ProvenBoundTable(results);
  if (!proven.empty()) {
    absl::StrAppend(&text,
                    "\n## Gap to the best proven bound\n\n"
                    "On the programs where an agent proved a lower bound on every valid "
                    "assignment's latency (the exact agent's MIP bound): each agent's latency / "
                    "that bound - 1. 0% is a proved optimum.\n\n",
                    proven);
  }
  if (!results.budgets.empty()) {
    absl::StrAppend(&text,
                    "\n## Mean gain over the heuristic per budget\n\n"
                    "Mean speedup over the heuristic (improved/equal/worse programs) of each agent "
                    "at each time limit per program; plotted in ",
                    kGainBudgetSvg, ".\n\n", BudgetTable(results));
  }
  absl::StrAppend(&text, "\n## Latency per program (ms)\n\n",
                  PerProgramTable(
                      results, results.agents,
                      {"program", "hardware", "all-slow", "lower bound", "capacity bound"},
                      [](const AgentOutcome& o) { return Fixed(1e3 * o.latency_s, 4); },
                      [](const ProgramOutcome& p) {
                        std::vector<std::string> cells = ProgramCells(p);
                        cells.push_back(Fixed(1e3 * p.bounds.all_slow_s, 4));
                        cells.push_back(Fixed(1e3 * p.bounds.lower_bound_s, 4));
                        cells.push_back(Fixed(1e3 * p.bounds.capacity_bound_s, 4));
                        return cells;
                      }));
  if (!others.empty()) {
    absl::StrAppend(&text, "\n## Speedup over the heuristic per program\n\n",
                    PerProgramTable(
                        results, others, {"program", "hardware"},
                        [](const AgentOutcome& o) {
                          return o.speedup_percent ? Signed(*o.speedup_percent, 2, "%") : "n/a";
                        },
                        ProgramCells));
  }
  absl::StrAppend(&text, "\n## Headroom closed per program\n\n",
                  PerProgramTable(
                      results, results.agents, {"program", "hardware"},
                      [](const AgentOutcome& o) { return Fixed(100 * o.headroom_closed, 1, "%"); },
                      ProgramCells));
  if (!results.correlations.empty()) {
    absl::StrAppend(&text,
                    "\n## Summed game reward against the latency gain over all-slow\n\n"
                    "Per program: the agent's summed step reward against (all-slow - latency) / "
                    "headroom, the quantity the reward is normalised to.\n\n",
                    Header({"agent", "games", "Pearson", "Spearman"}, 1));
    for (const RewardCorrelation& c : results.correlations) {
      text +=
          Row({Cell(c.agent), absl::StrCat(c.games), Fixed(c.pearson, 4), Fixed(c.spearman, 4)});
    }
  }
  if (options.timings) {
    const std::string against_budget = SolveTimeAgainstBudget(results);
    if (!against_budget.empty()) {
      absl::StrAppend(
          &text,
          "\n## Solve time against the budget\n\n"
          "Wall time of each agent run at a time limit, against that limit. The run "
          "or game in progress when the limit passes finishes, so a little over 1 is "
          "expected (for muzero and hybrid the time also includes loading the model).\n\n",
          against_budget);
    }
    absl::StrAppend(&text, "\n## Solve time per program (s)\n\n",
                    PerProgramTable(
                        results, results.agents, {"program", "hardware"},
                        [](const AgentOutcome& o) { return Fixed(o.solve_s, 3); }, ProgramCells));
  }
  const std::vector<std::string> invalid = InvalidOutcomes(results);
  if (!invalid.empty()) {
    absl::StrAppend(&text, "\n## Invalid assignments\n\n");
    for (const std::string& line : invalid) absl::StrAppend(&text, "- ", Cell(line), "\n");
  }
  return text;
}

std::string BenchCsv(const BenchResults& results, const BenchReportOptions& options) {
  // The columns scripts read first (tools/ci_gate.sh reads 1-3), free text last.
  std::string text =
      "program,agent,never_worse,valid,latency_s,speedup_percent,headroom_closed,game_reward,"
      "drop_backups,placements,time_limit_s,";
  if (options.timings) text += "solve_s,";
  text += "all_slow_s,lower_bound_s,capacity_bound_s,hardware,instructions,name,error\n";
  for (const ProgramOutcome& p : results.programs) {
    for (const AgentOutcome& o : p.agents) {
      std::vector<std::string> cells = {Csv(p.file),
                                        Csv(o.agent),
                                        results.never_worse.count(o.AgentName()) ? "1" : "0",
                                        o.valid() ? "1" : "0",
                                        o.valid() ? Exact(o.latency_s, "") : "",
                                        Exact(o.speedup_percent, ""),
                                        o.valid() ? Exact(o.headroom_closed, "") : "",
                                        Exact(o.game_reward, ""),
                                        absl::StrCat(o.drop_backups),
                                        absl::StrCat(o.placements),
                                        absl::StrFormat("%g", o.time_limit_s)};
      if (options.timings) cells.push_back(absl::StrFormat("%.6f", o.solve_s));
      for (std::string cell : {Exact(p.bounds.all_slow_s, ""), Exact(p.bounds.lower_bound_s, ""),
                               Exact(p.bounds.capacity_bound_s, ""), Csv(p.hardware),
                               absl::StrCat(p.instructions), Csv(p.name), Csv(o.error)}) {
        cells.push_back(std::move(cell));
      }
      absl::StrAppend(&text, absl::StrJoin(cells, ","), "\n");
    }
  }
  return text;
}

std::string BenchJson(const BenchResults& results, const BenchReportOptions& options) {
  auto names = [](const auto& list) {
    std::vector<std::string> quoted;
    for (const std::string& name : list) quoted.push_back(JsonString(name));
    return absl::StrCat("[", absl::StrJoin(quoted, ","), "]");
  };
  std::vector<std::string> programs;
  for (const ProgramOutcome& p : results.programs) {
    std::vector<std::string> outcomes;
    for (const AgentOutcome& o : p.agents) {
      std::string item = absl::StrCat(
          "{\"agent\":", JsonString(o.agent), ",\"valid\":", o.valid() ? "true" : "false",
          ",\"latency_s\":", o.valid() ? Exact(o.latency_s, "null") : "null",
          ",\"speedup_percent\":", Exact(o.speedup_percent, "null"),
          ",\"headroom_closed\":", o.valid() ? Exact(o.headroom_closed, "null") : "null",
          ",\"game_reward\":", Exact(o.game_reward, "null"), ",\"drop_backups\":", o.drop_backups,
          ",\"placements\":", o.placements, ",\"time_limit_s\":", Exact(o.time_limit_s, "null"));
      if (options.timings) absl::StrAppend(&item, ",\"solve_s\":", Exact(o.solve_s, "null"));
      if (o.proven_bound_s) {
        absl::StrAppend(&item, ",\"proven_bound_s\":", Exact(*o.proven_bound_s, "null"));
      }
      if (!o.note.empty()) absl::StrAppend(&item, ",\"note\":", JsonString(o.note));
      if (!o.valid()) absl::StrAppend(&item, ",\"error\":", JsonString(o.error));
      outcomes.push_back(item + "}");
    }
    programs.push_back(absl::StrCat(
        "{\"file\":", JsonString(p.file), ",\"name\":", JsonString(p.name),
        ",\"hardware\":", JsonString(p.hardware), ",\"instructions\":", p.instructions,
        ",\"all_slow_s\":", Exact(p.bounds.all_slow_s, "null"),
        ",\"lower_bound_s\":", Exact(p.bounds.lower_bound_s, "null"),
        ",\"capacity_bound_s\":", Exact(p.bounds.capacity_bound_s, "null"), ",\"headroom_s\":",
        Exact(p.bounds.headroom_s, "null"), ",\"agents\":[", absl::StrJoin(outcomes, ","), "]}"));
  }
  std::vector<std::string> summaries;
  for (const AgentSummary& s : results.summaries) {
    std::string item =
        absl::StrCat("{\"agent\":", JsonString(s.agent), ",\"programs\":", s.programs,
                     ",\"invalid\":", s.invalid, ",\"compared\":", s.compared,
                     ",\"improved\":", s.improved, ",\"equal\":", s.equal, ",\"worse\":", s.worse,
                     ",\"mean_speedup_percent\":", Exact(s.mean_speedup_percent, "null"),
                     ",\"median_speedup_percent\":", Exact(s.median_speedup_percent, "null"),
                     ",\"best_speedup_percent\":", Exact(s.best_speedup_percent, "null"),
                     ",\"best_program\":", JsonString(s.best_program),
                     ",\"worst_speedup_percent\":", Exact(s.worst_speedup_percent, "null"),
                     ",\"worst_program\":", JsonString(s.worst_program),
                     ",\"mean_headroom_closed\":", Exact(s.mean_headroom_closed, "null"),
                     ",\"drop_backups\":", s.drop_backups);
    if (options.timings)
      absl::StrAppend(&item, ",\"total_solve_s\":", Exact(s.total_solve_s, "null"));
    summaries.push_back(item + "}");
  }
  std::vector<std::string> correlations;
  for (const RewardCorrelation& c : results.correlations) {
    correlations.push_back(absl::StrCat("{\"agent\":", JsonString(c.agent), ",\"games\":", c.games,
                                        ",\"pearson\":", Exact(c.pearson, "null"),
                                        ",\"spearman\":", Exact(c.spearman, "null"), "}"));
  }
  std::vector<std::string> budgets, budget_summaries;
  for (double budget : results.budgets) budgets.push_back(Exact(budget, "null"));
  for (const BudgetSummary& b : results.budget_summaries) {
    std::string item = absl::StrCat(
        "{\"agent\":", JsonString(b.agent), ",\"budget_s\":", Exact(b.budget_s, "null"),
        ",\"compared\":", b.summary.compared, ",\"improved\":", b.summary.improved,
        ",\"equal\":", b.summary.equal, ",\"worse\":", b.summary.worse,
        ",\"mean_speedup_percent\":", Exact(b.summary.mean_speedup_percent, "null"),
        ",\"median_speedup_percent\":", Exact(b.summary.median_speedup_percent, "null"));
    if (options.timings) {
      absl::StrAppend(&item, ",\"total_solve_s\":", Exact(b.summary.total_solve_s, "null"));
    }
    budget_summaries.push_back(item + "}");
  }
  return absl::StrCat(
      "{\"corpus\":", JsonString(options.corpus), ",\"seed\":", results.seed,
      ",\"time_limit_s\":", Exact(results.time_limit_s, "null"),
      ",\"time_limited\":", names(results.time_limited), ",\"budgets\":[",
      absl::StrJoin(budgets, ","), "],\"budget_summary\":[", absl::StrJoin(budget_summaries, ","),
      "]", ",\"agents\":", names(results.agents), ",\"never_worse\":", names(results.never_worse),
      ",\"programs\":[", absl::StrJoin(programs, ","), "],\"summary\":[",
      absl::StrJoin(summaries, ","), "],\"reward_correlation\":[", absl::StrJoin(correlations, ","),
      "]}\n");
}

std::string GainBudgetCsv(const BenchResults& results, const BenchReportOptions& options) {
  std::string text =
      "agent,budget_s,programs,invalid,compared,improved,equal,worse,mean_speedup_percent,"
      "median_speedup_percent";
  text += options.timings ? ",total_solve_s\n" : "\n";
  for (const BudgetSummary& b : results.budget_summaries) {
    const AgentSummary& s = b.summary;
    absl::StrAppend(&text, Csv(b.agent), ",", absl::StrFormat("%g", b.budget_s), ",", s.programs,
                    ",", s.invalid, ",", s.compared, ",", s.improved, ",", s.equal, ",", s.worse,
                    ",", Exact(s.mean_speedup_percent, ""), ",",
                    Exact(s.median_speedup_percent, ""));
    if (options.timings) absl::StrAppend(&text, ",", absl::StrFormat("%.6f", s.total_solve_s));
    text += "\n";
  }
  return text;
}

absl::Status MakeDirectories(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("an empty folder name");
  // Each prefix that ends before a '/', then the whole path.
  for (size_t slash = 0;;) {
    slash = dir.find('/', slash + 1);
    const std::string prefix = dir.substr(0, slash);
    if (mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, ": cannot create the folder: ", std::strerror(errno)));
    }
    if (slash == std::string::npos) break;
  }
  struct stat info;
  if (stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(dir, ": not a folder"));
  }
  return absl::OkStatus();
}

absl::Status WriteBenchReport(const BenchResults& results, const std::string& dir,
                              const BenchReportOptions& options) {
  RETURN_IF_ERROR(MakeDirectories(dir));
  const std::string prefix = absl::StrCat(dir, dir.back() == '/' ? "" : "/");
  RETURN_IF_ERROR(WriteFileAtomically(prefix + kResultsMarkdown, BenchMarkdown(results, options)));
  RETURN_IF_ERROR(WriteFileAtomically(prefix + kResultsCsv, BenchCsv(results, options)));
  RETURN_IF_ERROR(WriteFileAtomically(prefix + kResultsJson, BenchJson(results, options)));
  RETURN_IF_ERROR(WriteFileAtomically(prefix + kSpeedupSvg, SpeedupSvg(results)));
  RETURN_IF_ERROR(WriteFileAtomically(prefix + kRewardGainSvg, RewardGainSvg(results)));
  if (!results.budgets.empty()) {
    RETURN_IF_ERROR(WriteFileAtomically(prefix + kGainBudgetCsv, GainBudgetCsv(results, options)));
    RETURN_IF_ERROR(WriteFileAtomically(prefix + kGainBudgetSvg, GainBudgetSvg(results)));
  }
  return absl::OkStatus();
}

}  // namespace mmap_opt
