// Every agent by name, for `solve`, `bench` and `play`: run one on a program and get its
// assignment plus what the game reports. Agents built elsewhere (the LibTorch ones) add
// themselves with RegisterAgent, so this library never links torch.
#ifndef MMAP_OPT_AGENTS_REGISTRY_H_
#define MMAP_OPT_AGENTS_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/game/malloc_game.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"

namespace mmap_opt {

// What an agent may be told besides the program and hardware (in the cost model).
struct AgentOptions {
  uint64_t seed = 0;           // For agents that make random choices.
  GameOptions game;            // For agents that play the MallocGame.
  HeuristicOptions heuristic;  // For the heuristic (and agents that fall back on it).
  HeuristicTuning tuning;      // For heuristic-tuned and hybrid (its seed comes from `seed`).
  std::string model_path;      // For learned agents; empty: the bundled model.
  // Search budget of the learned agents (muzero, hybrid, mcts): simulations per move (0: the
  // network's policy alone).
  int simulations = 16;
  // Wall-clock budget in seconds of every agent that takes one (AgentInfo::takes_time_limit);
  // 0: none, each agent's deterministic step budget. muzero and mcts play further
  // (Gumbel-sampled) games while time remains and keep the best by the simulator (a game still
  // running at the limit finishes without search; 0: one deterministic game);
  // heuristic-tuned searches the buffer order until the limit (HeuristicTuning::time_limit_s);
  // hybrid gives half to its tuning and what is left to muzero.
  double time_limit_s = 0;
  // A budget in games instead of (or besides) seconds, deterministic for a seed: the first
  // deterministic game and the sampled ones after it, until this many are played (0: no
  // count; with neither budget, the first game only).
  int max_games = 0;
  // muzero with a budget of more than one game: between rounds of games, train the network on
  // them (learning on the program being mapped, train/program_learner.h). false searches with
  // the network as loaded (the ablation). Meaningless with no network (--model uniform, mcts).
  bool learn = true;
  int parallel_games = 8;  // Games searched together per round (one network batch).
  int threads = 1;         // Intra-op threads of the network.
  // Leaf values of the learned agents' search: the network's value mixed with the summed
  // reward of a `rollout_steps`-move rollout by the heuristic's policy (0: network alone).
  // The default (64 moves, all weight on the rollout) played best in the ablation on the test
  // split (README): the value head is not yet as good as a short rollout.
  int rollout_steps = 64;
  double rollout_weight = 1.0;
  // Where the search's transitions come from below the root: the real MallocGame (false) or
  // the model's learned dynamics (true, MuZero's way).
  bool learned_dynamics = false;
  // Exploration of the search agents' later rounds (muzero, mcts): each game replays the
  // fastest game so far except at about this many moves, where the search tries another action
  // (PlayOptions::anchor), and at its order moves (below). With both 0, every move is searched
  // from scratch (the old behaviour). 1 rather than 8: a searched deviation costs 16
  // simulations of 64-move rollouts, time that buys whole games; on lstm-seq2seq-large
  // training at 10 s (loaded machine) 8 played 6 rounds and reached 18.93 ms, (almost) none 24
  // rounds and 18.50 ms; over six test-split programs 1 and none were level within the noise.
  double deviations_per_game = 1;
  // Order moves of those later rounds (PlayOptions::order_deviations_per_game): Defers drawn
  // where the fastest game did not defer, weighted by the network's preference for them once
  // it has learned on the program.
  double order_deviations_per_game = 10;
  // Each game's order moves scaled by a factor drawn log-uniform in [1, this]
  // (PlayOptions::order_deviations_spread; 1: all games alike).
  double order_deviations_spread = 1;
  // Instead of the spread: each game of a round plays its order moves at one of 1, 3, 10 or 30
  // times order_deviations_per_game, drawn by how much each scale's games have taken off the
  // fastest game so far on this program (search/order_scales.h).
  bool adapt_order_scale = false;
  // Eviction moves of those later rounds (PlayOptions::eviction_deviations_per_game): buffers
  // whose eviction found no window in the fastest game, drawn to try longer ones.
  double eviction_deviations_per_game = 10;
  // Ablation only: false ends a game inside the search tree when an action is executed as
  // Drop instead of backing up the Drop state's value (DESIGN.md §5).
  bool drop_backup = true;
};

struct AgentRun {
  proto::Assignment assignment;
  std::optional<double> game_reward;  // Summed step rewards, for agents that play the game.
  int drop_backups = 0;
  std::string summary;  // One line the agent reports besides its assignment (hybrid: both).
  // A lower bound on the latency of every valid assignment that the agent proved (exact).
  std::optional<double> proven_bound_s;
};

using AgentFn = std::function<absl::StatusOr<AgentRun>(const CostModel&, const AgentOptions&)>;

struct AgentInfo {
  std::string name;
  std::string help;  // One line.
  AgentFn run;
  // Whether it honours AgentOptions::time_limit_s (a search agent); `solve` and `bench`
  // refuse a time limit for agents that take none.
  bool takes_time_limit = false;
};

// The one line heuristic-tuned (and hybrid) report about a tuning run.
std::string TunedHeuristicSummary(const TunedHeuristic& tuned);

// Built-in agents first (none, greedy, heuristic, heuristic-game, random), then registered ones.
const std::vector<AgentInfo>& Agents();
std::vector<std::string> AgentNames();
// The agents that take a time limit, in Agents() order.
std::vector<std::string> TimeLimitedAgentNames();
// Whether the named agent takes a time limit (false for an unknown name).
bool TakesTimeLimit(absl::string_view name);

// The learned agents (muzero, mcts, hybrid) live in a LibTorch library loaded on first use
// (cli/learned_library.h); their names and help are kept here so that a binary without that
// library still lists them and says why it cannot run them.
std::vector<std::string> LearnedAgentNames();
// The named learned agent's entry, running `run`. The name must be one of LearnedAgentNames().
AgentInfo LearnedAgent(absl::string_view name, AgentFn run);

// Adds an agent (a later one with the same name replaces it). Not thread-safe: call it before
// running agents, e.g. from a static initialiser.
void RegisterAgent(AgentInfo agent);

// Runs the named agent; NotFound listing the known names for an unknown one. The assignment's
// program_name and agent are filled in.
absl::StatusOr<AgentRun> RunAgent(absl::string_view name, const CostModel& cost,
                                  const AgentOptions& options);

}  // namespace mmap_opt

#endif  // MMAP_OPT_AGENTS_REGISTRY_H_
