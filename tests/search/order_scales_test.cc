// The bandit over order-move scales (search/order_scales.h): numbers worked out by hand from
// its rule, p = floor / 4 + (1 - floor) x raw / sum(raw), raw = (improvement + prior) /
// (games + 1), prior = the best mean improvement so far (at least 1e-4), floor = 0.25, and
// the record multiplied by 0.8 at every draw of a round.
#include "search/order_scales.h"

#include <array>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mmap_opt {
namespace {

using ::testing::HasSubstr;

TEST(OrderScaleBanditTest, UnplayedScalesAreEquallyLikely) {
  OrderScaleBandit bandit(1);
  for (double p : bandit.Probabilities()) EXPECT_DOUBLE_EQ(p, 0.25);
}

TEST(OrderScaleBanditTest, TheSizeOfTheImprovementCounts) {
  OrderScaleBandit bandit(1);
  // One game each; only x30's took 2% off. prior = 0.02; raw = 0.01 for x1..x10 and
  // (0.02 + 0.02) / 2 = 0.02 for x30, of 0.05 in all: 1/16 + 3/4 x 1/5 = 0.2125 and
  // 1/16 + 3/4 x 2/5 = 0.3625.
  bandit.Record(0, 0);
  bandit.Record(1, -0.01);  // Slower: counts as no improvement.
  bandit.Record(2, 0);
  bandit.Record(3, 0.02);
  std::array<double, 4> p = bandit.Probabilities();
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(p[a], 0.2125, 1e-12) << a;
  EXPECT_NEAR(p[3], 0.3625, 1e-12);
  // Ten games of x1 each taking 0.1% off now outweigh x30's single 2% by count but not by
  // size: x1's mean is 0.1%, below x30's 2%.
  for (int g = 0; g < 10; ++g) bandit.Record(0, 0.001);
  p = bandit.Probabilities();
  EXPECT_GT(p[3], p[0]);
}

TEST(OrderScaleBanditTest, DrawsFollowTheProbabilitiesAndTheRecordFades) {
  OrderScaleBandit bandit(7);
  bandit.Record(0, 0);
  bandit.Record(1, 0);
  bandit.Record(2, 0);
  bandit.Record(3, 0.02);
  const std::array<double, 4> p = bandit.Probabilities();
  const std::vector<int> arms = bandit.Choose(20000);
  std::array<int, 4> count{};
  for (int arm : arms) ++count[arm];
  for (int a = 0; a < 4; ++a) EXPECT_NEAR(count[a] / 20000.0, p[a], 0.015) << a;
  // After the draw every record weighs 0.8: prior 0.016 / 0.8 = 0.02; raw 0.02 / 1.8 for
  // x1..x10 and 0.036 / 1.8 for x30, so x30 gets 1/16 + 3/4 x 0.036 / 0.096 = 0.34375.
  EXPECT_NEAR(bandit.Probabilities()[3], 0.34375, 1e-12);
  // Same seed and record, same draws.
  OrderScaleBandit again(7);
  again.Record(0, 0);
  again.Record(1, 0);
  again.Record(2, 0);
  again.Record(3, 0.02);
  EXPECT_EQ(again.Choose(20000), arms);
  EXPECT_THAT(bandit.Summary(), HasSubstr("x30 0.8 games +1.60%"));
}

}  // namespace
}  // namespace mmap_opt
