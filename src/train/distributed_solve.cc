#include "train/distributed_solve.h"

#include <cstring>
#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/status_macros.h"
#include "train/data_parallel.h"
#include "train/program_learner.h"

namespace mmap_opt {
namespace {

// The settings every rank must share: those that decide what is played and how long.
std::string SharedSettings(absl::string_view name, const AgentOptions& o) {
  return absl::StrFormat(
      "%s, seed %d, K %d, simulations %d, time limit %g s, games %d, parallel games %d, learn %d, "
      "rollout %d x %g, deviations %g",
      name, o.seed, o.game.num_candidates, o.simulations, o.time_limit_s, o.max_games,
      o.parallel_games, o.learn, o.rollout_steps, o.rollout_weight, o.deviations_per_game);
}

absl::StatusOr<AgentRun> RunInGroup(absl::string_view name, const CostModel& cost,
                                    const AgentOptions& options, ProcessGroup& group) {
  RETURN_IF_ERROR(CheckSettingsAgree(group, SharedSettings(name, options)));
  const AgentOptions mine = ForRank(options, group.rank());
  if (name == "muzero" && LearnsOnProgram(mine)) {
    return LearnOnProgram(cost, mine, ProgramLearningOptions(), nullptr, &group);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Evaluator> evaluator, EvaluatorFor(mine));
  if (name == "muzero") return RunMuZeroInGroup(cost, mine, *evaluator, group);
  if (name == "hybrid") return RunHybrid(cost, mine, *evaluator, &group);
  return absl::InvalidArgumentError(
      absl::StrCat("a world size applies to the muzero and hybrid agents, not '", name, "'"));
}

}  // namespace

AgentOptions ForRank(const AgentOptions& options, int rank) {
  AgentOptions mine = options;
  mine.seed = options.seed + 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(rank);
  return mine;
}

StopVote StopTogether(ProcessGroup& group) {
  return [&group](bool stop) -> absl::StatusOr<bool> {
    // Rounds end at about the same time on every rank, but a barrier waits for a slow one
    // however long (a collective would time out).
    RETURN_IF_ERROR(group.Barrier("the end of a round of games"));
    std::vector<double> votes = {stop ? 1.0 : 0.0};
    RETURN_IF_ERROR(group.AllReduceSum(absl::MakeSpan(votes)));
    return votes[0] > 0;
  };
}

absl::StatusOr<AgentRun> GatherBest(ProcessGroup& group, const CostModel& cost, AgentRun run) {
  double latency = std::numeric_limits<double>::infinity();
  if (absl::StatusOr<Score> score = ScoreAssignment(cost, run.assignment); score.ok()) {
    latency = score->simulation.latency_s;
  }
  std::string mine(sizeof(double), '\0');
  std::memcpy(mine.data(), &latency, sizeof(double));
  mine += run.assignment.SerializeAsString();
  RETURN_IF_ERROR(group.Barrier("the best assignments"));
  ASSIGN_OR_RETURN(std::vector<std::string> all, group.AllGather(mine));
  int best = 0;
  double best_latency = std::numeric_limits<double>::infinity();
  for (int q = 0; q < group.world_size(); ++q) {
    double theirs;
    std::memcpy(&theirs, all[q].data(), sizeof(double));
    if (theirs < best_latency) {
      best_latency = theirs;
      best = q;
    }
  }
  if (best != group.rank()) {
    if (!run.assignment.ParseFromString(all[best].substr(sizeof(double)))) {
      return absl::InternalError(absl::StrCat("rank ", best, "'s assignment does not parse"));
    }
    run.game_reward.reset();  // Rank `best`'s game, whose reward this rank did not see.
    run.drop_backups = 0;
  }
  absl::StrAppend(&run.summary, run.summary.empty() ? "" : "; ",
                  absl::StrFormat("best of %d ranks: rank %d's", group.world_size(), best));
  return run;
}

absl::StatusOr<AgentRun> RunMuZeroInGroup(const CostModel& cost, const AgentOptions& options,
                                          Evaluator& evaluator, ProcessGroup& group) {
  ASSIGN_OR_RETURN(AgentRun run, RunMuZero(cost, options, evaluator, nullptr, StopTogether(group)));
  return GatherBest(group, cost, std::move(run));
}

absl::StatusOr<AgentRun> RunLearnedAgentInGroup(absl::string_view name, const CostModel& cost,
                                                const AgentOptions& options,
                                                const DistOptions& dist) {
  ASSIGN_OR_RETURN(std::unique_ptr<ProcessGroup> group, OpenProcessGroup(dist));
  if (group == nullptr) return RunLearnedAgent(name, cost, options);
  absl::StatusOr<AgentRun> run = RunInGroup(name, cost, options, *group);
  if (!run.ok()) group->ReportFailure(run.status());
  return run;
}

}  // namespace mmap_opt
