#include "mmap_opt/agents/registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

absl::StatusOr<AgentRun> FromAssignment(absl::StatusOr<proto::Assignment> assignment) {
  if (!assignment.ok()) return assignment.status();
  AgentRun run;
  run.assignment = *std::move(assignment);
  return run;
}

absl::StatusOr<AgentRun> Play(const CostModel& cost, Policy& policy, const std::string& name,
                              const AgentOptions& options) {
  ASSIGN_OR_RETURN(GameRecord record, PlayGame(cost, policy, name, options.game));
  AgentRun run;
  run.assignment = std::move(record.assignment);
  run.game_reward = record.total_reward;
  run.drop_backups = record.drop_backups;
  return run;
}

}  // namespace

std::string TunedHeuristicSummary(const TunedHeuristic& tuned) {
  const PrefetchIntervalOptions& p = tuned.options.prefetch;
  auto gain = [&](double latency_s) {
    return latency_s > 0 ? 100.0 * (tuned.base_latency_s / latency_s - 1) : 0.0;
  };
  std::string summary = absl::StrFormat(
      "tuned in %d heuristic runs: knobs %+.2f%% (overlap ratios preferred %g, minimum %g, too "
      "long %g; %d retries), then the buffer order %+.2f%% (%d steps kept): %+.2f%% against the "
      "heuristic",
      tuned.runs, gain(tuned.knobs_latency_s), p.preferred_overlap_to_async_copy_ratio,
      p.min_overlap_to_async_copy_ratio, p.max_overlap_to_mem_size_async_copy_ratio,
      tuned.options.max_retries,
      tuned.latency_s > 0 ? 100.0 * (tuned.knobs_latency_s / tuned.latency_s - 1) : 0.0,
      tuned.order_steps_kept, gain(tuned.latency_s));
  if (tuned.time_limit_s > 0) {
    absl::StrAppend(&summary,
                    absl::StrFormat("; time limit %g s: %d order steps", tuned.time_limit_s,
                                    tuned.order_steps_run),
                    tuned.grid_complete ? "" : ", the knob grid cut short");
  }
  return summary;
}

namespace {

std::vector<AgentInfo>& MutableAgents() {
  static std::vector<AgentInfo>* agents = new std::vector<AgentInfo>{
      {"none", "nothing in fast memory: the all-slow baseline",
       [](const CostModel& cost, const AgentOptions&) {
         return FromAssignment(EmptyAssignment(cost.program()));
       }},
      {"greedy", "size-ordered best fit, produced buffers only, no prefetching",
       [](const CostModel& cost, const AgentOptions&) { return FromAssignment(RunGreedy(cost)); }},
      {"heuristic", "XLA's memory-space assignment (the baseline)",
       [](const CostModel& cost, const AgentOptions& options) -> absl::StatusOr<AgentRun> {
         HeuristicStats stats;
         ASSIGN_OR_RETURN(AgentRun run,
                          FromAssignment(RunMsaHeuristic(cost, options.heuristic, &stats)));
         if (options.heuristic.max_repacks > 0) {
           run.summary =
               absl::StrCat("repacks: ", stats.repacks_tried, " tried, ", stats.repacks_applied,
                            " applied, ", stats.buffers_improved, " buffers with more fast uses");
         }
         return run;
       }},
      {"heuristic-tuned",
       "the heuristic tuned per program by the simulator: its knobs, then its buffer order "
       "(--tune-steps, --seed; --time-limit replaces the step count)",
       [](const CostModel& cost, const AgentOptions& options) -> absl::StatusOr<AgentRun> {
         HeuristicTuning tuning = options.tuning;
         tuning.seed = options.seed;
         tuning.time_limit_s = options.time_limit_s;
         ASSIGN_OR_RETURN(TunedHeuristic tuned, RunTunedHeuristic(cost, options.heuristic, tuning));
         AgentRun run;
         run.assignment = std::move(tuned.assignment);
         run.summary = TunedHeuristicSummary(tuned);
         return run;
       },
       /*takes_time_limit=*/true},
      {"heuristic-game", "the heuristic's decisions played through the MallocGame",
       [](const CostModel& cost, const AgentOptions& options) {
         HeuristicPolicy policy;
         return Play(cost, policy, "heuristic-game", options);
       }},
      {"random", "uniform over the MallocGame's legal actions (--seed)",
       [](const CostModel& cost, const AgentOptions& options) {
         RandomPolicy policy(options.seed);
         return Play(cost, policy, "random", options);
       }},
  };
  return *agents;
}

}  // namespace

const std::vector<AgentInfo>& Agents() { return MutableAgents(); }

std::vector<std::string> AgentNames() {
  std::vector<std::string> names;
  for (const AgentInfo& agent : Agents()) names.push_back(agent.name);
  return names;
}

std::vector<std::string> TimeLimitedAgentNames() {
  std::vector<std::string> names;
  for (const AgentInfo& agent : Agents()) {
    if (agent.takes_time_limit) names.push_back(agent.name);
  }
  return names;
}

bool TakesTimeLimit(absl::string_view name) {
  for (const AgentInfo& agent : Agents()) {
    if (agent.name == name) return agent.takes_time_limit;
  }
  return false;
}

namespace {

struct LearnedAgentHelp {
  const char* name;
  const char* help;
};

constexpr LearnedAgentHelp kLearnedAgents[] = {
    {"muzero",
     "Gumbel search guided by a trained model; with a budget (--time-limit, --max-games) it "
     "trains the model on this program between rounds of games (--no-learn: not)"},
    {"mcts",
     "Search without learning: Gumbel MCTS over the real game, leaves valued by rollouts of the "
     "heuristic's policy (--simulations, --rollout-steps, --time-limit)"},
    {"hybrid",
     "the heuristic, the heuristic tuned per program, and muzero searching with the tuned copy "
     "timing; keeps the fastest by the simulator (--time-limit S: S/2 for the tuning, the rest "
     "for muzero)"},
};

}  // namespace

std::vector<std::string> LearnedAgentNames() {
  std::vector<std::string> names;
  for (const LearnedAgentHelp& agent : kLearnedAgents) names.push_back(agent.name);
  return names;
}

AgentInfo LearnedAgent(absl::string_view name, AgentFn run) {
  for (const LearnedAgentHelp& agent : kLearnedAgents) {
    if (agent.name == name) return {agent.name, agent.help, std::move(run), /*takes_time_limit=*/true};
  }
  return {std::string(name), "", std::move(run), /*takes_time_limit=*/true};
}

void RegisterAgent(AgentInfo agent) {
  for (AgentInfo& existing : MutableAgents()) {
    if (existing.name == agent.name) {
      existing = std::move(agent);
      return;
    }
  }
  MutableAgents().push_back(std::move(agent));
}

absl::StatusOr<AgentRun> RunAgent(absl::string_view name, const CostModel& cost,
                                  const AgentOptions& options) {
  for (const AgentInfo& agent : Agents()) {
    if (agent.name != name) continue;
    ASSIGN_OR_RETURN(AgentRun run, agent.run(cost, options));
    run.assignment.set_program_name(cost.program().name());
    run.assignment.set_agent(agent.name);
    return run;
  }
  return absl::NotFoundError(
      absl::StrCat("unknown agent '", name, "' (known: ", absl::StrJoin(AgentNames(), ", "), ")"));
}

}  // namespace mmap_opt
