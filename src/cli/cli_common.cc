#include "cli/cli_common.h"

#include <cmath>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "mmap_opt/agents/registry.h"

namespace mmap_opt::cli {

int& ExitCode() {
  static int code = 0;
  return code;
}

void Fail(const absl::Status& status) {
  // One line, whatever the message: scripts grep stderr.
  std::string message = absl::StrReplaceAll(status.message(), {{"\n", " "}, {"\r", " "}});
  std::cerr << "mmap-opt: " << message << "\n";
  ExitCode() = kExitFailure;
}

std::string FormatBytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (std::fabs(bytes) >= 1024 && unit < 5) {
    bytes /= 1024;
    ++unit;
  }
  if (unit == 0) return absl::StrFormat("%.0f B", bytes);
  return absl::StrFormat("%.2f %s", bytes, kUnits[unit]);
}

std::string FormatSeconds(double seconds) {
  if (seconds == 0) return "0 s";
  if (std::fabs(seconds) >= 1) return absl::StrFormat("%.3f s", seconds);
  if (std::fabs(seconds) >= 1e-3) return absl::StrFormat("%.3f ms", seconds * 1e3);
  if (std::fabs(seconds) >= 1e-6) return absl::StrFormat("%.3f us", seconds * 1e6);
  return absl::StrFormat("%.3f ns", seconds * 1e9);
}

std::string FormatCount(double value, const std::string& unit) {
  static const char* kPrefixes[] = {"", "K", "M", "G", "T", "P", "E"};
  int prefix = 0;
  while (std::fabs(value) >= 1000 && prefix < 6) {
    value /= 1000;
    ++prefix;
  }
  if (prefix == 0) return absl::StrFormat("%.0f %s", value, unit);
  return absl::StrFormat("%.2f %s%s", value, kPrefixes[prefix], unit);
}

void AddTuningOptions(CLI::App* verb, HeuristicTuning* tuning) {
  verb->add_option("--tune-steps", tuning->order_steps,
                   "heuristic-tuned and hybrid: steps of the local search over the buffer order "
                   "(one heuristic run each, after the 97 of the knob grid; 0: knobs only); a "
                   "--time-limit replaces it")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000000));
}

CLI::Option* AddTimeLimitOption(CLI::App* verb, double* time_limit_s) {
  return verb
      ->add_option("--time-limit", *time_limit_s,
                   absl::StrCat("Seconds per program for the search agents (",
                                absl::StrJoin(TimeLimitedAgentNames(), ", "),
                                "), which then search until it is spent and keep the fastest "
                                "found: heuristic-tuned its buffer order (in place of "
                                "--tune-steps), muzero and mcts further sampled games, hybrid "
                                "half for its tuning and the rest for muzero. The run or game in "
                                "progress at the limit finishes. 0: none, their step budgets"))
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
}

void CheckTimeLimitTaken(const std::vector<std::string>& agents, double time_limit_s,
                         const std::string& option) {
  if (time_limit_s <= 0) return;
  for (const std::string& agent : agents) {
    if (TakesTimeLimit(agent)) return;
  }
  throw CLI::ValidationError(
      option, absl::StrCat(absl::StrJoin(agents, ", "), agents.size() == 1 ? " takes" : " take",
                           " no time limit (the agents that do: ",
                           absl::StrJoin(TimeLimitedAgentNames(), ", "), ")"));
}

void AddLearnedAgentOptions(CLI::App* verb, AgentOptions* options) {
  const std::string group = "Learned agents (muzero, hybrid, mcts)";
  verb->add_option("--model", options->model_path,
                   "Model file; default: the bundled one; 'uniform': search without a network")
      ->group(group);
  verb->add_option("--simulations", options->simulations,
                   "Search simulations per move (0: the policy alone, no search)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000))
      ->group(group);
  verb->add_option("--max-games", options->max_games,
                   "Games per program (the first deterministic, then sampled rounds), "
                   "deterministic for a seed; with --time-limit, whichever ends first (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000000))
      ->group(group);
  verb->add_option("--games-per-round", options->parallel_games,
                   "Games searched together in each round after the first (one network batch); "
                   "muzero learning on the program trains between rounds")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096))
      ->group(group);
  verb->add_flag("!--no-learn", options->learn,
                 "muzero: search with the model as loaded instead of training it on the "
                 "program between rounds of games (the ablation)")
      ->group(group);
  verb->add_option("--threads", options->threads, "Intra-op threads of the network")
      ->capture_default_str()
      ->check(CLI::Range(1, 256))
      ->group(group);
  verb->add_option("--rollout-steps", options->rollout_steps,
                   "Moves of the heuristic's policy rolled out from each search leaf (0: the "
                   "network's value alone)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000))
      ->group(group);
  verb->add_option("--rollout-weight", options->rollout_weight,
                   "Weight of the rollout in a leaf's value (the network's: 1 minus this)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0))
      ->group(group);
  verb->add_option("--deviations", options->deviations_per_game,
                   "Moves per game, on average, where later rounds search away from the fastest "
                   "game so far, which they otherwise replay (0 with --order-deviations 0 and "
                   "--eviction-deviations 0: search every move)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6))
      ->group(group);
  verb->add_option("--order-deviations", options->order_deviations_per_game,
                   "Defers per game, on average, that later rounds draw where the fastest game "
                   "so far did not defer, weighted by the network's preference (reorderings, "
                   "judged by the whole game; 0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6))
      ->group(group);
  verb->add_option("--order-deviations-spread", options->order_deviations_spread,
                   "Each game draws its order moves log-uniform between --order-deviations and "
                   "this many times as many (1: every game the same)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e6))
      ->group(group);
  verb->add_flag("--adapt-order-scale", options->adapt_order_scale,
                 "Instead of the spread: each game plays its order moves at 1, 3, 10 or 30 times "
                 "--order-deviations, drawn by how much each scale's games have taken off the "
                 "fastest game so far on this program")
      ->group(group);
  verb->add_option("--eviction-deviations", options->eviction_deviations_per_game,
                   "Buffers per game, on average, that later rounds let evict later (try "
                   "longer eviction windows) where the fastest game so far found none for "
                   "them (judged by the whole game; 0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6))
      ->group(group);
  verb->add_flag("--learned-dynamics", options->learned_dynamics,
                 "Search in the model's learned dynamics below the root (MuZero's way) instead "
                 "of the real game")
      ->group(group);
  verb->add_flag("!--no-drop-backup", options->drop_backup,
                 "Ablation: a placement executed as Drop ends the game inside the search tree")
      ->group(group);
}

}  // namespace mmap_opt::cli
