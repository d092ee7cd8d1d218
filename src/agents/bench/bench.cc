// Running the bench: programs in parallel over a small pool of threads, each program's agents
// one after another, every assignment validated and scored.
#include "mmap_opt/agents/bench.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

std::string LastComponent(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A column of the tables: an agent at a time limit.
struct Column {
  std::string label;
  std::string agent;
  double time_limit_s = 0;
};

AgentOutcome RunOne(const Column& column, const CostModel& cost, const BenchOptions& options) {
  AgentOutcome outcome;
  outcome.agent = column.label;
  outcome.agent_name = column.agent;
  outcome.time_limit_s = column.time_limit_s;
  AgentOptions agent_options = options.agent;
  agent_options.time_limit_s = column.time_limit_s;
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<AgentRun> run = RunAgent(column.agent, cost, agent_options);
  outcome.solve_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!run.ok()) {
    outcome.error = absl::StrCat("the agent failed: ", run.status().message());
    return outcome;
  }
  outcome.game_reward = run->game_reward;
  outcome.drop_backups = run->drop_backups;
  outcome.proven_bound_s = run->proven_bound_s;
  outcome.note = run->summary;
  outcome.placements = run->assignment.placements_size();
  absl::StatusOr<Score> score = ScoreAssignment(cost, run->assignment);
  if (!score.ok()) {
    outcome.error = absl::StrCat("invalid assignment: ", score.status().message());
  } else {
    outcome.latency_s = score->simulation.latency_s;
    outcome.headroom_closed = score->headroom_closed;
  }
  // An invalid assignment is kept too: it is what a user needs to see what went wrong.
  if (options.keep_assignments) outcome.assignment = std::move(run->assignment);
  return outcome;
}

absl::StatusOr<ProgramOutcome> RunProgram(const std::string& path,
                                          const std::vector<Column>& columns,
                                          const BenchOptions& options) {
  ProgramOutcome outcome;
  outcome.path = path;
  outcome.file = LastComponent(path);
  ASSIGN_OR_RETURN(proto::Program program_proto, ReadProgram(path));
  ASSIGN_OR_RETURN(proto::Hardware hardware, HardwareFor(program_proto, options.hardware));
  ASSIGN_OR_RETURN(Program program, Program::Create(std::move(program_proto)));
  outcome.name = program.name();
  outcome.hardware = hardware.name();
  outcome.instructions = program.num_instructions();
  ASSIGN_OR_RETURN(CostModel cost, CostModel::Create(program, std::move(hardware)));
  outcome.bounds = ComputeBounds(cost);
  for (const Column& column : columns) {
    outcome.agents.push_back(RunOne(column, cost, options));
  }
  return outcome;
}

// The budgets of `options`, checked: each finite and > 0, sorted, each once; the time limit
// finite and >= 0, and not both.
absl::StatusOr<std::vector<double>> CheckBudgets(const BenchOptions& options) {
  const double limit = options.agent.time_limit_s;
  if (!(limit >= 0 && std::isfinite(limit))) {
    return absl::InvalidArgumentError(
        absl::StrCat("the time limit must be >= 0 seconds, not ", limit));
  }
  std::vector<double> budgets = options.budgets;
  for (double budget : budgets) {
    if (!(budget > 0 && std::isfinite(budget))) {
      return absl::InvalidArgumentError(
          absl::StrCat("every budget must be > 0 seconds, not ", budget));
    }
  }
  if (!budgets.empty() && limit > 0) {
    return absl::InvalidArgumentError("a time limit and a sweep of budgets exclude each other");
  }
  std::sort(budgets.begin(), budgets.end());
  budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
  return budgets;
}

}  // namespace

std::string BudgetColumn(const std::string& agent, double budget_s) {
  return absl::StrFormat("%s@%gs", agent, budget_s);
}

const AgentOutcome* ProgramOutcome::Find(const std::string& agent) const {
  for (const AgentOutcome& outcome : agents) {
    if (outcome.agent == agent) return &outcome;
  }
  return nullptr;
}

std::optional<double> ProgramOutcome::BestProvenBound() const {
  std::optional<double> best;
  for (const AgentOutcome& outcome : agents) {
    if (outcome.valid() && outcome.proven_bound_s && (!best || *outcome.proven_bound_s > *best)) {
      best = outcome.proven_bound_s;
    }
  }
  return best;
}

absl::StatusOr<std::vector<std::string>> ListCorpus(const std::string& dir) {
  DIR* folder = opendir(dir.c_str());
  if (folder == nullptr) {
    return absl::NotFoundError(absl::StrCat(dir, ": no such corpus folder"));
  }
  std::vector<std::string> paths;
  while (dirent* entry = readdir(folder)) {
    const std::string name = entry->d_name;
    if (name.empty() || name[0] == '.' || !HasProtoExtension(name)) continue;
    const std::string path = absl::StrCat(dir, dir.back() == '/' ? "" : "/", name);
    struct stat info;
    if (stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)) paths.push_back(path);
  }
  closedir(folder);
  if (paths.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, ": no program files (.pb, .txtpb, .textproto, .json) in the folder"));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

absl::StatusOr<BenchResults> RunBench(absl::Span<const std::string> program_paths,
                                      const BenchOptions& options) {
  BenchResults results;
  results.seed = options.agent.seed;
  results.never_worse = options.never_worse;
  // The reference first, then the others in the order asked for, each once.
  results.agents = {kBenchReference};
  for (const std::string& agent : options.agents) {
    if (std::find(results.agents.begin(), results.agents.end(), agent) == results.agents.end()) {
      results.agents.push_back(agent);
    }
  }
  // Unknown names fail before any work starts, not once per program.
  const std::vector<std::string> known = AgentNames();
  for (const std::string& agent : results.agents) {
    if (std::find(known.begin(), known.end(), agent) == known.end()) {
      return absl::NotFoundError(
          absl::StrCat("unknown agent '", agent, "' (known: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  ASSIGN_OR_RETURN(results.budgets, CheckBudgets(options));
  results.time_limit_s = options.agent.time_limit_s;
  std::vector<Column> columns;
  for (const std::string& agent : results.agents) {
    if (!TakesTimeLimit(agent)) {
      columns.push_back({agent, agent, 0});
      continue;
    }
    results.time_limited.push_back(agent);
    const double limit = agent == "exact" && options.exact_time_limit_s
                             ? *options.exact_time_limit_s
                             : results.time_limit_s;
    if (results.budgets.empty()) columns.push_back({agent, agent, limit});
    for (double budget : results.budgets) {
      columns.push_back({BudgetColumn(agent, budget), agent, budget});
    }
  }
  if ((results.time_limit_s > 0 || !results.budgets.empty()) && results.time_limited.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("none of the agents takes a time limit (those that do: ",
                     absl::StrJoin(TimeLimitedAgentNames(), ", "), ")"));
  }
  results.agents.clear();
  for (const Column& column : columns) results.agents.push_back(column.label);

  const int total = static_cast<int>(program_paths.size());
  std::vector<absl::StatusOr<ProgramOutcome>> outcomes(total, absl::UnknownError("not run"));
  std::atomic<int> next{0};
  std::mutex progress_mutex;
  int done = 0;
  // Every program runs even after one fails to load, so the error reported (the first in
  // corpus order) does not depend on --jobs.
  auto work = [&] {
    for (int i = next++; i < total; i = next++) {
      outcomes[i] = RunProgram(program_paths[i], columns, options);
      std::lock_guard<std::mutex> lock(progress_mutex);
      ++done;
      if (options.on_progress) options.on_progress(done, total, program_paths[i]);
    }
  };
  const int threads = std::max(1, std::min(options.jobs, total));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();

  for (absl::StatusOr<ProgramOutcome>& outcome : outcomes) {
    if (!outcome.ok()) return outcome.status();
    results.programs.push_back(*std::move(outcome));
  }
  Summarize(results);
  return results;
}

std::vector<std::string> InvalidOutcomes(const BenchResults& results) {
  std::vector<std::string> lines;
  for (const ProgramOutcome& program : results.programs) {
    for (const AgentOutcome& outcome : program.agents) {
      if (!outcome.valid()) {
        lines.push_back(absl::StrCat(outcome.agent, " on ", program.file, ": ", outcome.error));
      }
    }
  }
  return lines;
}

std::vector<std::string> NeverWorseViolations(const BenchResults& results) {
  std::vector<std::string> lines;
  for (const ProgramOutcome& program : results.programs) {
    const AgentOutcome* reference = program.Find(kBenchReference);
    for (const AgentOutcome& outcome : program.agents) {
      if (results.never_worse.count(outcome.AgentName()) == 0 || !outcome.valid()) continue;
      if (reference == nullptr || !reference->valid()) continue;
      if (outcome.latency_s > reference->latency_s * (1 + kEqualLatencyTolerance)) {
        lines.push_back(
            absl::StrFormat("%s is slower than the heuristic on %s: %.17g s vs %.17g s (%+.6f%%)",
                            outcome.agent, program.file, outcome.latency_s, reference->latency_s,
                            100 * (outcome.latency_s / reference->latency_s - 1)));
      }
    }
  }
  return lines;
}

}  // namespace mmap_opt
