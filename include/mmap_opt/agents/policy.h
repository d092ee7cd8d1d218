// Policies play the MallocGame: given the state, pick an action. Agents that need no network
// live here; the learned ones (nn/, search/) implement the same interface.
#ifndef MMAP_OPT_AGENTS_POLICY_H_
#define MMAP_OPT_AGENTS_POLICY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

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
// candidate) when the picker allows the segment without a copy, else prefetch (Copy at the best
// candidate), else Drop. It differs from RunMsaHeuristic in what the game cannot express: the
// heuristic reserves a chunk up to later uses at once (the game reserves one segment at a time,
// so later segments may find the offset taken), extends a produced buffer towards the
// preferred eviction end, and after a failed eviction retries the buffer produced in slow
// memory (the game executes the Drop instead).
class HeuristicPolicy : public Policy {
 public:
  int Choose(const MallocGame& game) override;
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
  double total_reward = 0;
  int drop_backups = 0;
  int steps = 0;
};

// Plays a whole game with `policy`; `on_step` (optional) sees each step before it is played.
absl::StatusOr<GameRecord> PlayGame(const CostModel& cost, Policy& policy,
                                    const std::string& agent, const GameOptions& options = {},
                                    const std::function<void(const MallocGame&, const StepTrace&)>&
                                        on_step = nullptr);

}  // namespace mmap_opt

#endif  // MMAP_OPT_AGENTS_POLICY_H_
