// SolveExact: rounds of CBC on the mapping model, each round's plan packed and simulated, with
// the heuristic's answer as the fallback and the starting incumbent.
#include "mmap_opt/exact/exact_solver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "exact/cbc_solver.h"
#include "exact/mapping_mip.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/heap/repack.h"
#include "mmap_opt/sim/simulator.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

// CBC proves bounds up to its feasibility tolerances; shave this much (relative) off so that
// rounding can never lift the printed bound above an optimal assignment's latency.
constexpr double kBoundSafety = 1e-6;

using Clock = std::chrono::steady_clock;

struct Incumbent {
  proto::Assignment assignment;
  SimulationResult simulation;
  std::string source;
};

// Offsets from the packer, then the simulator; the reason when either rejects the plan.
absl::StatusOr<Incumbent> PackAndSimulate(const CostModel& cost, const proto::Assignment& plan,
                                          double time_limit_s) {
  heap::RepackOptions repack;
  repack.time_limit_seconds = std::max(1.0, std::min(10.0, time_limit_s));
  absl::StatusOr<heap::RepackResult> packed =
      heap::Repack(cost.program(), cost.hardware(), plan, repack);
  if (!packed.ok()) return packed.status();
  if (packed->status != heap::PackStatus::kPacked) {
    return absl::ResourceExhaustedError(
        packed->status == heap::PackStatus::kInfeasible
            ? "the packer proved that its placements fit no offsets (fragmentation)"
            : "the packer found no offsets for its placements in time");
  }
  Incumbent incumbent;
  incumbent.assignment = std::move(packed->assignment);
  ASSIGN_OR_RETURN(incumbent.simulation, Simulate(cost, incumbent.assignment));
  incumbent.source = "mip";
  return incumbent;
}

}  // namespace

absl::Status CheckExactSize(const Program& program) {
  int64_t segments = 0;
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) {
    if (!program.buffer(b).slow_only()) segments += program.uses(b).size();
  }
  if (program.num_instructions() > kExactMaxInstructions || segments > kExactMaxUseSegments) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "program '%s' is too large for the exact agent: %d instructions and %d use segments "
        "(limits %d and %d)",
        program.name(), program.num_instructions(), segments, kExactMaxInstructions,
        kExactMaxUseSegments));
  }
  return absl::OkStatus();
}

absl::StatusOr<ExactResult> SolveExact(const CostModel& cost, const ExactOptions& options) {
  const auto started = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  RETURN_IF_ERROR(CheckExactSize(cost.program()));
  exact::ModelOptions model_options;
  model_options.max_buckets = options.max_buckets;
  ASSIGN_OR_RETURN(exact::MappingMip mip, exact::MappingMip::Build(cost, model_options));

  ASSIGN_OR_RETURN(proto::Assignment heuristic, RunMsaHeuristic(cost, HeuristicOptions{}));
  Incumbent best;
  best.assignment = std::move(heuristic);
  ASSIGN_OR_RETURN(best.simulation, Simulate(cost, best.assignment));
  best.source = "heuristic";

  ExactResult result;
  double bound_units = -std::numeric_limits<double>::infinity();
  std::string rejected;
  for (int round = 0; round < options.max_rounds; ++round) {
    exact::CbcLimits limits;
    limits.max_nodes = options.max_nodes;
    if (options.time_limit_s > 0) {
      limits.time_limit_s = options.time_limit_s - elapsed();
      if (limits.time_limit_s <= 0.05) break;
    }
    // The incumbent maps onto a feasible point of every round's model: CBC starts from it.
    const std::vector<double> start = mip.MapAssignment(best.assignment, best.simulation);
    ASSIGN_OR_RETURN(exact::CbcOutcome outcome, exact::SolveWithCbc(mip, &start, limits));
    ++result.rounds;
    result.nodes += outcome.nodes;
    bound_units = std::max(bound_units, outcome.bound);
    if (!outcome.has_solution) break;
    result.mip_objective_s = outcome.objective * mip.seconds_per_unit();
    const proto::Assignment plan = mip.Extract(outcome.x);
    absl::StatusOr<Incumbent> candidate = PackAndSimulate(
        cost, plan, options.time_limit_s > 0 ? options.time_limit_s - elapsed() : 10);
    if (!candidate.ok()) {
      rejected = absl::StrCat("round ", round + 1, ": ", candidate.status().message());
    } else if (candidate->simulation.latency_s < best.simulation.latency_s) {
      best = *std::move(candidate);
    } else if (candidate->simulation.latency_s > result.mip_objective_s * (1 + 1e-9)) {
      rejected = absl::StrFormat(
          "round %d: its plan simulates at %.6g s, above the model's %.6g s (first-in first-out "
          "copies, bucketed copy starts)",
          round + 1, candidate->simulation.latency_s, result.mip_objective_s);
    }
    // No copy window violated: the model is complete for this solution, and solving it again
    // would only repeat this round.
    if (mip.AddViolatedWindows(outcome.x, options.windows_per_round) == 0) break;
    if (best.simulation.latency_s <= bound_units * mip.seconds_per_unit() * (1 + kBoundSafety))
      break;
  }
  result.columns = static_cast<int>(mip.columns().size());
  result.rows = static_cast<int>(mip.rows().size());
  result.assignment = std::move(best.assignment);
  result.latency_s = best.simulation.latency_s;
  result.source = best.source;
  result.mip_bound_s = std::min(
      result.latency_s, std::max(0.0, bound_units * mip.seconds_per_unit() * (1 - kBoundSafety)));
  result.gap = result.mip_bound_s > 0 ? result.latency_s / result.mip_bound_s - 1 : 0;
  result.optimal = result.gap <= 2 * kBoundSafety;
  if (best.source != "mip") result.note = rejected;
  return result;
}

std::string ExactSummary(const ExactResult& result) {
  std::string summary = absl::StrFormat(
      "MIP bound %.6g s (gap %.3f%%%s); kept the %s assignment; %d rounds, %d columns, %d "
      "rows, %d nodes",
      result.mip_bound_s, 100 * result.gap, result.optimal ? ", proved optimal" : "", result.source,
      result.rounds, result.columns, result.rows, result.nodes);
  if (!result.note.empty()) absl::StrAppend(&summary, "; MIP plan not kept: ", result.note);
  return summary;
}

}  // namespace mmap_opt
