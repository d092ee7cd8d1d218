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
#include "exact/plan_repair.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/plan/repack.h"
#include "mmap_opt/sim/simulator.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

// CBC proves bounds up to its feasibility tolerances; shave this much (relative) off so that
// rounding can never lift the printed bound above an optimal assignment's latency.
constexpr double kBoundSafety = 1e-6;

using Clock = std::chrono::steady_clock;

// The share of the time left that one plan's repair may take, and how many of a round's plans
// are repaired.
constexpr double kRepairShare = 0.1;
constexpr size_t kPlansRepaired = 8;
// The share of the time left that a round keeps from CBC for its plans, and the share of the
// limit that must be left to start another round or model.
constexpr double kPlanShare = 0.1;
constexpr double kLeftToStartAnother = 0.25;
// The share of the limit the tuned heuristic's search may take (a starting incumbent).
constexpr double kTuningShare = 0.05;
// The share of the time left that packing one plan may take (the packer's complete search).
constexpr double kPackShare = 0.02;
// The iterated local search after the models stops this share of the limit before it; its
// perturbations are drawn with this seed.
constexpr double kSearchMargin = 0.02;
constexpr uint64_t kSearchSeed = 19;

struct Incumbent {
  proto::Assignment assignment;
  SimulationResult simulation;
  std::string source;
};

// Offsets from the packer, then the simulator; the reason when either rejects the plan.
absl::StatusOr<Incumbent> PackAndSimulate(const CostModel& cost, const proto::Assignment& plan,
                                          double time_limit_s) {
  plan::RepackOptions repack;
  repack.time_limit_seconds = std::max(0.05, std::min(10.0, time_limit_s));  // Packer's own.
  absl::StatusOr<plan::RepackResult> packed =
      plan::Repack(cost.program(), cost.hardware(), plan, repack);
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

// Improves `incumbent` in place by the plan repair (the simulator's rules: FIFO copies, copy
// starts), until `until`.
void Improve(const CostModel& cost, Incumbent& incumbent, Clock::time_point until,
             ExactResult& result) {
  exact::RepairStats stats;
  proto::Assignment repaired =
      exact::RepairPlan(cost, incumbent.assignment, incumbent.simulation.latency_s, until, &stats);
  result.repair_moves += stats.improvements;
  if (stats.improvements == 0) return;
  absl::StatusOr<SimulationResult> simulation = Simulate(cost, repaired);
  if (!simulation.ok() || simulation->latency_s >= incumbent.simulation.latency_s) return;
  incumbent.assignment = std::move(repaired);
  incumbent.simulation = *std::move(simulation);
  absl::StrAppend(&incumbent.source, "+repair");
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
  const bool limited = options.time_limit_s > 0;
  // The models (CBC, packing, repair) end by their share of the limit; the iterated local
  // search after them takes the rest.
  const double models_limit_s = options.time_limit_s * (1 - options.search_share);
  auto left = [&] { return limited ? models_limit_s - elapsed() : 1e9; };
  // Every phase ends by the limit: CBC (its own deadline), the packer, the repair.
  const Clock::time_point deadline =
      limited ? started + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(options.time_limit_s))
              : Clock::time_point::max();
  // A repair's share of what is left, so that CBC keeps most of the time.
  auto repair_deadline = [&] {
    return limited ? Clock::now() +
                         std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(std::max(0.0, kRepairShare * left())))
                   : deadline;
  };
  RETURN_IF_ERROR(CheckExactSize(cost.program()));

  ExactResult result;
  // The starting incumbent: the best of the heuristic's, the heuristic game's and the tuned
  // heuristic's assignments, repaired (a valid assignment of the simulator, and CBC's first
  // solution). The tuning gets a twentieth of the limit (without one, its step budget).
  Incumbent best;
  for (const char* agent : {"heuristic", "heuristic-game", "heuristic-tuned"}) {
    Incumbent start;
    if (std::string(agent) == "heuristic") {
      ASSIGN_OR_RETURN(start.assignment, RunMsaHeuristic(cost, HeuristicOptions{}));
    } else {
      AgentOptions agent_options;
      if (limited) agent_options.time_limit_s = kTuningShare * options.time_limit_s;
      absl::StatusOr<AgentRun> run = RunAgent(agent, cost, agent_options);
      if (!run.ok()) continue;
      start.assignment = std::move(run->assignment);
    }
    absl::StatusOr<SimulationResult> simulation = Simulate(cost, start.assignment);
    if (!simulation.ok()) continue;
    start.simulation = *std::move(simulation);
    start.source = agent;
    if (best.source.empty() || start.simulation.latency_s < best.simulation.latency_s) {
      best = std::move(start);
    }
  }
  if (best.source.empty()) return absl::InternalError("the heuristic's assignment is invalid");
  Improve(cost, best, repair_deadline(), result);

  // Proved for every valid assignment by either argument: the capacity bound, and each model
  // (every one a relaxation of the simulator).
  double bound_s = cost.CapacityBoundLatency() * (1 - 1e-7);
  std::string rejected;
  // A coarse model first (fewer copy-start buckets: a looser relaxation, but one CBC often
  // solves at its root where the finer one leaves its tree unfinished, so its bound is often
  // the finer model's optimum), then the model, then (while time is left and the gap open once
  // the model has nothing more to give) a refined one with finer copy-start buckets: a tighter
  // relaxation, and plans that stall less in the simulator.
  const int first_level = options.coarse_buckets > 0 ? -1 : 0;
  double last_root_s = 0;  // Wall seconds of the last CBC root.
  for (int level = first_level; level <= options.refinements; ++level) {
    exact::ModelOptions model_options;
    // The coarse model's rounds stop at their share of the limit, so that the model after it
    // keeps most of the time.
    const double level_ends_at =
        level < 0 ? options.coarse_share * options.time_limit_s : models_limit_s;
    if (level < 0) {
      model_options.max_buckets = options.coarse_buckets;
    } else if (level > 0) {  // Twice as fine at each level.
      model_options.max_buckets = options.refined_max_buckets << (level - 1);
      model_options.single_boundaries = options.refined_single_boundaries << (level - 1);
    } else {
      model_options.max_buckets = options.max_buckets;
    }
    ASSIGN_OR_RETURN(exact::MappingMip mip, exact::MappingMip::Build(cost, model_options));
    const double unit_s = mip.seconds_per_unit();
    bool exhausted = false;  // The model's rounds ended with time left: no window violated.
    for (int round = 0; round < options.max_rounds; ++round) {
      exact::CbcLimits limits;
      limits.max_nodes = options.max_nodes;
      if (limited) {
        // A solve after the first starts only with a quarter of the limit left: CBC's root
        // (the first LP, the cut loop) does not stop at the deadline, and on a larger refined
        // model it took 46 s of a 27 s budget on mobilenetv2 (a loaded machine).
        if (result.rounds > 0 && left() < kLeftToStartAnother * options.time_limit_s) break;
        // Nor when the last root (a smaller model: rounds only add rows, refinements columns)
        // would not fit in what is left: its root would run past the limit.
        if (result.rounds > 0 && left() * (1 - kPlanShare) < last_root_s) break;
        // What is left (of the level's share), less a share to pack, simulate and repair the
        // plans it returns.
        limits.time_limit_s = std::min(left(), level_ends_at - elapsed()) * (1 - kPlanShare);
        if (limits.time_limit_s <= 0.05) break;
      }
      // The incumbent maps onto a feasible point of every round's model: CBC starts from it.
      const std::vector<double> start = mip.MapAssignment(best.assignment, best.simulation);
      // The feasibility pump ignores the deadline at the root: on dlrm-small a later round's
      // root took 18 s of a 12 s budget in it (0.4 s without). Later rounds start from the
      // incumbent, and the first round's pump has had its go at this model.
      limits.feasibility_pump = round == 0;
      ASSIGN_OR_RETURN(exact::CbcOutcome outcome, exact::SolveWithCbc(mip, &start, limits));
      ++result.rounds;
      last_root_s = outcome.root_s;
      result.nodes += outcome.nodes;
      bound_s = std::max(bound_s, outcome.bound * unit_s);
      if (!outcome.has_solution) break;
      result.mip_objective_s = outcome.objective * unit_s;
      // Every solution CBC kept, packed and simulated; the fastest few repaired.
      std::vector<Incumbent> plans;
      for (const std::vector<double>& x : outcome.solutions) {
        if (left() <= 0) break;
        absl::StatusOr<Incumbent> candidate =
            PackAndSimulate(cost, mip.Extract(x), std::min(kPackShare * left(), 10.0));
        if (!candidate.ok()) {
          rejected = absl::StrCat("round ", result.rounds, ": ", candidate.status().message());
          continue;
        }
        if (candidate->simulation.latency_s > result.mip_objective_s * (1 + 1e-9) &&
            plans.empty()) {
          rejected = absl::StrFormat(
              "round %d: its plan simulates at %.6g s, above the model's %.6g s (first-in "
              "first-out copies, bucketed copy starts)",
              result.rounds, candidate->simulation.latency_s, result.mip_objective_s);
        }
        plans.push_back(*std::move(candidate));
      }
      std::sort(plans.begin(), plans.end(), [](const Incumbent& a, const Incumbent& b) {
        return a.simulation.latency_s < b.simulation.latency_s;
      });
      // The round's plans share one repair budget (the repair's added placements can use all
      // of it on a large program; eight shares in a row would take half the time left).
      const Clock::time_point round_repair_until = repair_deadline();
      for (size_t i = 0; i < plans.size() && i < kPlansRepaired; ++i) {
        Improve(cost, plans[i], round_repair_until, result);
        if (plans[i].simulation.latency_s < best.simulation.latency_s) best = std::move(plans[i]);
      }
      if (best.simulation.latency_s <= bound_s * (1 + kBoundSafety)) break;
      // No copy window violated: the model is complete for this solution, and solving it
      // again would only repeat this round.
      if (mip.AddViolatedWindows(outcome.x, options.windows_per_round) == 0) {
        exhausted = outcome.optimal;
        break;
      }
    }
    result.columns = static_cast<int>(mip.columns().size());
    result.rows = static_cast<int>(mip.rows().size());
    result.refinements = std::max(0, level);
    // Past the coarse model, finished or not, while the gap is open and time is left.
    if (best.simulation.latency_s <= bound_s * (1 + kBoundSafety) || left() <= 0.05 ||
        (level >= 0 && !exhausted) ||
        (limited && left() < kLeftToStartAnother * options.time_limit_s)) {
      break;
    }
  }
  // Time left once no further model or round fits in it: an iterated local search from the
  // best plan (perturbed and repaired), until just before the limit.
  if (limited && best.simulation.latency_s > bound_s * (1 + kBoundSafety) &&
      options.time_limit_s - elapsed() > kSearchMargin * options.time_limit_s + 0.5) {
    const Clock::time_point until =
        deadline - std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(kSearchMargin * options.time_limit_s));
    exact::RepairStats stats;
    proto::Assignment searched = exact::PerturbAndRepair(
        cost, best.assignment, best.simulation.latency_s, kSearchSeed,
        std::numeric_limits<int>::max(), until, &stats, bound_s * (1 + kBoundSafety));
    result.search_improvements = stats.improvements;
    absl::StatusOr<SimulationResult> simulation = Simulate(cost, searched);
    if (simulation.ok() && simulation->latency_s < best.simulation.latency_s) {
      best.assignment = std::move(searched);
      best.simulation = *std::move(simulation);
      absl::StrAppend(&best.source, "+search");
    }
  }
  result.assignment = std::move(best.assignment);
  result.latency_s = best.simulation.latency_s;
  result.source = best.source;
  result.mip_bound_s = std::min(result.latency_s, std::max(0.0, bound_s * (1 - kBoundSafety)));
  result.gap = result.mip_bound_s > 0 ? result.latency_s / result.mip_bound_s - 1 : 0;
  result.optimal = result.gap <= 2 * kBoundSafety;
  if (best.source.rfind("mip", 0) != 0) result.note = rejected;  // Not the model's plan.
  return result;
}

std::string ExactSummary(const ExactResult& result) {
  std::string summary = absl::StrFormat(
      "MIP bound %.6g s (gap %.3f%%%s); kept the %s assignment; %d rounds, %d refined "
      "models, %d columns, %d rows, %d nodes, %d repair moves, %d search improvements",
      result.mip_bound_s, 100 * result.gap, result.optimal ? ", proved optimal" : "", result.source,
      result.rounds, result.refinements, result.columns, result.rows, result.nodes,
      result.repair_moves, result.search_improvements);
  if (!result.note.empty()) absl::StrAppend(&summary, "; MIP plan not kept: ", result.note);
  return summary;
}

}  // namespace mmap_opt
