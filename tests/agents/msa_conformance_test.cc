// Scenarios of XLA's memory_space_assignment_test.cc (openxla/xla,
// xla/service/memory_space_assignment/), each module written anew in HLO text and imported,
// run through our re-implementation of MSA on the decimal hardware (tests/test_util.h: 100 B/s
// HBM, 1000 B/s fast memory, 1000 B of it), asserting the decisions XLA's test expects. Each
// test names the XLA test it follows. XLA's tests pick prefetch times by instruction count;
// ours by cost (xla-msa.md §1.5), so where a test pins an exact schedule index we assert the
// decision and the window it must fall in, and say so.
//
// Found and not yet conforming (no test here until it does): XLA's EvictAndPrefetch expects
// tanh evicted and prefetched back for the ROOT. On 128 bytes of the decimal hardware ours
// keeps tanh PRODUCED over [0, 16] instead (its "too long" limit, 10 x the copy of the whole
// memory, is 12.8 s, above the 10.8 s of all-slow time between); with the limit cut to ten
// instructions' time, ours leaves tanh in slow memory. Comparing like for like needs XLA's
// instruction-count prefetch picker as an option (issue 17). The DISABLED_ tests below assert
// XLA's expectation where ours differs today; each says how.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/placement_semantics.h"
#include "mmap_opt/sim/validator.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::DecimalHardware;

struct Assigned {
  proto::Program program;
  proto::Assignment assignment;
};

Assigned Assign(const std::string& hlo, const HeuristicOptions& options = {},
                const proto::Hardware& hardware = DecimalHardware()) {
  absl::StatusOr<proto::Program> proto = ImportHlo("conformance.hlo", hlo);
  EXPECT_TRUE(proto.ok()) << proto.status();
  if (!proto.ok()) return {};
  absl::StatusOr<Program> program = Program::Create(*proto);
  EXPECT_TRUE(program.ok()) << program.status();
  absl::StatusOr<CostModel> cost = CostModel::Create(*program, hardware);
  EXPECT_TRUE(cost.ok()) << cost.status();
  absl::StatusOr<proto::Assignment> assignment = RunMsaHeuristic(*cost, options);
  EXPECT_TRUE(assignment.ok()) << assignment.status();
  if (!assignment.ok()) return {};
  EXPECT_TRUE(ValidateAssignment(*program, hardware, *assignment).ok());
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

// XLA's CreateEvictAndPrefetchModule, written in HLO text: tanh is read early (a) and by the
// ROOT at the end, with 15 binary ops between.
constexpr char kEvictAndPrefetchModule[] = R"(HloModule EvictAndPrefetch, is_scheduled=true

ENTRY %main (p0: f32[2,3], p1: f32[2,3]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[2,3]{1,0} parameter(1)
  %tanh = f32[2,3]{1,0} tanh(f32[2,3]{1,0} %p0)
  %a = f32[2,3]{1,0} add(f32[2,3]{1,0} %p0, f32[2,3]{1,0} %tanh)
  %b = f32[2,3]{1,0} subtract(f32[2,3]{1,0} %p0, f32[2,3]{1,0} %p1)
  %c = f32[2,3]{1,0} multiply(f32[2,3]{1,0} %p0, f32[2,3]{1,0} %p1)
  %d = f32[2,3]{1,0} subtract(f32[2,3]{1,0} %p0, f32[2,3]{1,0} %p1)
  %e = f32[2,3]{1,0} multiply(f32[2,3]{1,0} %a, f32[2,3]{1,0} %b)
  %f = f32[2,3]{1,0} multiply(f32[2,3]{1,0} %a, f32[2,3]{1,0} %c)
  %g = f32[2,3]{1,0} multiply(f32[2,3]{1,0} %a, f32[2,3]{1,0} %d)
  %h = f32[2,3]{1,0} multiply(f32[2,3]{1,0} %b, f32[2,3]{1,0} %c)
  %i = f32[2,3]{1,0} multiply(f32[2,3]{1,0} %b, f32[2,3]{1,0} %d)
  %j = f32[2,3]{1,0} multiply(f32[2,3]{1,0} %c, f32[2,3]{1,0} %d)
  %k = f32[2,3]{1,0} add(f32[2,3]{1,0} %e, f32[2,3]{1,0} %f)
  %l = f32[2,3]{1,0} add(f32[2,3]{1,0} %g, f32[2,3]{1,0} %h)
  %m = f32[2,3]{1,0} add(f32[2,3]{1,0} %i, f32[2,3]{1,0} %j)
  %n = f32[2,3]{1,0} add(f32[2,3]{1,0} %k, f32[2,3]{1,0} %l)
  %o = f32[2,3]{1,0} add(f32[2,3]{1,0} %n, f32[2,3]{1,0} %m)
  ROOT %add = f32[2,3]{1,0} add(f32[2,3]{1,0} %o, f32[2,3]{1,0} %tanh)
}
)";

// XLA: MemorySpaceAssignmentTest.EvictAndPrefetchLimitAsyncCopies0, ...1 and ...2: with at
// most N outstanding prefetches and evictions, the assignment respects the limit (our
// validator counts them; Assign checks it); with 0, no copy at all: no prefetch, and nothing
// kept in fast memory that would need an eviction.
TEST(MsaConformanceTest, EvictAndPrefetchLimitAsyncCopies) {
  for (int limit : {0, 1, 2}) {
    proto::Hardware hw = DecimalHardware();
    hw.set_fast_capacity(128);  // XLA's tests: 128 bytes of alternate memory.
    hw.set_max_outstanding_prefetches(limit);
    hw.set_max_outstanding_evictions(limit);
    Assigned run = Assign(kEvictAndPrefetchModule, {}, hw);
    if (limit > 0) continue;
    absl::StatusOr<Program> program = Program::Create(run.program);
    ASSERT_TRUE(program.ok());
    for (const proto::Placement& p : run.assignment.placements()) {
      EXPECT_EQ(p.source(), proto::Placement::PRODUCED) << p.DebugString();
      EXPECT_FALSE(NeedsEviction(*program, *program->IndexOf(p.buffer_id()), p.end()))
          << p.DebugString();
    }
  }
}

// XLA: MemorySpaceAssignmentTest.While. body_data_mul, made and read inside the loop body,
// is independent of the loop state and goes to alternate memory.
TEST(MsaConformanceTest, While) {
  Assigned run = Assign(R"(HloModule While, is_scheduled=true

%WhileCond (cond_param: (f32[2,3], f32[])) -> pred[] {
  %cond_param = (f32[2,3]{1,0}, f32[]) parameter(0)
  %cond_iter = f32[] get-tuple-element((f32[2,3]{1,0}, f32[]) %cond_param), index=1
  %cond_limit = f32[] constant(50)
  ROOT %cond_lt = pred[] compare(f32[] %cond_iter, f32[] %cond_limit), direction=LT
}

%WhileBody (body_param: (f32[2,3], f32[])) -> (f32[2,3], f32[]) {
  %body_param = (f32[2,3]{1,0}, f32[]) parameter(0)
  %body_iter = f32[] get-tuple-element((f32[2,3]{1,0}, f32[]) %body_param), index=1
  %body_data = f32[2,3]{1,0} get-tuple-element((f32[2,3]{1,0}, f32[]) %body_param), index=0
  %body_iter_increment = f32[] constant(1)
  %body_iter_next = f32[] add(f32[] %body_iter, f32[] %body_iter_increment)
  %body_data_increment = f32[2,3]{1,0} constant({ { 1, 2, 3 }, { 4, 5, 6 } })
  %body_data_mul = f32[2,3]{1,0} multiply(f32[2,3]{1,0} %body_data, f32[2,3]{1,0} %body_data)
  %body_data_add = f32[2,3]{1,0} add(f32[2,3]{1,0} %body_data, f32[2,3]{1,0} %body_data_increment)
  %body_data_next = f32[2,3]{1,0} add(f32[2,3]{1,0} %body_data_add, f32[2,3]{1,0} %body_data_mul)
  ROOT %body_out = (f32[2,3]{1,0}, f32[]) tuple(f32[2,3]{1,0} %body_data_next, f32[] %body_iter_next)
}

ENTRY %While (param_iter: f32[2,3], param_data: f32[]) -> (f32[2,3], f32[]) {
  %param_data = f32[] parameter(1)
  %param_iter = f32[2,3]{1,0} parameter(0)
  %tuple = (f32[2,3]{1,0}, f32[]) tuple(f32[2,3]{1,0} %param_iter, f32[] %param_data)
  ROOT %while = (f32[2,3]{1,0}, f32[]) while((f32[2,3]{1,0}, f32[]) %tuple), condition=%WhileCond, body=%WhileBody
}
)");
  EXPECT_TRUE(Produced(run, "body_data_mul"));
}

// Whether some placement of `name` covers time t (a read there is fast).
bool FastAt(const Assigned& run, const std::string& name, int64_t t) {
  for (const proto::Placement& p : Of(run, name)) {
    if (p.start() <= t && t <= p.end()) return true;
  }
  return false;
}

// XLA: MemorySpaceAssignmentTest.Tuple. A tuple parameter's elements are prefetched where
// they are read late: element {1} for the add (t7) and the nested {2}{0} for the mul (t8).
// DISABLED: ours prefetches {2}{0} for the mul (copy from t2) but not {1} for the add,
// which then reads slow memory; the cause is not traced yet.
TEST(MsaConformanceTest, DISABLED_Tuple) {
  Assigned run = Assign(R"(HloModule Tuple, is_scheduled=true

ENTRY %Tuple (p: (f32[2,3], f32[2,3], (f32[2,3]))) -> f32[2,3] {
  %p = (f32[2,3]{1,0}, f32[2,3]{1,0}, (f32[2,3]{1,0})) parameter(0)
  %p0 = f32[2,3]{1,0} get-tuple-element(%p), index=0
  %negate0 = f32[2,3]{1,0} negate(%p0)
  %negate1 = f32[2,3]{1,0} negate(%negate0)
  %negate2 = f32[2,3]{1,0} negate(%negate1)
  %negate3 = f32[2,3]{1,0} negate(%negate2)
  %negate4 = f32[2,3]{1,0} negate(%negate3)
  %negate5 = f32[2,3]{1,0} negate(%negate4)
  %negate6 = f32[2,3]{1,0} negate(%negate5)
  %p1 = f32[2,3]{1,0} get-tuple-element(%p), index=1
  %add = f32[2,3]{1,0} add(%negate6, %p1)
  %p2 = (f32[2,3]{1,0}) get-tuple-element(%p), index=2
  %p2_0 = f32[2,3]{1,0} get-tuple-element(%p2), index=0
  ROOT %mul = f32[2,3]{1,0} multiply(%add, %p2_0)
}
)");
  std::vector<proto::Placement> p1 = Of(run, "p{1}");
  ASSERT_EQ(p1.size(), 1u);
  EXPECT_EQ(p1[0].source(), proto::Placement::PREFETCHED);
  EXPECT_TRUE(FastAt(run, "p{1}", 7));
  std::vector<proto::Placement> p2_0 = Of(run, "p{2}{0}");
  ASSERT_EQ(p2_0.size(), 1u);
  EXPECT_EQ(p2_0[0].source(), proto::Placement::PREFETCHED);
  EXPECT_TRUE(FastAt(run, "p{2}{0}", 8));
  EXPECT_TRUE(Produced(run, "add"));
}

// XLA: MemorySpaceAssignmentTest.Bitcast. negate goes to alternate memory, and the add reads
// it there through the bitcast (a view: a read of negate's buffer).
TEST(MsaConformanceTest, Bitcast) {
  Assigned run = Assign(R"(HloModule Bitcast, is_scheduled=true

ENTRY %Bitcast (p0: f32[2,3], p1: f32[6]) -> f32[6] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[6]{0} parameter(1)
  %negate = f32[2,3]{1,0} negate(%p0)
  %bitcast = f32[6]{0} bitcast(%negate)
  ROOT %add = f32[6]{0} add(%bitcast, %p1)
}
)");
  EXPECT_TRUE(Produced(run, "negate"));
  EXPECT_TRUE(FastAt(run, "negate", 1));
}

// XLA: MemorySpaceAssignmentTest.Bitcast2. p1, read through a bitcast by the add after five
// negates, is prefetched: the add's operand 0 is in alternate memory.
// DISABLED: ours prefetches no parameter for a read after fewer than six negates on this
// hardware (six or seven: it does, see NegateChain); XLA's instruction-count picker needs two.
TEST(MsaConformanceTest, DISABLED_Bitcast2) {
  Assigned run = Assign(R"(HloModule Bitcast2, is_scheduled=true

ENTRY %Bitcast2 (p0: f32[2,3], p1: f32[6]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[6]{0} parameter(1)
  %negate0 = f32[2,3]{1,0} negate(%p0)
  %negate1 = f32[2,3]{1,0} negate(%negate0)
  %negate2 = f32[2,3]{1,0} negate(%negate1)
  %negate3 = f32[2,3]{1,0} negate(%negate2)
  %negate4 = f32[2,3]{1,0} negate(%negate3)
  %bitcast = f32[2,3]{1,0} bitcast(%p1)
  ROOT %add = f32[2,3]{1,0} add(%bitcast, %negate4)
}
)");
  std::vector<proto::Placement> p1 = Of(run, "p1");
  ASSERT_EQ(p1.size(), 1u);
  EXPECT_EQ(p1[0].source(), proto::Placement::PREFETCHED);
  EXPECT_TRUE(FastAt(run, "p1", 5));
}

// XLA: MemorySpaceAssignmentTest.Bitcast3. p1 is prefetched and read in alternate memory
// through three bitcasts by the add (t5) and the mul (t6); add is made in alternate memory
// and read there by the mul through a bitcast.
// DISABLED: as Bitcast2, p1 read after five negates is not prefetched.
TEST(MsaConformanceTest, DISABLED_Bitcast3) {
  Assigned run = Assign(R"(HloModule Bitcast3, is_scheduled=true

ENTRY %Bitcast3 (p0: f32[2,3], p1: f32[6]) -> f32[3,2] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[6]{0} parameter(1)
  %negate0 = f32[2,3]{1,0} negate(%p0)
  %negate1 = f32[2,3]{1,0} negate(%negate0)
  %negate2 = f32[2,3]{1,0} negate(%negate1)
  %negate3 = f32[2,3]{1,0} negate(%negate2)
  %negate4 = f32[2,3]{1,0} negate(%negate3)
  %bitcast1 = f32[2,3]{1,0} bitcast(%p1)
  %add = f32[2,3]{1,0} add(%bitcast1, %negate4)
  %bitcast2 = f32[1,6]{1,0} bitcast(%p1)
  %bitcast3 = f32[3,2]{1,0} bitcast(%bitcast2)
  %bitcast4 = f32[3,2]{1,0} bitcast(%add)
  ROOT %mul = f32[3,2]{1,0} multiply(%bitcast3, %bitcast4)
}
)");
  EXPECT_TRUE(FastAt(run, "p1", 5));
  EXPECT_TRUE(FastAt(run, "p1", 6));
  EXPECT_EQ(Of(run, "p1")[0].source(), proto::Placement::PREFETCHED);
  EXPECT_TRUE(Produced(run, "add"));
  EXPECT_TRUE(FastAt(run, "add", 6));
}

}  // namespace
}  // namespace mmap_opt
