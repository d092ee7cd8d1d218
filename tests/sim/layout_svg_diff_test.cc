// The layout picture's structure and the assignment diff's classification, on the small
// QueueProgram-like program below (RoundHardware).
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/sim/assignment_diff.h"
#include "mmap_opt/sim/layout_svg.h"
#include "sim/round_hardware.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::AssignmentFromText;
using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RoundHardware;
using ::testing::HasSubstr;

// t0 "a": 1000 FLOP, x -> y.  t1 "b": reads p, y.  t2 "c": reads q, y; y is an output.
Program SmallProgram() {
  return *Program::Create(ProgramFromText(R"pb(
    name: "small"
    buffers { id: 1 name: "x" size: 10 }
    buffers { id: 2 name: "y" size: 10 is_output: true }
    buffers { id: 3 name: "p<&>" size: 30 }
    buffers { id: 4 name: "q" size: 30 }
    instructions { id: 0 name: "a" flops: 1000 operands: 1 outputs: 2 }
    instructions {
      id: 1
      name: "b"
      operands: [ 3, 2 ]
    }
    instructions {
      id: 2
      name: "c"
      operands: [ 4, 2 ]
    }
  )pb"));
}

int Count(const std::string& text, const std::string& piece) {
  int count = 0;
  for (size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) {
    ++count;
  }
  return count;
}

TEST(LayoutSvgTest, DrawsEveryPlacementWithHoverNamesCurveAndCapacity) {
  Program program = SmallProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  proto::Assignment assignment = AssignmentFromText(R"pb(
    agent: "hand"
    placements { buffer_id: 3 offset: 0 start: 1 end: 1 source: PREFETCHED copy_start: 0 }
    placements { buffer_id: 2 offset: 100 start: 0 end: 1 source: PRODUCED }
  )pb");
  std::optional<Score> score = *ScoreAssignment(model, assignment);
  std::string svg = RenderLayoutSvg(model, assignment, {}, score, {});
  EXPECT_THAT(svg, ::testing::StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, ::testing::EndsWith("</svg>\n"));
  EXPECT_EQ(Count(svg, "class=\"placement\""), 2);
  EXPECT_EQ(Count(svg, "class=\"prefetch-window\""), 1);  // p's copy over [0, 1).
  EXPECT_EQ(Count(svg, "class=\"eviction\""), 1);         // y is an output used at t2.
  // Names are escaped in the hover text.
  EXPECT_THAT(
      svg, HasSubstr("<title>placement 0: buffer 3 &apos;p&lt;&amp;&gt;&apos; (30 B) PREFETCHED"));
  EXPECT_THAT(svg, HasSubstr("evicted by the end of t=1"));
  EXPECT_THAT(svg, HasSubstr("id=\"occupancy\""));
  EXPECT_THAT(svg, HasSubstr("id=\"capacity\""));
  EXPECT_THAT(svg, HasSubstr("capacity 1000 B"));
  EXPECT_THAT(svg, HasSubstr("headroom closed"));
  EXPECT_EQ(Count(svg, "<g>"), Count(svg, "</g>") - 3);  // + placements, axes, legend groups.
}

TEST(LayoutSvgTest, OutlinesInvalidPlacementsInRed) {
  Program program = SmallProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  proto::Assignment assignment = AssignmentFromText(R"pb(
    placements { buffer_id: 4 offset: 5 start: 2 end: 2 source: PREFETCHED copy_start: 0 }
  )pb");
  std::vector<Violation> violations = FindViolations(program, RoundHardware(), assignment);
  ASSERT_EQ(violations.size(), 1u);
  std::string svg = RenderLayoutSvg(model, assignment, violations, std::nullopt, {});
  EXPECT_THAT(svg, HasSubstr("INVALID: offset 5 is not a multiple"));
  EXPECT_THAT(svg, HasSubstr("stroke=\"#d62728\" stroke-width=\"2\""));
  EXPECT_THAT(svg, HasSubstr("breaks a rule"));
}

TEST(AssignmentDiffTest, ClassifiesEachBufferAndRanksInstructions) {
  Program program = SmallProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  // A: p prefetched at 0, q prefetched at 1, x prefetched for t0.
  // B: p at another offset, q's copy starts at 0, x dropped, y produced fast.
  proto::Assignment a = AssignmentFromText(R"pb(
    placements { buffer_id: 3 offset: 0 start: 1 end: 1 source: PREFETCHED copy_start: 0 }
    placements { buffer_id: 4 offset: 100 start: 2 end: 2 source: PREFETCHED copy_start: 1 }
    placements { buffer_id: 1 offset: 200 start: 0 end: 0 source: PREFETCHED copy_start: 0 }
  )pb");
  proto::Assignment b = AssignmentFromText(R"pb(
    placements { buffer_id: 3 offset: 50 start: 1 end: 1 source: PREFETCHED copy_start: 0 }
    placements { buffer_id: 4 offset: 100 start: 2 end: 2 source: PREFETCHED copy_start: 0 }
    placements { buffer_id: 2 offset: 300 start: 0 end: 2 source: PRODUCED }
  )pb");
  AssignmentDiff diff = *DiffAssignments(model, a, b, 2);
  ASSERT_EQ(diff.changes.size(), 4u);
  EXPECT_EQ(diff.changes[0].kind, BufferChangeKind::kLeft);     // x
  EXPECT_EQ(diff.changes[1].kind, BufferChangeKind::kEntered);  // y
  EXPECT_EQ(diff.changes[1].b, "PRODUCED@300 [0, 2]");
  EXPECT_EQ(diff.changes[2].kind, BufferChangeKind::kMoved);    // p
  EXPECT_EQ(diff.changes[3].kind, BufferChangeKind::kRetimed);  // q
  EXPECT_EQ(diff.changes[3].a, "PREFETCHED@100 [2, 2] copy 1");
  // Latencies come from the simulator; the top list is at most 2 long, largest |delta| first.
  EXPECT_DOUBLE_EQ(diff.delta_s(), diff.b.simulation.latency_s - diff.a.simulation.latency_s);
  ASSERT_EQ(diff.top.size(), 2u);
  EXPECT_GE(std::fabs(diff.top[0].delta_s()), std::fabs(diff.top[1].delta_s()));
  EXPECT_NE(diff.top[0].delta_s(), 0);
  // Diffing an assignment with itself finds nothing.
  AssignmentDiff same = *DiffAssignments(model, a, a, 10);
  EXPECT_TRUE(same.changes.empty());
  EXPECT_TRUE(same.top.empty());
  EXPECT_EQ(same.delta_percent(), 0);
}

TEST(AssignmentDiffTest, NamesTheInvalidSide) {
  Program program = SmallProgram();
  CostModel model = *CostModel::Create(program, RoundHardware());
  proto::Assignment bad = AssignmentFromText("placements { buffer_id: 9 source: PRODUCED }");
  absl::StatusOr<AssignmentDiff> diff = DiffAssignments(model, proto::Assignment(), bad, 5);
  ASSERT_FALSE(diff.ok());
  EXPECT_THAT(diff.status().message(), HasSubstr("B: placement 0: buffer 9 does not exist"));
}

}  // namespace
}  // namespace mmap_opt
