// Loading and printing shared by the simulator's verbs: score, solve, render and diff.
#ifndef MMAP_OPT_CLI_SCORE_REPORT_H_
#define MMAP_OPT_CLI_SCORE_REPORT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "io/json_text.h"  // JsonString, for the verbs' --json output.
#include "mmap_opt/model/program.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/score.h"

namespace mmap_opt::cli {

// A program with its cost model on the hardware a verb runs on. Held by pointer because the
// cost model keeps a reference to the program.
struct LoadedProgram {
  std::string path;
  std::unique_ptr<Program> program;
  std::unique_ptr<CostModel> model;
};

// Reads and validates the program, resolves `--hardware` (HardwareFor) and builds the model.
absl::StatusOr<LoadedProgram> LoadProgram(const std::string& path,
                                          const std::string& hardware_flag);

// Reads an assignment; an assignment written for another program is an error naming both.
absl::StatusOr<proto::Assignment> LoadAssignment(const std::string& path, const Program& program);

// Validates; InvalidArgument "<path>: <first violation> (and N more violations)" otherwise.
absl::StatusOr<Score> ScoreOrExplain(const CostModel& model, const proto::Assignment& assignment,
                                     const std::string& path);

// The rows every score report shares: latency, all-slow, lower bound, headroom closed, stall,
// copies. Each row is "<label padded to 17>value\n".
std::string ScoreRows(const Score& score);

// The same as JSON members (no braces): "latency_s":...,"all_slow_latency_s":...
std::string ScoreJsonMembers(const Score& score);

}  // namespace mmap_opt::cli

#endif  // MMAP_OPT_CLI_SCORE_REPORT_H_
