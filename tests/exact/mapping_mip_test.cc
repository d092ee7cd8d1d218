// The model relaxes the simulator: every valid assignment (every agent's, and random ones)
// maps onto a point that satisfies every row, with its simulated latency as the objective.
// No solver needed: this is the argument behind the exact agent's bound, run as code.
#include "exact/mapping_mip.h"

#include <random>

#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/sim/simulator.h"
#include "mmap_opt/sim/validator.h"
#include "exact_test_util.h"
#include "test_util.h"

namespace mmap_opt::exact {
namespace {

using ::mmap_opt::testing::RandomProgram;

void ExpectRelaxed(const MappingMip& mip, const CostModel& cost,
                   const proto::Assignment& assignment, const std::string& what) {
  absl::StatusOr<SimulationResult> sim = Simulate(cost, assignment);
  ASSERT_TRUE(sim.ok()) << what << ": " << sim.status();
  const std::vector<double> x = mip.MapAssignment(assignment, *sim);
  EXPECT_LE(mip.MaxViolation(x), 1e-7 * 1000) << what;
  EXPECT_NEAR(mip.ObjectiveSeconds(x), sim->latency_s, 1e-9 * sim->latency_s) << what;
}

TEST(MappingMipTest, EveryValidAssignmentMapsOntoAFeasiblePointAtItsLatency) {
  std::mt19937 rng(19);
  int with_copies = 0;
  for (int trial = 0; trial < 40; ++trial) {
    Program program = *Program::Create(RandomProgram(rng, 8 + rng() % 25));
    const proto::Hardware hw = RandomSmallHardware(rng, trial);
    const CostModel cost = *CostModel::Create(program, hw);
    // A third of the trials with the refined models' buckets (more single boundaries, then
    // growing by half).
    absl::StatusOr<MappingMip> mip = MappingMip::Build(
        cost, ModelOptions{.max_buckets = 2 + trial % 8 + (trial % 3 == 0 ? 8 : 0),
                           .single_boundaries = trial % 3 == 0 ? 5 + trial % 9 : 4});
    ASSERT_TRUE(mip.ok()) << mip.status();
    const std::string where = "trial " + std::to_string(trial);
    for (const char* agent : {"heuristic", "greedy", "random", "heuristic-game"}) {
      AgentOptions options;
      options.seed = trial;
      absl::StatusOr<AgentRun> run = RunAgent(agent, cost, options);
      ASSERT_TRUE(run.ok()) << run.status();
      ExpectRelaxed(*mip, cost, run->assignment, where + " " + agent);
    }
    for (int k = 0; k < 5; ++k) {
      const proto::Assignment random = RandomValidAssignment(program, hw, rng);
      with_copies += Simulate(cost, random)->copy_bytes > 0;
      ExpectRelaxed(*mip, cost, random, where + " random valid " + std::to_string(k));
    }
  }
  EXPECT_GT(with_copies, 50);
}

// Extract turns a point back into placements: the mapped point of an assignment extracts to
// one whose fast uses are the same (the packer then chooses offsets).
TEST(MappingMipTest, ExtractKeepsTheFastUsesOfAMappedAssignment) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    Program program = *Program::Create(RandomProgram(rng, 8 + rng() % 20));
    const proto::Hardware hw = RandomSmallHardware(rng, trial);
    const CostModel cost = *CostModel::Create(program, hw);
    MappingMip mip = *MappingMip::Build(cost, ModelOptions{});
    const proto::Assignment heuristic = *RunMsaHeuristic(cost);
    const SimulationResult sim = *Simulate(cost, heuristic);
    const proto::Assignment plan = mip.Extract(mip.MapAssignment(heuristic, sim));
    // Same fast reads and writes means the same instruction times.
    proto::Assignment placed = plan;
    proto::Hardware roomy = hw;
    roomy.set_fast_capacity(1 << 30);
    roomy.set_max_outstanding_prefetches(-1);
    roomy.set_max_outstanding_evictions(-1);
    roomy.set_fast_alignment(1);
    // Stack the placements so that none overlaps: validity apart from offsets.
    int64_t offset = 0;
    for (proto::Placement& p : *placed.mutable_placements()) {
      p.set_offset(offset);
      offset += program.buffer(*program.IndexOf(p.buffer_id())).size();
    }
    const CostModel roomy_cost = *CostModel::Create(program, roomy);
    absl::StatusOr<SimulationResult> replayed = Simulate(roomy_cost, placed);
    ASSERT_TRUE(replayed.ok()) << "trial " << trial << ": " << replayed.status();
    double elapsed = 0, replayed_elapsed = 0;
    for (Time t = 0; t < program.num_instructions(); ++t) {
      elapsed += sim.instructions[t].cost.elapsed_s;
      replayed_elapsed += replayed->instructions[t].cost.elapsed_s;
    }
    EXPECT_NEAR(replayed_elapsed, elapsed, 1e-9 * elapsed) << "trial " << trial;
  }
}

}  // namespace
}  // namespace mmap_opt::exact
