// Conformance with XLA's memory_space_assignment_test.cc (openxla/xla,
// xla/service/memory_space_assignment/; the scenarios date from its 2020 form in
// tensorflow/compiler/xla/service/), part 1: prefetches, evictions, limits and the buffer order.
// Each module is written anew in HLO text and run through our re-implementation of MSA with
// XLA's test set-up mapped onto ours (tests/conformance_util.h): XLA's test machine as a
// hardware file (tests/testdata/conformance/xla_msa_test.txtpb: 128 B of alternate memory,
// 8 B aligned), and XLA's AssignMemorySpace defaults as HeuristicOptions (the instruction-count
// picker, min 2 / max 10 overlapped instructions, the spatial buffer order). Each test names
// the XLA test it follows and asserts XLA's expected decisions, or ours where we differ on
// purpose (data/results/conformance/README.md lists every such difference and why).
//
// Time: XLA's schedule gives every HLO a slot, parameters, bitcasts and tuples included; ours
// only instructions that compute (views and inputs take no time), so an XLA time index is ours
// plus the slots of the views and parameters before it. Where the two counts lead to different
// windows the test says so.
#include <algorithm>
#include <string>
#include <vector>

#include "conformance_util.h"
#include "gtest/gtest.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::MsaRun;
using ::mmap_opt::testing::NegateChain;
using ::mmap_opt::testing::RunXlaMsa;
using ::mmap_opt::testing::XlaInstructionCountOptions;
using ::mmap_opt::testing::XlaMsaTestHardware;

// XLA: MemorySpaceAssignmentTest.Simple. add and sub go to alternate memory; the parameters and
// the output stay in default memory. (XLA also prefetches p0 for sub, because its parameters
// take the first two schedule slots and so give the copy two instructions to overlap; ours
// has only add before sub: listed difference "parameters take no time".)
TEST(MsaConformanceTest, Simple) {
  MsaRun run = RunXlaMsa(R"(HloModule Simple, is_scheduled=true

ENTRY %Simple (p0: f32[2,3], p1: f32[2,3]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[2,3]{1,0} parameter(1)
  %add = f32[2,3]{1,0} add(%p0, %p1)
  %sub = f32[2,3]{1,0} subtract(%p0, %p1)
  ROOT %mul = f32[2,3]{1,0} multiply(%add, %sub)
}
)");
  EXPECT_TRUE(run.Produced("add"));
  EXPECT_TRUE(run.Produced("sub"));
  EXPECT_TRUE(run.Slow("mul"));
  EXPECT_TRUE(run.Slow("p1"));
  EXPECT_TRUE(run.Slow("p0"));
  // add and sub overlap at sub and mul: different chunks.
  EXPECT_NE(run.Of("add")[0].offset(), run.Of("sub")[0].offset());
}

const std::string kNegateChain = R"(HloModule NegateChain, is_scheduled=true

ENTRY %NegateChain (p0: f32[2,3], p1: f32[2,3]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[2,3]{1,0} parameter(1)
)" + NegateChain("p0", 7) + R"(
  ROOT %add = f32[2,3]{1,0} add(%negate6, %p1)
}
)";

// XLA: MemorySpaceAssignmentTest.NegateChain. p1 is prefetched for the add, its copy-start
// right after the parameters (before negate0, our boundary 0) and its copy-done just before
// the add (t7); every negate lives in alternate memory; parameters and output in default.
TEST(MsaConformanceTest, NegateChain) {
  MsaRun run = RunXlaMsa(kNegateChain);
  for (const std::string name :
       {"negate0", "negate1", "negate2", "negate3", "negate4", "negate5", "negate6"}) {
    EXPECT_TRUE(run.Produced(name)) << name;
  }
  std::vector<proto::Placement> p1 = run.Prefetches("p1");
  ASSERT_EQ(p1.size(), 1u);
  EXPECT_EQ(p1[0].copy_start(), 0);
  EXPECT_EQ(p1[0].start(), run.TimeOf("add"));
  EXPECT_TRUE(run.Slow("p0"));
  EXPECT_TRUE(run.Slow("add"));
}

// XLA: MemorySpaceAssignmentTest.CostAnalysis. The same chain under XLA's production set-up
// (the cost-analysis picker with ratios 0.8 / 1.5 / 10, the memory-boundedness order): every
// negate in alternate memory, the parameters in default memory (a prefetch of p1 is allowed:
// the parameter itself stays where it is).
TEST(MsaConformanceTest, CostAnalysis) {
  MsaRun run = RunXlaMsa(kNegateChain, HeuristicOptions());
  for (const std::string name :
       {"negate0", "negate1", "negate2", "negate3", "negate4", "negate5", "negate6"}) {
    EXPECT_TRUE(run.Produced(name)) << name;
  }
  for (const proto::Placement& p : run.Of("p0")) {
    EXPECT_EQ(p.source(), proto::Placement::PREFETCHED);
  }
  for (const proto::Placement& p : run.Of("p1")) {
    EXPECT_EQ(p.source(), proto::Placement::PREFETCHED);
  }
}

// XLA's CreateEvictAndPrefetchModule, in HLO text: tanh is read early (a) and by the ROOT at
// the end, with 15 binary ops between that keep alternate memory busy.
constexpr char kEvictAndPrefetch[] = R"(HloModule EvictAndPrefetch, is_scheduled=true

ENTRY %main (p0: f32[2,3], p1: f32[2,3]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[2,3]{1,0} parameter(1)
  %tanh = f32[2,3]{1,0} tanh(%p0)
  %a = f32[2,3]{1,0} add(%p0, %tanh)
  %b = f32[2,3]{1,0} subtract(%p0, %p1)
  %c = f32[2,3]{1,0} multiply(%p0, %p1)
  %d = f32[2,3]{1,0} subtract(%p0, %p1)
  %e = f32[2,3]{1,0} multiply(%a, %b)
  %f = f32[2,3]{1,0} multiply(%a, %c)
  %g = f32[2,3]{1,0} multiply(%a, %d)
  %h = f32[2,3]{1,0} multiply(%b, %c)
  %i = f32[2,3]{1,0} multiply(%b, %d)
  %j = f32[2,3]{1,0} multiply(%c, %d)
  %k = f32[2,3]{1,0} add(%e, %f)
  %l = f32[2,3]{1,0} add(%g, %h)
  %m = f32[2,3]{1,0} add(%i, %j)
  %n = f32[2,3]{1,0} add(%k, %l)
  %o = f32[2,3]{1,0} add(%n, %m)
  ROOT %add = f32[2,3]{1,0} add(%o, %tanh)
}
)";

// XLA: MemorySpaceAssignmentTest.EvictAndPrefetch. tanh is made in alternate memory, evicted
// to default memory, and prefetched back for the ROOT add.
TEST(MsaConformanceTest, EvictAndPrefetch) {
  MsaRun run = RunXlaMsa(kEvictAndPrefetch);
  std::vector<proto::Placement> tanh = run.Of("tanh");
  ASSERT_EQ(tanh.size(), 2u);
  EXPECT_EQ(tanh[0].source(), proto::Placement::PRODUCED);
  EXPECT_TRUE(run.Evicted("tanh"));
  EXPECT_EQ(tanh[1].source(), proto::Placement::PREFETCHED);
  EXPECT_TRUE(run.FastAt("tanh", run.TimeOf("a")));
  EXPECT_TRUE(run.FastAt("tanh", run.TimeOf("add")));
  // The prefetch reads the evicted copy: it starts after the eviction is due.
  EXPECT_GT(tanh[1].copy_start(), tanh[0].end());
}

// XLA: MemorySpaceAssignmentTest.EvictAndPrefetchLimitAsyncCopies0, ...1 and ...2 (below).
// With at most N outstanding prefetches and N outstanding evictions, no more than N of each
// are in flight at once (XLA's CountMaximumOutstandingAsyncCopies); with 0, no copy at all.
// The module needs copies, so with N > 0 the limit is reached.
void ExpectAsyncCopyLimit(int limit) {
  proto::Hardware hw = XlaMsaTestHardware();
  hw.set_max_outstanding_prefetches(limit);
  hw.set_max_outstanding_evictions(limit);
  MsaRun run(kEvictAndPrefetch, XlaInstructionCountOptions(), hw);
  const int prefetches = run.MaxOutstanding(/*prefetches=*/true);
  const int evictions = run.MaxOutstanding(/*prefetches=*/false);
  EXPECT_LE(prefetches, limit);
  EXPECT_LE(evictions, limit);
  EXPECT_EQ(std::max(prefetches, evictions), limit);
}

TEST(MsaConformanceTest, EvictAndPrefetchLimitAsyncCopies0) { ExpectAsyncCopyLimit(0); }
TEST(MsaConformanceTest, EvictAndPrefetchLimitAsyncCopies1) { ExpectAsyncCopyLimit(1); }
TEST(MsaConformanceTest, EvictAndPrefetchLimitAsyncCopies2) { ExpectAsyncCopyLimit(2); }

// XLA: MemorySpaceAssignmentTest.Determinism. Ten runs on the same module give the same
// assignment.
TEST(MsaConformanceTest, Determinism) {
  const std::string first = RunXlaMsa(kEvictAndPrefetch).assignment().SerializeAsString();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(RunXlaMsa(kEvictAndPrefetch).assignment().SerializeAsString(), first);
  }
}

// XLA: MemorySpaceAssignmentTest.EvictAndPrefetchAndPrefetch. tanh, read at a, by add0 after
// the 15 ops and by add1 after ten negates more, is evicted once and prefetched back twice,
// both prefetches from the evicted copy.
TEST(MsaConformanceTest, EvictAndPrefetchAndPrefetch) {
  // XLA's EvictAndPrefetch module with its ROOT renamed add0, followed by ten negates and add1.
  std::string hlo = kEvictAndPrefetch;
  hlo.replace(hlo.find("ROOT %add = "), 12, "%add0 = ");
  hlo.erase(hlo.rfind('}'));
  MsaRun run = RunXlaMsa(hlo + R"(
)" + NegateChain("add0", 10) +
                         R"(
  ROOT %add1 = f32[2,3]{1,0} add(%negate9, %tanh)
}
)");
  EXPECT_TRUE(run.Evicted("tanh"));
  std::vector<proto::Placement> back = run.Prefetches("tanh");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_TRUE(run.FastAt("tanh", run.TimeOf("add0")));
  EXPECT_TRUE(run.FastAt("tanh", run.TimeOf("add1")));
  const proto::Placement produced = run.Of("tanh")[0];
  for (const proto::Placement& p : back) EXPECT_GT(p.copy_start(), produced.end());
}

// XLA: MemorySpaceAssignmentTest.LastUseOpt. add1 is read by sub1 and again by mul2 after
// mul1 and add2 (larger, f32[2,4], decided first): it stays in alternate memory from its
// definition through mul2 with no copy. XLA also prefetches p0 for sub1 (its two parameter
// slots give the copy room); ours reads it from default memory (listed: parameters take no
// time).
TEST(MsaConformanceTest, LastUseOpt) {
  MsaRun run = RunXlaMsa(R"(HloModule LastUseOpt, is_scheduled=true

ENTRY %LastUseOpt (p0: f32[2,3], p1: f32[2,4]) -> f32[2,4] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[2,4]{1,0} parameter(1)
  %add1 = f32[2,3]{1,0} add(%p0, %p0)
  %sub1 = f32[2,3]{1,0} subtract(%p0, %add1)
  %mul1 = f32[2,4]{1,0} multiply(%p1, %p1)
  %add2 = f32[2,4]{1,0} add(%mul1, %p1)
  %mul2 = f32[2,3]{1,0} multiply(%add1, %sub1)
  %padding_value = f32[] constant(0)
  %padded_mul2 = f32[2,4]{1,0} pad(%mul2, %padding_value), padding=0_0x0_1
  ROOT %add3 = f32[2,4]{1,0} add(%add2, %padded_mul2)
}
)");
  SCOPED_TRACE(run.Describe());
  ASSERT_TRUE(run.Produced("add1"));
  EXPECT_GE(run.Of("add1")[0].end(), run.TimeOf("mul2"));
  EXPECT_FALSE(run.FastAt("p0", run.TimeOf("sub1")));
}

// XLA: MemorySpaceAssignmentTest.CopyOrdering. Copies complete in the order they start
// (first-in first-out): with a window of 50 instructions every prefetch starts as early as it
// can, and sorting them by copy start sorts them by the use they serve.
TEST(MsaConformanceTest, CopyOrdering) {
  MsaRun run = RunXlaMsa(R"(HloModule CopyOrdering, is_scheduled=true

ENTRY %CopyOrdering (p: (f32[2,3], f32[2,4]), p1: f32[2,1], p2: f32[2,2]) -> f32[2,4] {
  %p = (f32[2,3]{1,0}, f32[2,4]{1,0}) parameter(0)
  %p4 = f32[2,4]{1,0} get-tuple-element(%p), index=1
  %p3 = f32[2,3]{1,0} get-tuple-element(%p), index=0
  %p2 = f32[2,2]{1,0} parameter(2)
  %p1 = f32[2,1]{1,0} parameter(1)
)" + NegateChain("p1", 7, "f32[2,1]{1,0}") +
                             R"(
  %padding_value = f32[] constant(0)
  %add1 = f32[2,1]{1,0} add(%negate6, %p1)
  %padded_add1 = f32[2,2]{1,0} pad(%add1, %padding_value), padding=0_0x0_1
  %add2 = f32[2,2]{1,0} add(%padded_add1, %p2)
  %padded_add2 = f32[2,3]{1,0} pad(%add2, %padding_value), padding=0_0x0_1
  %negate7 = f32[2,4]{1,0} negate(%p4)
  %add3 = f32[2,3]{1,0} add(%padded_add2, %p3)
  %padded_add3 = f32[2,4]{1,0} pad(%add3, %padding_value), padding=0_0x0_1
  ROOT %add4 = f32[2,4]{1,0} add(%padded_add3, %negate7)
}
)",
                         XlaInstructionCountOptions(2, 50));
  struct Copy {
    int64_t start, due;
  };
  std::vector<Copy> copies;
  for (const proto::Placement& p : run.assignment().placements()) {
    if (p.source() == proto::Placement::PREFETCHED) copies.push_back({p.copy_start(), p.start()});
  }
  EXPECT_GE(copies.size(), 2u);
  for (const Copy& x : copies) {
    for (const Copy& y : copies) {
      if (x.start < y.start) EXPECT_LE(x.due, y.due);
    }
  }
}

// XLA: MemorySpaceAssignmentTest.BitcastScheduleBug. With windows of 4 to 5 instructions, p1
// (read through a bitcast by the add after ten negates) is prefetched with its copy-start
// between negate5 and negate6 and its copy-done after negate9: the bitcast does not drag the
// copy earlier.
TEST(MsaConformanceTest, BitcastScheduleBug) {
  MsaRun run = RunXlaMsa(R"(HloModule BitcastScheduleBug, is_scheduled=true

ENTRY %BitcastScheduleBug (p0: f32[2,3], p1: f32[6]) -> f32[2,3] {
  %p0 = f32[2,3]{1,0} parameter(0)
  %p1 = f32[6]{0} parameter(1)
  %bitcast = f32[2,3]{1,0} bitcast(%p1)
)" + NegateChain("p0", 10) + R"(
  ROOT %add = f32[2,3]{1,0} add(%bitcast, %negate9)
}
)",
                         XlaInstructionCountOptions(4, 5));
  std::vector<proto::Placement> p1 = run.Prefetches("p1");
  ASSERT_EQ(p1.size(), 1u);
  EXPECT_EQ(p1[0].copy_start(), run.TimeOf("negate6"));
  EXPECT_EQ(p1[0].start(), run.TimeOf("add"));
}

// The interleaved tanh / negate chains of XLA's MemoryBoundednessBufferIntervalCompare and
// EvictionsShouldntBeDelayed: f32[4,3] (48 B), so two fit in the 128 B alternate memory at a
// time; tanh is transcendental (10/s), so its instructions are compute bound.
constexpr char kTanhNegateChains[] = R"(HloModule TanhNegate, is_scheduled=true

ENTRY %TanhNegate (p0: f32[4,3], p1: f32[4,3]) -> (f32[4,3], f32[4,3]) {
  %p0 = f32[4,3]{1,0} parameter(0)
  %p1 = f32[4,3]{1,0} parameter(1)
  %tanh0 = f32[4,3]{1,0} tanh(%p0)
  %negate0 = f32[4,3]{1,0} negate(%p1)
  %tanh1 = f32[4,3]{1,0} tanh(%tanh0)
  %negate1 = f32[4,3]{1,0} negate(%negate0)
  %tanh2 = f32[4,3]{1,0} tanh(%tanh1)
  %negate2 = f32[4,3]{1,0} negate(%negate1)
  %tanh3 = f32[4,3]{1,0} tanh(%tanh2)
  %negate3 = f32[4,3]{1,0} negate(%negate2)
  %tanh4 = f32[4,3]{1,0} tanh(%tanh3)
  %negate4 = f32[4,3]{1,0} negate(%negate3)
  ROOT %tuple = (f32[4,3]{1,0}, f32[4,3]{1,0}) tuple(%tanh4, %negate4)
}
)";

// XLA: MemorySpaceAssignmentTest.MemoryBoundednessBufferIntervalCompare (cost-analysis set-up).
// The memory-boundedness order decides the negates first: every negate that is not a program
// output (negate0..3) is in alternate memory. XLA also leaves every tanh in default memory;
// ours puts tanh0 in the room the negates leave over [tanh0, tanh1] (listed difference: a
// compute-bound value in otherwise idle fast memory; it changes no latency, asserted below).
TEST(MsaConformanceTest, MemoryBoundednessBufferIntervalCompare) {
  MsaRun run = RunXlaMsa(kTanhNegateChains, HeuristicOptions());
  SCOPED_TRACE(run.Describe());
  for (const std::string name : {"negate0", "negate1", "negate2", "negate3"}) {
    EXPECT_TRUE(run.Produced(name)) << name;
  }
  EXPECT_TRUE(run.Slow("negate4"));  // A program output.
  for (const std::string name : {"tanh1", "tanh2", "tanh3", "tanh4"}) {
    EXPECT_TRUE(run.Slow(name)) << name;
  }
  EXPECT_TRUE(run.Produced("tanh0"));
  // tanh0 in fast memory gains nothing and costs nothing: the latency is the same without it.
  EXPECT_NEAR(run.Latency("tanh0"), run.Latency(), 1e-12);
}

// XLA: MemorySpaceAssignmentTest.EvictionsShouldntBeDelayed (cost-analysis set-up). Seven
// tanh of p0 that nobody reads sit between tanh0 and its readers; at no time do more than two
// f32[4,3] values occupy alternate memory.
TEST(MsaConformanceTest, EvictionsShouldntBeDelayed) {
  MsaRun run = RunXlaMsa(R"(HloModule EvictionsShouldntBeDelayed, is_scheduled=true

ENTRY %main (p0: f32[4,3]) -> (f32[4,3], f32[4,3], f32[4,3]) {
  %p0 = f32[4,3]{1,0} parameter(0)
  %tanh0 = f32[4,3]{1,0} tanh(%p0)
  %tanh_redundant0 = f32[4,3]{1,0} tanh(%p0)
  %tanh_redundant1 = f32[4,3]{1,0} tanh(%p0)
  %tanh_redundant2 = f32[4,3]{1,0} tanh(%p0)
  %tanh_redundant3 = f32[4,3]{1,0} tanh(%p0)
  %tanh_redundant4 = f32[4,3]{1,0} tanh(%p0)
  %tanh_redundant5 = f32[4,3]{1,0} tanh(%p0)
  %tanh_redundant6 = f32[4,3]{1,0} tanh(%p0)
  %negate0 = f32[4,3]{1,0} negate(%tanh0)
  %tanh1 = f32[4,3]{1,0} tanh(%negate0)
  %negate1 = f32[4,3]{1,0} negate(%negate0)
  %tanh2 = f32[4,3]{1,0} tanh(%tanh1)
  %negate2 = f32[4,3]{1,0} negate(%negate1)
  %tanh3 = f32[4,3]{1,0} tanh(%tanh2)
  %negate3 = f32[4,3]{1,0} negate(%negate2)
  ROOT %tuple = (f32[4,3]{1,0}, f32[4,3]{1,0}, f32[4,3]{1,0}) tuple(%tanh3, %negate3, %tanh0)
}
)",
                         HeuristicOptions());
  std::vector<int> live(run.program().instructions_size(), 0);
  for (const proto::Placement& p : run.assignment().placements()) {
    const int64_t from = p.source() == proto::Placement::PREFETCHED ? p.copy_start() : p.start();
    for (int64_t t = from; t <= p.end(); ++t) ++live[t];
  }
  for (int count : live) EXPECT_LE(count, 2);
  EXPECT_FALSE(run.assignment().placements().empty());
}

}  // namespace
}  // namespace mmap_opt
