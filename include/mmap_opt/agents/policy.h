// Policies play the MallocGame: given the state, pick an action. Agents that need no network
// live here; the learned ones (nn/, search/) implement the same interface.
#ifndef MMAP_OPT_AGENTS_POLICY_H_
#define MMAP_OPT_AGENTS_POLICY_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "mmap_opt/game/malloc_game.h"

namespace mmap_opt {

class Policy {
 public:
  virtual ~Policy() = default;
  // An action index for the current segment; should be legal (an illegal one is executed as
  // Drop and counted as a drop-backup).
  virtual int Choose(const MallocGame& game) = 0;
};

// Uniform over the legal actions, from a seeded generator.
class RandomPolicy : public Policy {
 public:
  explicit RandomPolicy(uint64_t seed) : rng_(seed) {}
  int Choose(const MallocGame& game) override;

 private:
  std::mt19937_64 rng_;
};

// The heuristic's decisions expressed as game actions: keep in fast memory (NoCopy at the best
// candidate) when the picker allows the segment without a copy, else prefetch (Copy at the
// picker's first start and the best candidate), else Drop. Played through the MallocGame it
// reproduces RunMsaHeuristic's latency exactly with the default options (tested on every
// corpus, smoke and PyTorch/XLA program), so a search that starts from its trajectory can
// only improve on the baseline.
class HeuristicPolicy : public Policy {
 public:
  int Choose(const MallocGame& game) override;
};

// The decisions of a game that differ from the heuristic's rule, keyed by segment (buffer, use
// index) rather than by move number, so that they still apply after a deviation earlier in the
// game changed the state: the action executed at a segment where HeuristicPolicy would have
// chosen otherwise, and how often each buffer was deferred. Everything else is left to the
// rule, so that a replay lets the heuristic's greedy fill use the space a deviation freed (a
// buffer dropped early lets a later one in, as a changed buffer order does in heuristic-tuned);
// recording every action would replay the old Drops there instead. The heuristic's own game has
// an empty plan. Search agents keep the best game's plan as the incumbent and explore around it.
class GamePlan {
 public:
  // Records the step just played: `segment` is the segment it decided, `executed` what the
  // game executed (after any drop-backup). `by_rule`: the move played what HeuristicPolicy
  // chooses in that state, so the plan leaves it to the rule (a replay plays it again, drop-
  // backup included, in that state; in a changed state the rule decides afresh).
  void Record(const Segment& segment, const Action& executed, int executed_index,
              bool by_rule = false);
  // The action recorded for this segment, if any; how often the plan deferred buffer b.
  std::optional<int> action(const Segment& segment) const;
  int defers(BufferIndex b) const {
    return b < static_cast<BufferIndex>(defers_.size()) ? defers_[b] : 0;
  }
  // Eviction moves: the evict-later levels the game was played with (GameOptions::
  // later_evictions; empty: none), part of the plan, and the buffers whose eviction found no
  // window in it (StepResult::eviction_failed; sorted), where a later game may evict
  // later.
  void set_later_evictions(std::vector<int> later) { later_evictions_ = std::move(later); }
  const std::vector<int>& later_evictions() const { return later_evictions_; }
  void NoteEvictionFailed(BufferIndex b);
  const std::vector<BufferIndex>& failed_evictions() const { return failed_evictions_; }
  bool empty() const {
    return actions_.empty() && defers_.empty() &&
           std::all_of(later_evictions_.begin(), later_evictions_.end(),
                       [](int later) { return later == 0; });
  }

 private:
  static uint64_t Key(const Segment& segment) {
    return (static_cast<uint64_t>(segment.buffer) << 32) | static_cast<uint32_t>(segment.use_index);
  }
  absl::flat_hash_map<uint64_t, int> actions_;
  std::vector<int> defers_;
  std::vector<int> later_evictions_;
  std::vector<BufferIndex> failed_evictions_;
};

// Replays a plan: Defer while the plan deferred the segment's buffer more often than this game
// has, else the plan's action for the segment when it is legal, else the heuristic's choice.
// On the plan of a heuristic-game it replays that game exactly.
class PlanPolicy : public Policy {
 public:
  explicit PlanPolicy(const GamePlan& plan) : plan_(&plan) {}
  int Choose(const MallocGame& game) override { return Choose(game, nullptr); }
  // Also sets *rule to HeuristicPolicy's choice when the plan left the move to it, else -1
  // (so a caller that records departures from the rule need not ask the rule again).
  int Choose(const MallocGame& game, int* rule);

 private:
  const GamePlan* plan_;
  HeuristicPolicy fallback_;
};

// One step of a played game, for `play --trace`.
struct StepTrace {
  int segment_index;
  Segment segment;
  int chosen;
  StepResult result;
};

struct GameRecord {
  proto::Assignment assignment;
  GamePlan plan;
  double total_reward = 0;
  int drop_backups = 0;
  int steps = 0;
};

// Plays a whole game with `policy`; `on_step` (optional) sees each step before it is played.
absl::StatusOr<GameRecord> PlayGame(
    const CostModel& cost, Policy& policy, const std::string& agent,
    const GameOptions& options = {},
    const std::function<void(const MallocGame&, const StepTrace&)>& on_step = nullptr);

}  // namespace mmap_opt

#endif  // MMAP_OPT_AGENTS_POLICY_H_
