// train/learning_curve.h: the points come back out of metrics.csv; the SVG is deterministic
// and draws them.
#include "train/learning_curve.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mmap_opt {
namespace {

using ::testing::HasSubstr;

constexpr char kMetrics[] =
    "iteration,phase,episodes,train_steps,loss,mean_gain_pct,heldout_gain_pct,elapsed_s\n"
    "0,imitation,6,10,1.7,0.0000,-0.5000,1.00\n"
    "1,self-play,8,50,1.0,-0.1,,2.00\n"
    "2,self-play,10,90,0.6,-0.2,0.2500,3.00\n";

TEST(LearningCurveTest, PointsFromMetrics) {
  std::vector<CurvePoint> points = HeldOutPoints(kMetrics);
  ASSERT_EQ(points.size(), 2u);  // Iteration 1 was not measured.
  EXPECT_EQ(points[0].iteration, 0);
  EXPECT_DOUBLE_EQ(points[0].gain_pct, -0.5);
  EXPECT_EQ(points[1].iteration, 2);
  EXPECT_DOUBLE_EQ(points[1].gain_pct, 0.25);
  // An older metrics.csv without the column: no points.
  EXPECT_TRUE(HeldOutPoints("iteration,phase,elapsed_s\n0,imitation,1.0\n").empty());
}

TEST(LearningCurveTest, SvgDrawsEveryPointDeterministically) {
  const std::string svg = LearningCurveSvg(HeldOutPoints(kMetrics), "m<1>.pt");
  EXPECT_EQ(svg, LearningCurveSvg(HeldOutPoints(kMetrics), "m<1>.pt"));
  EXPECT_THAT(svg, HasSubstr("m&lt;1&gt;.pt"));
  // Gains -0.5 and 0.25 (and 0): a step of 0.2 (0.75 / 5 = 0.15 rounded up to 1, 2 or 5 x
  // 10^k), the axis rounded out to [-0.6, 0.4]; 300 px tall from y = 50.
  // x: iteration 2 of 2 is the right edge (70 + 560 = 630).
  // Point 0: y = 350 - (-0.5 + 0.6) / 1.0 * 300 = 320; point 2: 350 - 0.85 * 300 = 95.
  EXPECT_THAT(svg, HasSubstr("points=\"70.00,320.00 630.00,95.00\""));
  EXPECT_THAT(svg, HasSubstr("iteration 2: +0.2500%"));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  EXPECT_THAT(LearningCurveSvg({}, "m.pt"), HasSubstr("no held-out measurement yet"));
}

}  // namespace
}  // namespace mmap_opt
