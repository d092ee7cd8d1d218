#include "cli/score_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli_common.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/sim/validator.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {

absl::StatusOr<LoadedProgram> LoadProgram(const std::string& path,
                                          const std::string& hardware_flag) {
  LoadedProgram loaded;
  loaded.path = path;
  ASSIGN_OR_RETURN(proto::Program program_proto, ReadProgram(path));
  ASSIGN_OR_RETURN(proto::Hardware hardware, HardwareFor(program_proto, hardware_flag));
  ASSIGN_OR_RETURN(Program program, Program::Create(std::move(program_proto)));
  loaded.program = std::make_unique<Program>(std::move(program));
  ASSIGN_OR_RETURN(CostModel model, CostModel::Create(*loaded.program, std::move(hardware)));
  loaded.model = std::make_unique<CostModel>(std::move(model));
  return loaded;
}

absl::StatusOr<proto::Assignment> LoadAssignment(const std::string& path, const Program& program) {
  ASSIGN_OR_RETURN(proto::Assignment assignment, ReadAssignment(path));
  if (!assignment.program_name().empty() && assignment.program_name() != program.name()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the assignment is for program '",
                                                   assignment.program_name(), "', not '",
                                                   program.name(), "'"));
  }
  return assignment;
}

absl::StatusOr<Score> ScoreOrExplain(const CostModel& model, const proto::Assignment& assignment,
                                     const std::string& path) {
  absl::StatusOr<Score> score = ScoreAssignment(model, assignment);
  if (!score.ok()) {
    return absl::Status(score.status().code(),
                        absl::StrCat(path, ": invalid assignment: ", score.status().message()));
  }
  return score;
}

std::string ScoreRows(const Score& score) {
  const SimulationResult& sim = score.simulation;
  return absl::StrFormat(
      "latency          %s\n"
      "all-slow         %s\n"
      "lower bound      %s\n"
      "capacity bound   %s\n"
      "headroom closed  %.1f%% (of %s)\n"
      "stall            %s\n"
      "copies           %d prefetches, %d evictions, %s\n",
      FormatSeconds(sim.latency_s), FormatSeconds(score.bounds.all_slow_s),
      FormatSeconds(score.bounds.lower_bound_s), FormatSeconds(score.bounds.capacity_bound_s),
      100 * score.headroom_closed,
      FormatSeconds(score.bounds.headroom_s), FormatSeconds(sim.stall_s), sim.prefetches,
      sim.evictions, FormatBytes(sim.copy_bytes));
}

std::string ScoreJsonMembers(const Score& score) {
  const SimulationResult& sim = score.simulation;
  return absl::StrFormat(
      R"("latency_s":%.17g,"all_slow_latency_s":%.17g,"lower_bound_s":%.17g,"capacity_bound_s":%.17g,)"
      R"("headroom_s":%.17g,"headroom_closed":%.17g,"stall_s":%.17g,"copy_bytes":%d,)"
      R"("prefetches":%d,"evictions":%d)",
      sim.latency_s, score.bounds.all_slow_s, score.bounds.lower_bound_s,
      score.bounds.capacity_bound_s, score.bounds.headroom_s,
      score.headroom_closed, sim.stall_s, sim.copy_bytes, sim.prefetches, sim.evictions);
}

}  // namespace mmap_opt::cli
