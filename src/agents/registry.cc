#include "mmap_opt/agents/registry.h"

#include "absl/strings/str_cat.h"
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
           run.summary = absl::StrCat("repacks: ", stats.repacks_tried, " tried, ",
                                      stats.repacks_applied, " applied, ",
                                      stats.buffers_improved, " buffers with more fast uses");
         }
         return run;
       }},
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
  return absl::NotFoundError(absl::StrCat("unknown agent '", name,
                                          "' (known: ", absl::StrJoin(AgentNames(), ", "), ")"));
}

}  // namespace mmap_opt
