// Helpers shared by the verbs: error reporting and the exit code a verb leaves behind.
#ifndef MMAP_OPT_CLI_CLI_COMMON_H_
#define MMAP_OPT_CLI_CLI_COMMON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"

namespace mmap_opt {
struct AgentOptions;
struct HeuristicTuning;
}  // namespace mmap_opt

namespace mmap_opt::cli {

// Exit codes: 0 success, 1 bad input or failed work, 2 bad command line (CLI11's errors).
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The exit code the verb that ran has set.
int& ExitCode();

// Prints "mmap-opt: <message>" on one line to stderr and records a failing exit code.
void Fail(const absl::Status& status);

// Human-readable sizes and rates: "1.50 MiB", "614.0 GB/s", "1.23 GFLOP".
std::string FormatBytes(double bytes);
std::string FormatSeconds(double seconds);
std::string FormatCount(double value, const std::string& unit);

// The learned agents' options (model, search budget and the search's switches), shared by
// `solve` and `bench` so both spell them the same way.
void AddLearnedAgentOptions(CLI::App* verb, AgentOptions* options);
// --tune-steps: the budget of heuristic-tuned (and of the tuning inside hybrid).
void AddTuningOptions(CLI::App* verb, HeuristicTuning* tuning);
// --time-limit: the wall-clock budget per program of every agent that takes one.
CLI::Option* AddTimeLimitOption(CLI::App* verb, double* time_limit_s);
// Throws CLI11's ValidationError (exit 2) naming `option` when a time limit is set (> 0) and
// none of `agents` takes one.
void CheckTimeLimitTaken(const std::vector<std::string>& agents, double time_limit_s,
                         const std::string& option);

// Registration of each verb on the top-level app (one file per verb).
void AddInspectVerb(CLI::App& app);
void AddImportVerb(CLI::App& app);
void AddExportVerb(CLI::App& app);
void AddScoreVerb(CLI::App& app);
void AddSolveVerb(CLI::App& app);
void AddRenderVerb(CLI::App& app);
void AddDiffVerb(CLI::App& app);
void AddPackVerb(CLI::App& app);
void AddGenVerb(CLI::App& app);
void AddPlayVerb(CLI::App& app);
void AddTrainVerb(CLI::App& app);  // Runs in the learned library (cli/learned_library.h).
void AddBenchVerb(CLI::App& app);

}  // namespace mmap_opt::cli

#endif  // MMAP_OPT_CLI_CLI_COMMON_H_
