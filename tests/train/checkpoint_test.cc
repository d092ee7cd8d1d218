// A rank's part of a checkpoint (train/checkpoint.h): the generator, the replay and the kept
// best games go through RankPart and LoadRankPart unchanged, and a part whose arrays do not
// add up is refused with an error naming the file, never read past its end.
#include "train/checkpoint.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mmap_opt {
namespace {

using ::testing::HasSubstr;

constexpr int kObservation = 3, kActions = 2;

TrainingState SmallState() {
  TrainingState state;
  state.net = MuZeroNet(NetConfig{kObservation, kActions, 8, 4});
  state.replay = std::make_unique<ReplayBuffer>(100);
  state.rng.seed(11);
  Episode episode;  // Two moves.
  episode.observations = {1, 2, 3, 4, 5, 6};
  episode.policies = {0.25f, 0.75f, 1, 0};
  episode.actions = {1, 0};
  episode.rewards = {-0.5f, 0};
  episode.values = {0.125f, -1};
  state.replay->Add(episode);
  state.best_games[4] = BestGame{{1, 1, 0}, {2}};
  state.best_games[7] = BestGame{{0}, {}};
  return state;
}

torch::Tensor Ints(std::vector<int64_t> v) {
  return torch::tensor(v, torch::kInt64);
}

// A part written by hand: SmallState's replay, with the best games' three arrays as given.
std::string PartWithBestGames(const std::vector<int64_t>& programs,
                              const std::vector<int64_t>& actions,
                              const std::vector<int64_t>& evictions,
                              const std::vector<int64_t>& replay_lengths = {2}) {
  torch::serialize::OutputArchive archive;
  archive.write("rng", c10::IValue(std::string("5489")));
  archive.write("replay_observations", torch::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}));
  archive.write("replay_policies", torch::tensor({0.25f, 0.75f, 1.f, 0.f}));
  archive.write("replay_rewards", torch::tensor({-0.5f, 0.f}));
  archive.write("replay_returns", torch::tensor({0.125f, -1.f}));
  archive.write("replay_actions", Ints({1, 0}));
  archive.write("replay_lengths", Ints(replay_lengths));
  archive.write("best_programs", Ints(programs));
  archive.write("best_actions", Ints(actions));
  archive.write("best_evictions", Ints(evictions));
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

TEST(CheckpointTest, RankPartRoundTrips) {
  TrainingState saved = SmallState();
  absl::StatusOr<std::string> part = RankPart(saved);
  ASSERT_TRUE(part.ok()) << part.status();
  TrainingState loaded = SmallState();
  loaded.best_games.clear();
  loaded.replay->Clear();
  loaded.rng.seed(99);
  ASSERT_TRUE(LoadRankPart(loaded, *part, "part").ok());
  EXPECT_EQ(loaded.rng, saved.rng);
  ASSERT_EQ(loaded.replay->episodes().size(), 1u);
  const Episode& e = loaded.replay->episodes()[0];
  EXPECT_EQ(e.observations, saved.replay->episodes()[0].observations);
  EXPECT_EQ(e.policies, saved.replay->episodes()[0].policies);
  EXPECT_EQ(e.actions, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(e.rewards, saved.replay->episodes()[0].rewards);
  EXPECT_EQ(e.values, saved.replay->episodes()[0].values);
  ASSERT_EQ(loaded.best_games.size(), 2u);
  EXPECT_EQ(loaded.best_games[4].actions, (std::vector<int64_t>{1, 1, 0}));
  EXPECT_EQ(loaded.best_games[4].later_evictions, (std::vector<int64_t>{2}));
  EXPECT_EQ(loaded.best_games[7].actions, (std::vector<int64_t>{0}));
  EXPECT_TRUE(loaded.best_games[7].later_evictions.empty());
}

TEST(CheckpointTest, HandWrittenConsistentBestGamesLoad) {
  // The layout LoadRankPart reads: (program, moves, eviction levels) triples, then the moves
  // and the levels of every game in program order.
  TrainingState state = SmallState();
  ASSERT_TRUE(
      LoadRankPart(state, PartWithBestGames({3, 2, 1, 9, 0, 0}, {1, 0}, {4}), "part").ok());
  ASSERT_EQ(state.best_games.size(), 2u);
  EXPECT_EQ(state.best_games[3].actions, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(state.best_games[3].later_evictions, (std::vector<int64_t>{4}));
  EXPECT_TRUE(state.best_games[9].actions.empty());
}

TEST(CheckpointTest, InconsistentBestGamesAreRefused) {
  const std::vector<std::vector<std::vector<int64_t>>> bad = {
      {{3, 2}, {1, 0}, {}},          // Not a whole triple.
      {{3, 3, 0}, {1, 0}, {}},       // More moves than stored.
      {{3, 2, 1}, {1, 0}, {}},       // More eviction levels than stored.
      {{3, 1, 0}, {1, 0}, {}},       // A move left over.
      {{3, 2, 0}, {1, 0}, {4}},      // An eviction level left over.
      {{-1, 2, 0}, {1, 0}, {}},      // A negative program index.
      {{3, -2, 0}, {1, 0}, {}},      // A negative move count.
      {{3, 0, -1}, {}, {}},          // A negative level count.
  };
  for (const auto& arrays : bad) {
    TrainingState state = SmallState();
    absl::Status status =
        LoadRankPart(state, PartWithBestGames(arrays[0], arrays[1], arrays[2]), "ck.pt");
    EXPECT_FALSE(status.ok());
    EXPECT_THAT(std::string(status.message()), HasSubstr("ck.pt: inconsistent best games"));
  }
}

TEST(CheckpointTest, InconsistentReplayIsRefused) {
  for (const std::vector<int64_t>& lengths :
       std::vector<std::vector<int64_t>>{{3}, {1}, {1, 2}, {-1, 3}}) {
    TrainingState state = SmallState();
    absl::Status status = LoadRankPart(state, PartWithBestGames({}, {}, {}, lengths), "ck.pt");
    EXPECT_FALSE(status.ok());
    EXPECT_THAT(std::string(status.message()), HasSubstr("ck.pt: inconsistent replay buffer"));
  }
}

TEST(CheckpointTest, GarbageIsAnUnreadableCheckpoint) {
  TrainingState state = SmallState();
  absl::Status status = LoadRankPart(state, "not an archive", "ck.pt");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("ck.pt: unreadable checkpoint"));
}

}  // namespace
}  // namespace mmap_opt
