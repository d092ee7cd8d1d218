// `mmap-opt diff PROGRAM A B`: what changed between two assignments and what it is worth.
// With --fail-if-slower PCT it exits 1 when B is more than PCT percent slower than A: CI runs
// it against the baseline assignments.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/cli_common.h"
#include "cli/score_report.h"
#include "mmap_opt/sim/assignment_diff.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

struct DiffOptions {
  std::string program_path;
  std::string a_path;
  std::string b_path;
  std::string hardware;
  bool json = false;
  double fail_if_slower = -1;  // Percent; negative: never fail.
  int top = 10;
};

void PrintText(const DiffOptions& opts, const Program& program, const proto::Assignment& a,
               const proto::Assignment& b, const AssignmentDiff& diff) {
  std::cout << absl::StrFormat("program  %s (%s)\n", program.name(), opts.program_path)
            << absl::StrFormat("A        %s (agent %s): %s\n", opts.a_path,
                               a.agent().empty() ? "?" : a.agent(),
                               FormatSeconds(diff.a.simulation.latency_s))
            << absl::StrFormat("B        %s (agent %s): %s\n", opts.b_path,
                               b.agent().empty() ? "?" : b.agent(),
                               FormatSeconds(diff.b.simulation.latency_s))
            << absl::StrFormat("delta    %s%s (%+.2f%%); headroom closed %.1f%% -> %.1f%%\n",
                               diff.delta_s() > 0 ? "+" : "", FormatSeconds(diff.delta_s()),
                               diff.delta_percent(), 100 * diff.a.headroom_closed,
                               100 * diff.b.headroom_closed);
  for (BufferChangeKind kind : {BufferChangeKind::kEntered, BufferChangeKind::kLeft,
                                BufferChangeKind::kMoved, BufferChangeKind::kRetimed}) {
    std::vector<const BufferChange*> of_kind;
    for (const BufferChange& change : diff.changes) {
      if (change.kind == kind) of_kind.push_back(&change);
    }
    if (of_kind.empty()) continue;
    static const char* kTitles[] = {"entered fast memory in B", "left fast memory in B",
                                    "moved offset", "changed copy timing"};
    std::cout << absl::StrFormat("%s (%d)\n", kTitles[static_cast<int>(kind)], of_kind.size());
    for (const BufferChange* change : of_kind) {
      const proto::Buffer& buffer = program.buffer(change->buffer);
      std::cout << absl::StrFormat("  %-24s %10s  A: %s  B: %s\n",
                                   absl::StrCat(buffer.id(), " '", buffer.name(), "'"),
                                   FormatBytes(buffer.size()), change->a, change->b);
    }
  }
  if (diff.changes.empty()) std::cout << "no placement differs\n";
  if (diff.top.empty()) return;
  std::cout << "top contributions (instruction: A -> B, delta)\n";
  for (const InstructionDelta& d : diff.top) {
    std::cout << absl::StrFormat("  t=%-6d %-24s %s -> %s, %s%s\n", d.time,
                                 program.instruction(d.time).name(), FormatSeconds(d.a_s),
                                 FormatSeconds(d.b_s), d.delta_s() > 0 ? "+" : "",
                                 FormatSeconds(d.delta_s()));
  }
}

void PrintJson(const Program& program, const AssignmentDiff& diff) {
  std::vector<std::string> changes, top;
  for (const BufferChange& c : diff.changes) {
    const proto::Buffer& buffer = program.buffer(c.buffer);
    changes.push_back(absl::StrFormat(
        R"({"buffer_id":%d,"name":%s,"change":"%s","a":%s,"b":%s})", buffer.id(),
        JsonString(buffer.name()), BufferChangeKindName(c.kind), JsonString(c.a), JsonString(c.b)));
  }
  for (const InstructionDelta& d : diff.top) {
    top.push_back(
        absl::StrFormat(R"({"time":%d,"name":%s,"a_s":%.17g,"b_s":%.17g,"delta_s":%.17g})", d.time,
                        JsonString(program.instruction(d.time).name()), d.a_s, d.b_s, d.delta_s()));
  }
  std::cout << absl::StrFormat(
      R"({"program":%s,"a":{%s},"b":{%s},"delta_s":%.17g,"delta_percent":%.17g,)"
      R"("changes":[%s],"top":[%s]})"
      "\n",
      JsonString(program.name()), ScoreJsonMembers(diff.a), ScoreJsonMembers(diff.b),
      diff.delta_s(), diff.delta_percent(), absl::StrJoin(changes, ","), absl::StrJoin(top, ","));
}

absl::Status RunDiff(const DiffOptions& opts) {
  ASSIGN_OR_RETURN(LoadedProgram loaded, LoadProgram(opts.program_path, opts.hardware));
  const Program& program = *loaded.program;
  ASSIGN_OR_RETURN(proto::Assignment a, LoadAssignment(opts.a_path, program));
  ASSIGN_OR_RETURN(proto::Assignment b, LoadAssignment(opts.b_path, program));
  // Score each side on its own first, so that an invalid one is named by its path.
  RETURN_IF_ERROR(ScoreOrExplain(*loaded.model, a, opts.a_path).status());
  RETURN_IF_ERROR(ScoreOrExplain(*loaded.model, b, opts.b_path).status());
  ASSIGN_OR_RETURN(AssignmentDiff diff, DiffAssignments(*loaded.model, a, b, opts.top));
  if (opts.json) {
    PrintJson(program, diff);
  } else {
    PrintText(opts, program, a, b, diff);
  }
  if (opts.fail_if_slower >= 0 && diff.delta_percent() > opts.fail_if_slower) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s is %.2f%% slower than %s (more than the %.2f%% allowed by --fail-if-slower)",
        opts.b_path, diff.delta_percent(), opts.a_path, opts.fail_if_slower));
  }
  return absl::OkStatus();
}

}  // namespace

void AddDiffVerb(CLI::App& app) {
  auto opts = std::make_shared<DiffOptions>();
  CLI::App* verb = app.add_subcommand(
      "diff", "Compare two assignments of a program: what changed and what it is worth");
  verb->add_option("program", opts->program_path, "Program file (.pb, .txtpb, .json or -)")
      ->required();
  verb->add_option("a", opts->a_path, "The reference assignment (A)")->required();
  verb->add_option("b", opts->b_path, "The assignment compared with it (B)")->required();
  verb->add_option("--hardware", opts->hardware,
                   "Preset (tpuv4i, tpuv4i-vmem, edge-npu) or hardware file; default: the "
                   "program's own, else tpuv4i");
  verb->add_flag("--json", opts->json, "Print one JSON object instead of the report");
  verb->add_option("--fail-if-slower", opts->fail_if_slower,
                   "Exit 1 when B's latency exceeds A's by more than PCT percent")
      ->check(CLI::NonNegativeNumber);
  verb->add_option("--top", opts->top, "How many instructions to list by time change")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  verb->callback([opts] {
    absl::Status status = RunDiff(*opts);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
