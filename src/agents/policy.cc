#include "mmap_opt/agents/policy.h"

#include <algorithm>
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

void GamePlan::Record(const Segment& segment, const Action& executed, int executed_index,
                      bool by_rule) {
  if (executed.kind == ActionKind::kDefer) {
    if (static_cast<BufferIndex>(defers_.size()) <= segment.buffer) {
      defers_.resize(segment.buffer + 1, 0);
    }
    ++defers_[segment.buffer];
    return;
  }
  if (by_rule) {
    actions_.erase(Key(segment));
    return;
  }
  actions_[Key(segment)] = executed_index;
}

void GamePlan::NoteEvictionFailed(BufferIndex b) {
  auto at = std::lower_bound(failed_evictions_.begin(), failed_evictions_.end(), b);
  if (at == failed_evictions_.end() || *at != b) failed_evictions_.insert(at, b);
}

std::optional<int> GamePlan::action(const Segment& segment) const {
  auto it = actions_.find(Key(segment));
  if (it == actions_.end()) return std::nullopt;
  return it->second;
}

int PlanPolicy::Choose(const MallocGame& game, int* rule) {
  if (rule != nullptr) *rule = -1;
  const Segment& seg = game.segment();
  if (game.options().max_defers > 0 && plan_->defers(seg.buffer) > game.defers()) {
    const int defer = game.EncodeAction({ActionKind::kDefer, 0});
    if (game.legal()[defer]) return defer;
  }
  const std::optional<int> planned = plan_->action(seg);
  if (planned && *planned < game.num_actions() && game.legal()[*planned]) return *planned;
  const int chosen = fallback_.Choose(game);
  if (rule != nullptr) *rule = chosen;
  return chosen;
}

absl::StatusOr<GameRecord> PlayGame(
    const CostModel& cost, Policy& policy, const std::string& agent, const GameOptions& options,
    const std::function<void(const MallocGame&, const StepTrace&)>& on_step) {
  ASSIGN_OR_RETURN(MallocGame game, MallocGame::Create(cost, options));
  GameRecord record;
  record.plan.set_later_evictions(options.later_evictions);
  HeuristicPolicy rule;
  while (!game.done()) {
    StepTrace trace{game.segment_index(), game.segment(), policy.Choose(game), {}};
    if (on_step) {
      // The trace shows the state the action was chosen in, then its result.
      MallocGame::Snapshot snapshot = game.Save();
      trace.result = game.Step(trace.chosen);
      game.Restore(snapshot);
      on_step(game, trace);
    }
    const Segment segment = game.segment();
    const int chosen_by_rule = rule.Choose(game);
    const StepResult step = game.Step(trace.chosen);
    record.plan.Record(segment, step.executed, game.EncodeAction(step.executed),
                       trace.chosen == chosen_by_rule);
    if (step.eviction_failed) record.plan.NoteEvictionFailed(segment.buffer);
    ++record.steps;
  }
  record.assignment = game.ToAssignment(agent);
  record.total_reward = game.total_reward();
  record.drop_backups = game.drop_backups();
  return record;
}

}  // namespace mmap_opt
