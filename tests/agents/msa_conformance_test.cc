// Scenarios of XLA's memory_space_assignment_test.cc (openxla/xla,
// xla/service/memory_space_assignment/), each module written anew in HLO text and imported,
// run through our re-implementation of MSA on the decimal hardware (tests/test_util.h: 100 B/s
// HBM, 1000 B/s fast memory, 1000 B of it), asserting the decisions XLA's test expects. Each
// test names the XLA test it follows. XLA's tests pick prefetch times by instruction count;
// ours by cost (xla-msa.md §1.5), so where a test pins an exact schedule index we assert the
// decision and the window it must fall in, and say so.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/validator.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::DecimalHardware;

struct Assigned {
  proto::Program program;
  proto::Assignment assignment;
};

Assigned Assign(const std::string& hlo, const HeuristicOptions& options = {}) {
  absl::StatusOr<proto::Program> proto = ImportHlo("conformance.hlo", hlo);
  EXPECT_TRUE(proto.ok()) << proto.status();
  if (!proto.ok()) return {};
  absl::StatusOr<Program> program = Program::Create(*proto);
  EXPECT_TRUE(program.ok()) << program.status();
  absl::StatusOr<CostModel> cost = CostModel::Create(*program, DecimalHardware());
  EXPECT_TRUE(cost.ok()) << cost.status();
  absl::StatusOr<proto::Assignment> assignment = RunMsaHeuristic(*cost, options);
  EXPECT_TRUE(assignment.ok()) << assignment.status();
  if (!assignment.ok()) return {};
  EXPECT_TRUE(ValidateAssignment(*program, DecimalHardware(), *assignment).ok());
  return {*proto, *assignment};
}

// The placements of the buffer named `name`.
std::vector<proto::Placement> Of(const Assigned& run, const std::string& name) {
  std::vector<proto::Placement> out;
  for (const proto::Placement& p : run.assignment.placements()) {
    if (run.program.buffers(p.buffer_id()).name() == name) out.push_back(p);
  }
  return out;
}

bool Produced(const Assigned& run, const std::string& name) {
  std::vector<proto::Placement> p = Of(run, name);
  return p.size() == 1 && p[0].source() == proto::Placement::PRODUCED;
}

// XLA: MemorySpaceAssignmentTest.Simple. add and sub (f32[2,3]) go to alternate memory; the
// parameters and the output mul stay in default memory.
TEST(MsaConformanceTest, Simple) {
  Assigned run = Assign(R"(HloModule Simple, is_scheduled=true

ENTRY %Simple (p0: f32[2,3], p1: f32[2,3]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[2,3]{1,0} parameter(1)
  %add = f32[2,3]{1,0} add(f32[2,3]{1,0} %p0, f32[2,3]{1,0} %p1)
  %sub = f32[2,3]{1,0} subtract(f32[2,3]{1,0} %p0, f32[2,3]{1,0} %p1)
  ROOT %mul = f32[2,3]{1,0} multiply(f32[2,3]{1,0} %add, f32[2,3]{1,0} %sub)
}
)");
  EXPECT_TRUE(Produced(run, "add"));
  EXPECT_TRUE(Produced(run, "sub"));
  EXPECT_TRUE(Of(run, "mul").empty());
  EXPECT_TRUE(Of(run, "p0").empty());
  EXPECT_TRUE(Of(run, "p1").empty());
}

// XLA: MemorySpaceAssignmentTest.NegateChain. The chain is long enough for p1 to be
// prefetched for the add, its copy-done just before add (t7); every negate lives in alternate
// memory; the parameters and the output stay in default memory.
TEST(MsaConformanceTest, NegateChain) {
  Assigned run = Assign(R"(HloModule NegateChain, is_scheduled=true

ENTRY %NegateChain (p0: f32[2,3], p1: f32[2,3]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[2,3]{1,0} parameter(1)
  %negate0 = f32[2,3]{1,0} negate(f32[2,3]{1,0} %p0)
  %negate1 = f32[2,3]{1,0} negate(f32[2,3]{1,0} %negate0)
  %negate2 = f32[2,3]{1,0} negate(f32[2,3]{1,0} %negate1)
  %negate3 = f32[2,3]{1,0} negate(f32[2,3]{1,0} %negate2)
  %negate4 = f32[2,3]{1,0} negate(f32[2,3]{1,0} %negate3)
  %negate5 = f32[2,3]{1,0} negate(f32[2,3]{1,0} %negate4)
  %negate6 = f32[2,3]{1,0} negate(f32[2,3]{1,0} %negate5)
  ROOT %add = f32[2,3]{1,0} add(f32[2,3]{1,0} %negate6, f32[2,3]{1,0} %p1)
}
)");
  for (const std::string name :
       {"negate0", "negate1", "negate2", "negate3", "negate4", "negate5", "negate6"}) {
    EXPECT_TRUE(Produced(run, name)) << name;
  }
  std::vector<proto::Placement> p1 = Of(run, "p1");
  ASSERT_EQ(p1.size(), 1u);
  EXPECT_EQ(p1[0].source(), proto::Placement::PREFETCHED);
  EXPECT_EQ(p1[0].start(), 7);
  // XLA's instruction-count picker issues the copy at t0; our cost-based picker issues it at
  // t1, one negate later (a listed difference: the decision, a prefetch hidden behind the
  // chain, is the same).
  EXPECT_EQ(p1[0].copy_start(), 1);
  EXPECT_TRUE(Of(run, "p0").empty());
  EXPECT_TRUE(Of(run, "add").empty());
}

}  // namespace
}  // namespace mmap_opt
