// `mmap-opt bench --corpus DIR`: every agent on every program of a corpus, one table against
// the heuristic (results.md/.csv/.json and two SVG plots in --out). With --check-baseline it
// is also the CI gate: it fails on an invalid assignment, a heuristic score that moved from
// the committed baseline, or a never-worse agent slower than the heuristic.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/cli_common.h"
#include "cli/dist_flags.h"
#include "cli/learned_library.h"
#include "mmap_opt/agents/bench.h"
#include "mmap_opt/agents/bench_baseline.h"
#include "mmap_opt/agents/bench_report.h"
#include "mmap_opt/agents/bench_wire.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

// Every registered agent but the exact one.
std::vector<std::string> BenchAllAgents() {
  std::vector<std::string> names = AgentNames();
  names.erase(std::remove(names.begin(), names.end(), "exact"), names.end());
  return names;
}

struct BenchVerbOptions {
  std::string corpus;
  std::string agents = "all";
  std::string never_worse = absl::StrJoin(DefaultNeverWorseAgents(), ",");
  std::string out = "bench-results";
  std::string check_baseline;
  std::string write_baseline;
  bool no_timings = false;
  bool write_assignments = false;
  bool quiet = false;
  std::string budgets_text;     // --budgets as given.
  std::vector<double> budgets;  // Parsed by BudgetList.
  double exact_time_limit_s = -1;  // --exact-time-limit; -1: not given.
  BenchOptions bench;
  DistOptions dist;
};

// 'all': every agent this build can run (the learned ones only where their library is), but
// the exact one, which solves a MIP to optimality without a time limit (minutes per program)
// and is asked for by name.
std::vector<std::string> AvailableAgentNames() {
  std::vector<std::string> names;
  const std::vector<std::string> learned = LearnedAgentNames();
  const bool learned_found = LearnedLibraryFound();
  for (const std::string& name : BenchAllAgents()) {
    const bool is_learned = std::find(learned.begin(), learned.end(), name) != learned.end();
    if (learned_found || !is_learned) names.push_back(name);
  }
  return names;
}

std::vector<std::string> SplitNames(const std::string& list) {
  std::vector<std::string> names;
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    names.emplace_back(absl::StripAsciiWhitespace(name));
  }
  return names;
}

// `--budgets 1,10,60`: seconds, each a number > 0, at least one. Returns the budgets or
// CLI11's ValidationError (exit 2).
std::vector<double> BudgetList(const std::string& text) {
  std::vector<double> budgets;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    double budget = 0;
    if (!absl::SimpleAtod(item, &budget) || !(budget > 0) || !std::isfinite(budget) ||
        budget > 1e6) {
      throw CLI::ValidationError(
          absl::StrCat("'", item,
                       "' is not a budget: give seconds per program, each a number "
                       "in (0, 1e6], comma-separated (e.g. 1,10,60)"));
    }
    budgets.push_back(budget);
  }
  return budgets;
}

// "[=========>          ] 7/16 programs, 0:12 elapsed, ETA 0:14" redrawn in place.
class ProgressBar {
 public:
  void Update(int done, int total) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    constexpr int kWidth = 30;
    const int filled = total ? kWidth * done / total : kWidth;
    std::string bar(filled, '=');
    if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
    const double eta = done ? elapsed / done * (total - done) : 0;
    std::cerr << absl::StrFormat("\r[%s] %d/%d programs, %s elapsed, ETA %s ", bar, done, total,
                                 Clock(elapsed), done ? Clock(eta) : "?")
              << std::flush;
    if (done == total) std::cerr << "\n";
  }

 private:
  static std::string Clock(double seconds) {
    const int s = static_cast<int>(seconds + 0.5);
    return absl::StrFormat("%d:%02d", s / 60, s % 60);
  }
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

std::string Stem(const std::string& file) {
  const size_t dot = file.find('.') == 0 ? std::string::npos : file.rfind('.');
  return dot == std::string::npos ? file : file.substr(0, dot);
}

absl::Status WriteAssignments(const BenchResults& results, const std::string& out) {
  for (const ProgramOutcome& program : results.programs) {
    const std::string dir = absl::StrCat(out, "/assignments/", Stem(program.file));
    RETURN_IF_ERROR(MakeDirectories(dir));
    for (const AgentOutcome& outcome : program.agents) {
      RETURN_IF_ERROR(
          WriteMessage(absl::StrCat(dir, "/", outcome.agent, ".pb"), outcome.assignment));
    }
  }
  return absl::OkStatus();
}

// Prints each problem on stdout and returns one error line for Fail.
absl::Status Problems(const std::vector<std::string>& problems, absl::string_view what) {
  if (problems.empty()) return absl::OkStatus();
  for (const std::string& problem : problems) std::cout << "FAIL  " << problem << "\n";
  return absl::FailedPreconditionError(
      absl::StrCat(problems.size(), " ", what, "; first: ", problems.front()));
}

// With a world size, each rank runs its share of the programs (BenchShard) and rank 0 gathers
// the rows, in corpus order, of a bench identical to one process's; the other ranks return
// nullopt. A rank that fails sends its error instead, which every rank then returns.
absl::StatusOr<std::optional<BenchResults>> RunBenchOnRanks(const std::vector<std::string>& paths,
                                                            const BenchVerbOptions& opts) {
  if (!opts.dist.distributed()) {
    ASSIGN_OR_RETURN(BenchResults results, RunBench(paths, opts.bench));
    return std::optional<BenchResults>(std::move(results));
  }
  absl::StatusOr<const LearnedLibrary*> library = LoadLearnedLibrary();
  if (!library.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this build has no distributed support: bench --world-size opens its process group "
        "through the learned library, and ",
        library.status().message()));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ProcessGroup> group, (*library)->open_group(opts.dist));
  absl::StatusOr<BenchResults> mine =
      RunBench(BenchShard(paths, group->rank(), group->world_size()), opts.bench);
  ASSIGN_OR_RETURN(std::vector<std::string> shares,
                   group->AllGather(mine.ok() ? "O" + EncodeProgramOutcomes(mine->programs)
                                              : "E" + std::string(mine.status().message())));
  std::vector<std::vector<ProgramOutcome>> shards;
  for (const std::string& share : shares) {
    if (share[0] == 'E') return absl::InvalidArgumentError(share.substr(1));
    ASSIGN_OR_RETURN(shards.emplace_back(), DecodeProgramOutcomes(share.substr(1)));
  }
  if (group->rank() != 0) return std::optional<BenchResults>();
  mine->programs = MergeBenchShards(std::move(shards));
  Summarize(*mine);
  return std::optional<BenchResults>(*std::move(mine));
}

absl::Status RunBenchVerb(BenchVerbOptions& opts) {
  ASSIGN_OR_RETURN(std::vector<std::string> paths, ListCorpus(opts.corpus));
  const std::vector<std::string> never_worse = SplitNames(opts.never_worse);
  opts.bench.never_worse = {never_worse.begin(), never_worse.end()};
  opts.bench.keep_assignments = opts.write_assignments;
  std::optional<ProgressBar> progress;
  if (!opts.quiet && isatty(STDERR_FILENO)) {
    progress.emplace();
    opts.bench.on_progress = [&progress](int done, int total, const std::string&) {
      progress->Update(done, total);
    };
  }
  // Parse the baseline before the work, so that a bad file fails fast.
  std::vector<BaselineEntry> baseline;
  if (!opts.check_baseline.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(opts.check_baseline));
    ASSIGN_OR_RETURN(baseline, ParseBaseline(text, opts.check_baseline));
  }
  ASSIGN_OR_RETURN(std::optional<BenchResults> gathered, RunBenchOnRanks(paths, opts));
  if (!gathered.has_value()) {
    std::cerr << absl::StrFormat("bench: rank %d of %d finished; rank 0 writes the reports\n",
                                 opts.dist.rank, opts.dist.world_size);
    return absl::OkStatus();
  }
  BenchResults& results = *gathered;

  BenchReportOptions report;
  report.timings = !opts.no_timings;
  report.corpus = opts.corpus;
  RETURN_IF_ERROR(WriteBenchReport(results, opts.out, report));
  if (opts.write_assignments) RETURN_IF_ERROR(WriteAssignments(results, opts.out));
  if (!opts.write_baseline.empty()) {
    ASSIGN_OR_RETURN(std::string text,
                     FormatBaseline(results, absl::StrCat("tools/ci_gate.sh --update")));
    RETURN_IF_ERROR(WriteFileAtomically(opts.write_baseline, text));
  }
  std::vector<std::string> written = {kResultsMarkdown, kResultsCsv, kResultsJson, kSpeedupSvg,
                                      kRewardGainSvg};
  if (!results.budgets.empty()) {
    written.insert(written.end(), {kGainBudgetCsv, kGainBudgetSvg});
    std::cout << "Mean speedup over the heuristic per budget (improved/equal/worse):\n"
              << BenchBudgetMarkdown(results) << "\n";
  }
  std::cout << BenchSummaryMarkdown(results, report) << "\nwrote " << opts.out << "/{"
            << absl::StrJoin(written, ",") << "}"
            << (opts.write_assignments ? " and assignments/" : "") << "\n";
  if (!opts.write_baseline.empty()) std::cout << "wrote " << opts.write_baseline << "\n";

  RETURN_IF_ERROR(Problems(InvalidOutcomes(results), "assignment(s) without a valid score"));
  if (!opts.check_baseline.empty()) {
    RETURN_IF_ERROR(
        Problems(CompareWithBaseline(results, baseline),
                 absl::StrCat("difference(s) from the baseline ", opts.check_baseline,
                              " (regenerate it on purpose: tools/ci_gate.sh --update)")));
    std::cout << "baseline " << opts.check_baseline << ": the heuristic's scores match on "
              << baseline.size() << " programs\n";
  }
  RETURN_IF_ERROR(Problems(NeverWorseViolations(results),
                           "never-worse agent result(s) slower than the heuristic"));
  return absl::OkStatus();
}

}  // namespace

void AddBenchVerb(CLI::App& app) {
  auto opts = std::make_shared<BenchVerbOptions>();
  CLI::App* verb = app.add_subcommand(
      "bench",
      "Run every agent on every program of a corpus: latency, speedup over the heuristic, "
      "headroom closed, solve time; tables, CSV, JSON and plots in --out");
  verb->add_option("--corpus", opts->corpus, "Folder of program files (.pb, .txtpb, .json)")
      ->required();
  verb->add_option(
          "--agents", opts->agents,
          absl::StrCat("Comma-separated agents, or 'all' (", absl::StrJoin(BenchAllAgents(), ", "),
                       "; 'exact', which may take minutes per program, only by name); the "
                       "heuristic always runs: it is the reference"))
      ->capture_default_str();
  verb->add_option("--out", opts->out, "Folder for results.md/.csv/.json and the SVG plots")
      ->capture_default_str();
  verb->add_option("-j,--jobs", opts->bench.jobs, "Programs solved in parallel")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  verb->add_option("--seed", opts->bench.agent.seed,
                   "Seed of agents that make random choices (the same for every program, so "
                   "`solve --seed` reproduces a row)")
      ->capture_default_str();
  verb->add_option("--hardware", opts->bench.hardware,
                   "Preset or hardware file for every program; default: each program's own");
  verb->add_option("--candidates", opts->bench.agent.game.num_candidates,
                   "K: candidate offsets per game action")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  verb->add_flag("--no-timings", opts->no_timings,
                 "Leave solve times out of the outputs, which are then identical run to run");
  verb->add_flag("--assignments", opts->write_assignments,
                 "Also write every assignment to OUT/assignments/PROGRAM/AGENT.pb");
  verb->add_flag("-q,--quiet", opts->quiet, "No progress bar");
  verb->add_option("--never-worse", opts->never_worse,
                   "Agents that must never be slower than the heuristic: the run fails when one "
                   "is (comma-separated)")
      ->capture_default_str();
  verb->add_option("--check-baseline", opts->check_baseline,
                   "Fail when the heuristic's scores differ from this baseline file (the CI gate)");
  verb->add_option(
      "--write-baseline", opts->write_baseline,
      "Write the heuristic's scores as a baseline file (see tools/ci_gate.sh --update)");
  CLI::Option* time_limit = AddTimeLimitOption(verb, &opts->bench.agent.time_limit_s);
  verb->add_option("--budgets", opts->budgets_text,
                   "A sweep: the search agents run once per time limit in this comma-separated "
                   "list of seconds per program (e.g. 1,10,60), the others once; adds the mean "
                   "gain per agent and budget to the tables and gain_vs_budget.svg/.csv")
      ->excludes(time_limit)
      ->each([opts](const std::string& text) { opts->budgets = BudgetList(text); });
  verb->add_option("--exact-time-limit", opts->exact_time_limit_s,
                   "Seconds per program for the exact agent alone, in place of --time-limit "
                   "(the other search agents keep theirs, or their step budgets)")
      ->check(CLI::Range(0.0, 1e6))
      ->excludes(verb->get_option("--budgets"));
  AddLearnedAgentOptions(verb, &opts->bench.agent);
  AddTuningOptions(verb, &opts->bench.agent.tuning);
  AddDistFlags(verb, &opts->dist);
  // The heuristic's knobs, to measure what they are worth (and for the gate's own test, which
  // changes one and expects the gate to fail).
  const std::string knobs = "Heuristic knobs";
  verb->add_option("--heuristic-preferred-overlap",
                   opts->bench.agent.heuristic.prefetch.preferred_overlap_to_async_copy_ratio,
                   "Preferred prefetch overlap as a multiple of the copy time")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group(knobs);
  verb->add_option("--heuristic-max-retries", opts->bench.agent.heuristic.max_retries,
                   "Attempts per buffer")
      ->capture_default_str()
      ->check(CLI::Range(1, 16))
      ->group(knobs);
  verb->add_option("--heuristic-max-repacks", opts->bench.agent.heuristic.max_repacks,
                   "Repacks of the placed chunks when fragmentation leaves a buffer out (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000))
      ->group(knobs);
  verb->add_option("--heuristic-repack-time-limit", opts->bench.agent.heuristic.repack_time_limit_s,
                   "Seconds each repack's packer may search (0: best-fit passes only)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6))
      ->group(knobs);
  verb->callback([opts, verb] {
    ResolveDistFlags(verb, &opts->dist);
    // Bad budgets for the agents asked for are a bad command line, found before any work.
    opts->bench.agents = opts->agents == "all" ? AvailableAgentNames() : SplitNames(opts->agents);
    opts->bench.budgets = opts->budgets;
    if (opts->exact_time_limit_s >= 0) opts->bench.exact_time_limit_s = opts->exact_time_limit_s;
    CheckTimeLimitTaken(opts->bench.agents, opts->bench.agent.time_limit_s, "--time-limit");
    CheckTimeLimitTaken(opts->bench.agents, opts->budgets.empty() ? 0 : 1, "--budgets");
    absl::Status status = RunBenchVerb(*opts);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
