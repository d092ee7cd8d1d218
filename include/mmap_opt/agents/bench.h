// The side-by-side evaluation behind `mmap-opt bench`: every agent on every program of a
// corpus, each assignment validated and scored by the simulator and set against the heuristic,
// summarised the way the paper reports its results.
#ifndef MMAP_OPT_AGENTS_BENCH_H_
#define MMAP_OPT_AGENTS_BENCH_H_

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/score.h"

namespace mmap_opt {

// The reference every speedup is measured against; a bench always runs it.
inline constexpr char kBenchReference[] = "heuristic";

// Agents that promise never to be slower than the heuristic on any program (the paper's
// production hybrid keeps the better of its own answer and the heuristic's). The CI gate fails
// when one of them is; an agent with that promise joins this list.
inline const std::set<std::string>& DefaultNeverWorseAgents() {
  static const std::set<std::string>* agents =
      new std::set<std::string>{"heuristic-tuned", "hybrid"};
  return *agents;
}

// Two latencies within this relative distance count as equal: only floating-point noise
// separates them (the simulator's sums in another order).
inline constexpr double kEqualLatencyTolerance = 1e-9;

struct BenchOptions {
  // Agents to run, in column order after the heuristic, which always runs first.
  std::vector<std::string> agents;
  // Seed, game options, heuristic knobs and model path, the same for every program. Each
  // program gets the same seed, so `mmap-opt solve --agent A --seed S` reproduces a row.
  // Its time_limit_s is the budget of every agent that takes one (TakesTimeLimit), so all of
  // them are compared at the same wall-clock budget; the others run without it.
  AgentOptions agent;
  // A sweep: each agent that takes a time limit runs once per budget (seconds, each > 0), in
  // a column named BudgetColumn(agent, budget); the others run once. Empty: no sweep. Not
  // together with agent.time_limit_s.
  std::vector<double> budgets;
  // The exact agent's own time limit (seconds, >= 0) when set, in place of agent.time_limit_s:
  // it certifies a bound in minutes where the other search agents are compared at their step
  // budgets (outside a sweep).
  std::optional<double> exact_time_limit_s;
  // `--hardware`: empty runs each program on its own hardware (HardwareFor).
  std::string hardware;
  // Programs solved at once (each program's agents run one after another on one thread).
  int jobs = 1;
  // Agents held to "never slower than the heuristic" (see DefaultNeverWorseAgents).
  std::set<std::string> never_worse = DefaultNeverWorseAgents();
  // Keep each agent's assignment in its outcome (for writing them out).
  bool keep_assignments = false;
  // Called after each program, from worker threads but never two at once.
  std::function<void(int done, int total, const std::string& program)> on_progress;
};

// "mcts@10s": the column of an agent run at a budget in a sweep.
std::string BudgetColumn(const std::string& agent, double budget_s);

// One agent on one program.
struct AgentOutcome {
  std::string agent;        // The column: the agent's name, or BudgetColumn() in a sweep.
  std::string agent_name;   // The agent that ran.
  double time_limit_s = 0;  // The budget it ran with (0: none, its step budget).
  std::string error;        // Why there is no score: the agent failed or its assignment is invalid.
  double latency_s = 0;
  double headroom_closed = 0;
  // Over the heuristic, in percent: (heuristic latency / latency - 1) x 100; positive is
  // faster. Absent when either side has no valid score.
  std::optional<double> speedup_percent;
  std::optional<double> game_reward;  // Summed step rewards, for agents that play the game.
  int drop_backups = 0;
  // A lower bound on every valid assignment's latency that the agent proved (exact).
  std::optional<double> proven_bound_s;
  std::string note;  // The agent's one-line summary (AgentRun::summary), if any.
  int placements = 0;
  double solve_s = 0;  // Wall time of the agent alone (the only non-deterministic number).
  proto::Assignment assignment;  // Only with BenchOptions::keep_assignments.

  bool valid() const { return error.empty(); }
  // The agent that ran (`agent` where agent_name is not set).
  const std::string& AgentName() const { return agent_name.empty() ? agent : agent_name; }
};

// Every agent on one program, in BenchOptions::agents order.
struct ProgramOutcome {
  std::string path;
  std::string file;  // The path's last component: how tables name the program.
  std::string name;  // The program's own name.
  std::string hardware;
  int instructions = 0;
  Bounds bounds;
  std::vector<AgentOutcome> agents;

  // The outcome of `agent`, or nullptr when it did not run.
  const AgentOutcome* Find(const std::string& agent) const;
  // The highest bound an agent proved on this program (the exact agent's), if any did.
  std::optional<double> BestProvenBound() const;
};

// The paper's per-agent summary against the heuristic, over the programs where both the agent
// and the heuristic have a valid score (`compared` of them).
struct AgentSummary {
  std::string agent;
  int programs = 0;  // Programs it ran on.
  int invalid = 0;   // Of those, how many gave no valid assignment (an error).
  int compared = 0;
  int improved = 0;  // Faster than the heuristic (beyond kEqualLatencyTolerance).
  int equal = 0;
  int worse = 0;
  double mean_speedup_percent = 0;
  double median_speedup_percent = 0;
  double best_speedup_percent = 0;
  double worst_speedup_percent = 0;
  std::string best_program;  // Files of the best and worst speedups.
  std::string worst_program;
  double mean_headroom_closed = 0;  // Over its valid programs.
  int drop_backups = 0;             // Summed over programs.
  double total_solve_s = 0;
};

// Pearson and Spearman correlation between an agent's summed game reward and the latency it
// gains over all-slow, as a share of the headroom (the quantity the reward is normalised to),
// over the programs where it played a game and scored. NaN where undefined (fewer than two
// games, or one side constant).
struct RewardCorrelation {
  std::string agent;
  int games = 0;
  double pearson = 0;
  double spearman = 0;
};

// An agent's mean gain over the heuristic at one budget of a sweep.
struct BudgetSummary {
  std::string agent;
  double budget_s = 0;
  AgentSummary summary;  // Of its column, BudgetColumn(agent, budget_s).
};

struct BenchResults {
  std::vector<std::string> agents;  // Column order: the heuristic, then the others once each.
  uint64_t seed = 0;
  // The time limit the agents that take one ran with (0: none), and the agents that did.
  double time_limit_s = 0;
  std::vector<std::string> time_limited;
  // A sweep's budgets, ascending, and per agent of `time_limited` and budget its summary
  // (agent by agent, budgets ascending); empty without a sweep.
  std::vector<double> budgets;
  std::vector<BudgetSummary> budget_summaries;
  std::set<std::string> never_worse;
  std::vector<ProgramOutcome> programs;         // In the order of the paths given.
  std::vector<AgentSummary> summaries;          // One per agent, in column order.
  std::vector<RewardCorrelation> correlations;  // Agents that returned a game reward.
};

// The program files of a corpus folder (extensions ProtoFormatFor knows), sorted by name;
// NotFound for a missing folder, InvalidArgument for one with no programs.
absl::StatusOr<std::vector<std::string>> ListCorpus(const std::string& dir);

// Runs the bench. A program that cannot be read is an error naming its file; an agent that
// fails or returns an invalid assignment is not: its outcome carries the reason and the
// summary counts it as invalid. Deterministic for given options apart from solve times.
absl::StatusOr<BenchResults> RunBench(absl::Span<const std::string> program_paths,
                                      const BenchOptions& options);

// Fills speedups, summaries and correlations of `results` from its outcomes (RunBench does
// this; tests and tools that edit outcomes call it again).
void Summarize(BenchResults& results);

// Statistics, exposed for tests: NaN where undefined.
double Median(std::vector<double> values);
double PearsonCorrelation(absl::Span<const double> x, absl::Span<const double> y);
double SpearmanCorrelation(absl::Span<const double> x, absl::Span<const double> y);
// 1-based ranks, ties given the mean of the ranks they span.
std::vector<double> Ranks(absl::Span<const double> values);

// "greedy on a.pb: <reason>" for every outcome without a valid score; empty when every
// agent returned a valid assignment.
std::vector<std::string> InvalidOutcomes(const BenchResults& results);

// Never-worse agents slower than the heuristic, one line each naming agent, program and the
// slowdown; empty when none is.
std::vector<std::string> NeverWorseViolations(const BenchResults& results);

}  // namespace mmap_opt

#endif  // MMAP_OPT_AGENTS_BENCH_H_
