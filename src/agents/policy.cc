#include "mmap_opt/agents/policy.h"

#include <vector>

#include "mmap_opt/status_macros.h"

namespace mmap_opt {

int RandomPolicy::Choose(const MallocGame& game) {
  std::vector<int> legal;
  for (int a = 0; a < game.num_actions(); ++a) {
    if (game.legal()[a]) legal.push_back(a);
  }
  return legal[std::uniform_int_distribution<size_t>(0, legal.size() - 1)(rng_)];
}

int HeuristicPolicy::Choose(const MallocGame& game) {
  const Segment& seg = game.segment();
  const Action keep{ActionKind::kNoCopy, 0};
  const Action prefetch{ActionKind::kCopy, 0};
  if (game.legal()[game.EncodeAction(keep)] &&
      game.picker().CanKeepWithoutCopy(seg.start, seg.use)) {
    return game.EncodeAction(keep);
  }
  if (game.legal()[game.EncodeAction(prefetch)]) return game.EncodeAction(prefetch);
  return 0;
}

absl::StatusOr<GameRecord> PlayGame(
    const CostModel& cost, Policy& policy, const std::string& agent, const GameOptions& options,
    const std::function<void(const MallocGame&, const StepTrace&)>& on_step) {
  ASSIGN_OR_RETURN(MallocGame game, MallocGame::Create(cost, options));
  GameRecord record;
  while (!game.done()) {
    StepTrace trace{game.segment_index(), game.segment(), policy.Choose(game), {}};
    if (on_step) {
      // The trace shows the state the action was chosen in, then its result.
      MallocGame::Snapshot snapshot = game.Save();
      trace.result = game.Step(trace.chosen);
      game.Restore(snapshot);
      on_step(game, trace);
    }
    game.Step(trace.chosen);
    ++record.steps;
  }
  record.assignment = game.ToAssignment(agent);
  record.total_reward = game.total_reward();
  record.drop_backups = game.drop_backups();
  return record;
}

}  // namespace mmap_opt
