// The replay buffer and the training targets (train/replay.h, train/targets.h), worked by hand.
#include "train/targets.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "train/replay.h"

namespace mmap_opt {
namespace {

std::vector<PlayedStep> Steps(const std::vector<float>& rewards) {
  std::vector<PlayedStep> steps;
  for (size_t t = 0; t < rewards.size(); ++t) {
    PlayedStep step;
    step.observation = {static_cast<float>(t), 10.0f + t};  // O = 2.
    step.policy_target = {0.25f, 0.75f, 0.0f};              // A = 3.
    step.action = static_cast<int>(t % 3);
    step.reward = rewards[t];
    steps.push_back(step);
  }
  return steps;
}

TEST(TargetsTest, RemainingRewardIsTheReturnAndOutcomeIsOnePerGame) {
  std::vector<PlayedStep> steps = Steps({0.5f, -0.25f, 1.0f});
  Episode returns = ToEpisode(steps, ValueTarget::kRemainingReward);
  // From the end: 1, then -0.25 + 1 = 0.75, then 0.5 + 0.75 = 1.25.
  EXPECT_EQ(returns.values, (std::vector<float>{1.25f, 0.75f, 1.0f}));
  EXPECT_EQ(returns.rewards, (std::vector<float>{0.5f, -0.25f, 1.0f}));
  EXPECT_EQ(returns.actions, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(returns.observations, (std::vector<float>{0, 10, 1, 11, 2, 12}));
  steps = Steps({0.5f, -0.25f, 1.0f});
  Episode outcome = ToEpisode(steps, ValueTarget::kOutcome, -1.0f);
  EXPECT_EQ(outcome.values, (std::vector<float>{-1, -1, -1}));
  EXPECT_EQ(outcome.rewards, returns.rewards);  // The reward head still learns the rewards.
}

TEST(TargetsTest, DecidedMovesTargetTheOutcomeOfTheirGame) {
  // Two games of one anchored round. Game 0 (ranked +1): a searched deviation and an order move
  // (Defer = action 2 where the rule would play 1). Game 1 (ranked -1): an order move where
  // the rule would play 0. Game 2 (a tie, 0): an order move, which says nothing.
  std::vector<PlayedGame> games(3);
  games[0].steps = Steps({0.1f, 0.2f});
  games[0].steps[0].kind = PlayedStep::Kind::kSearched;
  games[0].steps[1].kind = PlayedStep::Kind::kOrder;
  games[0].steps[1].action = 2;
  games[0].steps[1].rule = 1;
  games[1].steps = Steps({0.3f});
  games[1].steps[0].kind = PlayedStep::Kind::kOrder;
  games[1].steps[0].action = 2;
  games[1].steps[0].rule = 0;
  games[2].steps = Steps({0.4f});
  games[2].steps[0].kind = PlayedStep::Kind::kOrder;
  games[2].steps[0].action = 2;
  games[2].steps[0].rule = 0;
  ReplayBuffer replay(100);
  EXPECT_EQ(AddDecidedMoves(games, {1.0f, -1.0f, 0.0f}, replay), 3);
  ASSERT_EQ(replay.episodes().size(), 3u);
  // One-move episodes, each valued by its game's outcome.
  const Episode& searched = replay.episodes()[0];
  EXPECT_EQ(searched.length(), 1);
  EXPECT_EQ(searched.policies, (std::vector<float>{0.25f, 0.75f, 0.0f}));  // The search's.
  EXPECT_EQ(searched.values, (std::vector<float>{1}));
  const Episode& good_defer = replay.episodes()[1];
  EXPECT_EQ(good_defer.policies, (std::vector<float>{0, 0, 1}));  // The Defer it played.
  EXPECT_EQ(good_defer.values, (std::vector<float>{1}));
  const Episode& bad_defer = replay.episodes()[2];
  EXPECT_EQ(bad_defer.policies, (std::vector<float>{1, 0, 0}));  // The rule's action.
  EXPECT_EQ(bad_defer.values, (std::vector<float>{-1}));
  EXPECT_EQ(bad_defer.rewards, (std::vector<float>{0.3f}));
}

TEST(RankedRewardTest, OutcomesAgainstTheRecentGames) {
  RankedReward ranked({.window = 4, .quantile = 0.75});
  EXPECT_EQ(ranked.Threshold(), std::numeric_limits<double>::infinity());
  // The first game has nothing to be compared with.
  EXPECT_EQ(ranked.Score({5.0}), (std::vector<float>{0}));
  EXPECT_EQ(ranked.Threshold(), 5.0);
  // Against {5}: faster +1, equal 0, slower -1.
  EXPECT_EQ(ranked.Score({4.0, 5.0, 6.0}), (std::vector<float>{1, 0, -1}));
  // Window {5, 4, 5, 6} sorted 4 5 5 6; index floor(0.25 * 3) = 0: the threshold is 4.
  EXPECT_EQ(ranked.Threshold(), 4.0);
  // A game 0.1% faster than the best so far is a win; the best itself only a tie.
  EXPECT_EQ(ranked.Score({3.996, 4.0}), (std::vector<float>{1, 0}));
  // The window keeps the last 4: {5, 6, 3.996, 4} sorted 3.996 4 5 6, index 0.
  EXPECT_EQ(ranked.Threshold(), 3.996);
  // With quantile 0.5 the threshold is the lower median: n = 4, index floor(0.5 * 3) = 1.
  RankedReward median({.window = 8, .quantile = 0.5});
  median.Score({1.0, 2.0, 3.0, 4.0});
  EXPECT_EQ(median.Threshold(), 2.0);
  EXPECT_EQ(median.Score({1.5, 2.5}), (std::vector<float>{1, -1}));
  // Within the relative tolerance of the threshold (1e-6 of 4.0 = 4e-6): a tie.
  RankedReward plateau({.window = 8, .quantile = 0.75, .tie_tolerance = 1e-6});
  plateau.Score({4.0});
  EXPECT_EQ(plateau.Score({4.000003, 3.999997, 4.00001, 3.99999}),
            (std::vector<float>{0, 0, -1, 1}));
}

TEST(ReplayBufferTest, DropsOldestGamesAndMasksPastTheEnd) {
  ReplayBuffer replay(5);
  for (int g = 0; g < 3; ++g) {
    std::vector<PlayedStep> steps = Steps({1.0f * g, 2.0f, 3.0f});
    replay.Add(ToEpisode(steps, ValueTarget::kOutcome, static_cast<float>(g)));
  }
  // 3 + 3 > 5: each new game pushes the previous one out; the newest always stays.
  ASSERT_EQ(replay.episodes().size(), 1u);
  EXPECT_EQ(replay.moves(), 3);
  EXPECT_EQ(replay.episodes().front().values[0], 2.0f);

  std::mt19937_64 rng(7);
  const int B = 64, K = 2;
  TrainingBatch batch = replay.Sample(rng, B, K, 2, 3);
  ASSERT_EQ(batch.observations.size(), size_t{B * 2});
  ASSERT_EQ(batch.policies.size(), size_t{(K + 1) * B * 3});
  ASSERT_EQ(batch.mask.size(), size_t{(K + 1) * B});
  for (int b = 0; b < B; ++b) {
    // The first feature is the move's index t; moves t + k past the end (t + k > 2) are masked.
    const int t = static_cast<int>(batch.observations[b * 2]);
    ASSERT_GE(t, 0);
    ASSERT_LE(t, 2);
    for (int k = 0; k <= K; ++k) {
      EXPECT_EQ(batch.mask[k * B + b], t + k <= 2 ? 1.0f : 0.0f);
      EXPECT_EQ(batch.values[k * B + b], t + k <= 2 ? 2.0f : 0.0f);
    }
    EXPECT_EQ(batch.actions[b], t % 3);
    EXPECT_EQ(batch.rewards[b], t == 0 ? 2.0f : t == 1 ? 2.0f : 3.0f);
  }
}

}  // namespace
}  // namespace mmap_opt
