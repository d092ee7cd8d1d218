// The checks every target shares, the bounds property, and the list of targets.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "check.h"
#include "targets.h"

namespace mmap_opt::fuzz {

void FuzzCheck(bool ok, absl::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz check failed: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

void CheckOneLine(const absl::Status& status) {
  if (status.ok()) return;
  FuzzCheck(status.message().find_first_of("\n\r") == absl::string_view::npos,
            absl::StrCat("error message is not one line: ", status.message()));
}

namespace {

// Seconds agree up to rounding of sums over at most a few thousand instructions.
bool AtMost(double a, double b) { return a <= b + 1e-9 * std::max(std::fabs(a), std::fabs(b)); }

// Seconds in full, so that a failure shows the difference.
std::string S(double seconds) { return absl::StrFormat("%.17g", seconds); }

// A message for a failure report, cut short when long.
std::string Clip(const google::protobuf::Message& message) {
  std::string text = message.ShortDebugString();
  if (text.size() > 4000) text = text.substr(0, 4000) + " ...";
  return text;
}

}  // namespace

void CheckScoreWithinBounds(const CostModel& model, const proto::Assignment& assignment,
                            const std::vector<Violation>& violations) {
  absl::StatusOr<SimulationResult> simulation = Simulate(model, assignment);
  CheckOneLine(simulation.status());
  FuzzCheck(violations.empty() == simulation.ok(),
            absl::StrCat("the validator found ", violations.size(),
                         " violations but Simulate says ", simulation.status().ToString()));
  if (!simulation.ok()) return;
  const Bounds bounds = ComputeBounds(model);
  const double latency = simulation->latency_s;
  // On a failure, the case itself (small: fuzz inputs are) follows the message.
  const auto FuzzCheck = [&](bool ok, const std::string& what) {
    if (ok) return;
    fuzz::FuzzCheck(false, absl::StrCat(what, "\nprogram: ", Clip(model.program().proto()),
                                        "\nhardware: ", Clip(model.hardware()),
                                        "\nassignment: ", Clip(assignment)));
  };
  FuzzCheck(!std::isnan(latency) && latency >= 0, absl::StrCat("latency is ", S(latency)));
  FuzzCheck(simulation->stall_s >= 0, absl::StrCat("negative stall ", S(simulation->stall_s)));
  FuzzCheck(AtMost(bounds.lower_bound_s, latency),
            absl::StrCat("latency ", S(latency), " is below the lower bound ", S(bounds.lower_bound_s)));
  FuzzCheck(AtMost(bounds.capacity_bound_s, latency),
            absl::StrCat("latency ", S(latency), " is below the capacity bound ",
                         bounds.capacity_bound_s));
  FuzzCheck(AtMost(bounds.lower_bound_s, bounds.capacity_bound_s),
            absl::StrCat("capacity bound ", S(bounds.capacity_bound_s), " is below the lower bound ",
                         bounds.lower_bound_s));
  FuzzCheck(AtMost(latency, bounds.all_slow_s + simulation->stall_s),
            absl::StrCat("latency ", S(latency), " exceeds all-slow ", S(bounds.all_slow_s),
                         " plus stalls ", S(simulation->stall_s)));
  if (assignment.placements().empty()) {
    FuzzCheck(AtMost(latency, bounds.all_slow_s) && AtMost(bounds.all_slow_s, latency),
              absl::StrCat("the empty assignment scores ", S(latency), ", not all-slow ",
                           bounds.all_slow_s));
  }
}

void CheckAssignment(const Program& program, const proto::Hardware& hardware,
                     const proto::Assignment& assignment) {
  absl::StatusOr<CostModel> model = CostModel::Create(program, hardware);
  CheckOneLine(model.status());
  if (!model.ok()) return;
  const std::vector<Violation> violations = FindViolations(program, hardware, assignment);
  for (const Violation& v : violations) {
    FuzzCheck(v.ToString().find('\n') == std::string::npos, "a violation spans lines");
  }
  CheckOneLine(ValidateAssignment(program, hardware, assignment));
  CheckScoreWithinBounds(*model, assignment, violations);
}

const std::vector<FuzzTarget>& FuzzTargets() {
  static const std::vector<FuzzTarget> targets = {
      {"hlo_import", FuzzHloImport}, {"minimalloc_csv", FuzzMiniMallocCsv},
      {"proto_binary", FuzzProtoBinary}, {"proto_text", FuzzProtoText},
      {"proto_json", FuzzProtoJson},   {"schedule", FuzzSchedule},
  };
  return targets;
}

}  // namespace mmap_opt::fuzz
