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
// candidate) when the picker allows the segment without a copy, else prefetch (Copy at the
// picker's first start and the best candidate), else Drop. Played through the MallocGame it
// reproduces RunMsaHeuristic's latency exactly with the default options (tested on every
// corpus, smoke and PyTorch/XLA program), so a search that starts from its trajectory can
// only improve on the baseline.
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
