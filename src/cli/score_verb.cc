// `mmap-opt score PROGRAM ASSIGNMENT`: the simulated latency of an assignment next to the
// program's bounds. An invalid assignment is refused: exit 1, the reason on stderr.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/cli_common.h"
#include "cli/score_report.h"
#include "mmap_opt/sim/validator.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

struct ScoreOptions {
  std::string program_path;
  std::string assignment_path;
  std::string hardware;
  bool json = false;
};

// With --json an invalid assignment still prints one object, so scripts can read why.
void PrintInvalidJson(const std::vector<Violation>& violations) {
  std::vector<std::string> items;
  for (const Violation& v : violations) {
    items.push_back(absl::StrFormat(R"({"placement":%d,"buffer_id":%d,"kind":"%s","reason":%s})",
                                    v.placement, v.buffer_id, ViolationKindName(v.kind),
                                    JsonString(v.ToString())));
  }
  std::cout << R"({"valid":false,"violations":[)" << absl::StrJoin(items, ",") << "]}\n";
}

absl::Status RunScore(const ScoreOptions& opts) {
  ASSIGN_OR_RETURN(LoadedProgram loaded, LoadProgram(opts.program_path, opts.hardware));
  const Program& program = *loaded.program;
  ASSIGN_OR_RETURN(proto::Assignment assignment, LoadAssignment(opts.assignment_path, program));
  std::vector<Violation> violations = FindViolations(program, loaded.model->hardware(), assignment);
  if (!violations.empty()) {
    if (opts.json) PrintInvalidJson(violations);
    std::string message =
        absl::StrCat(opts.assignment_path, ": invalid assignment: ", violations.front().ToString());
    if (violations.size() > 1) {
      absl::StrAppend(&message, " (and ", violations.size() - 1, " more violations)");
    }
    return absl::InvalidArgumentError(message);
  }
  ASSIGN_OR_RETURN(Score score, ScoreOrExplain(*loaded.model, assignment, opts.assignment_path));
  if (opts.json) {
    std::cout << absl::StrFormat(R"({"program":%s,"agent":%s,"hardware":%s,"valid":true,)"
                                 R"("placements":%d,%s})"
                                 "\n",
                                 JsonString(program.name()), JsonString(assignment.agent()),
                                 JsonString(loaded.model->hardware().name()),
                                 assignment.placements_size(), ScoreJsonMembers(score));
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat("program          %s (%s)\n", program.name(), opts.program_path)
            << absl::StrFormat("assignment       %s: agent %s, %d placements\n",
                               opts.assignment_path,
                               assignment.agent().empty() ? "?" : assignment.agent(),
                               assignment.placements_size())
            << absl::StrFormat("hardware         %s\n", loaded.model->hardware().name())
            << ScoreRows(score);
  return absl::OkStatus();
}

}  // namespace

void AddScoreVerb(CLI::App& app) {
  auto opts = std::make_shared<ScoreOptions>();
  CLI::App* verb = app.add_subcommand(
      "score", "Simulate an assignment: latency, all-slow latency, lower bound, headroom closed");
  verb->add_option("program", opts->program_path, "Program file (.pb, .txtpb, .json or -)")
      ->required();
  verb->add_option("assignment", opts->assignment_path, "Assignment file (.pb, .txtpb, .json)")
      ->required();
  verb->add_option("--hardware", opts->hardware,
                   "Preset (tpuv4i, tpuv4i-vmem, edge-npu) or hardware file; default: the "
                   "program's own, else tpuv4i");
  verb->add_flag("--json", opts->json, "Print one JSON object instead of the table");
  verb->callback([opts] {
    absl::Status status = RunScore(*opts);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
