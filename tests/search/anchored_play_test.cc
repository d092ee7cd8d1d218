// Anchored play (PlayOptions::anchor): games replay an incumbent's plan except at sparse
// deviation moves, where the search must choose something else.
#include <algorithm>
#include <memory>
#include <numeric>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/sim/validator.h"
#include "nn/evaluator.h"
#include "search/play.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::mmap_opt::testing::SourcePath;

struct Loaded {
  std::unique_ptr<Program> program;
  std::unique_ptr<CostModel> cost;
};

Loaded Load(const std::string& name) {
  const std::string path = SourcePath("data/corpus/smoke/" + name);
  proto::Program proto = *ReadProgram(path);
  proto::Hardware hardware = *HardwareFor(proto, "");
  Loaded loaded;
  loaded.program = std::make_unique<Program>(*Program::Create(std::move(proto)));
  loaded.cost = std::make_unique<CostModel>(*CostModel::Create(*loaded.program, hardware));
  return loaded;
}

PlayOptions Anchored(const GamePlan& anchor, double deviations, uint64_t seed) {
  PlayOptions play;
  play.search.simulations = 4;
  play.search.rollout_steps = 8;
  play.anchor = &anchor;
  play.deviations_per_game = deviations;
  play.seed = seed;
  play.record = true;
  return play;
}

TEST(AnchoredPlayTest, NoDeviationReplaysTheAnchorWithoutSearching) {
  Loaded l = Load("bert-tiny.inference.b8.128.bf16.edge-npu.pb");
  HeuristicPolicy heuristic;
  GameRecord anchor = *PlayGame(*l.cost, heuristic, "muzero");
  UniformEvaluator evaluator(GameOptions{});
  int64_t simulations = -1;
  std::vector<PlayedGame> games = *PlaySearchGames({l.cost.get(), l.cost.get()}, evaluator,
                                                   Anchored(anchor.plan, 0, 1), &simulations);
  EXPECT_EQ(simulations, 0);
  for (const PlayedGame& game : games) {
    EXPECT_EQ(game.deviations, 0);
    EXPECT_TRUE(MessageDifferencer::Equals(game.assignment, anchor.assignment));
    // The recorded policy targets are the anchor's actions, one-hot.
    for (const PlayedStep& step : game.steps) EXPECT_EQ(step.policy_target[step.action], 1.0f);
  }
}

TEST(AnchoredPlayTest, DeviationsSearchAnotherActionAndStayValid) {
  Loaded l = Load("dlrm-small.training.b256.bf16.edge-npu.pb");
  HeuristicPolicy heuristic;
  GameRecord anchor = *PlayGame(*l.cost, heuristic, "muzero");
  UniformEvaluator evaluator(GameOptions{});
  std::vector<const CostModel*> costs(4, l.cost.get());
  std::vector<PlayedGame> games = *PlaySearchGames(costs, evaluator, Anchored(anchor.plan, 20, 7));
  int differ = 0;
  for (const PlayedGame& game : games) {
    EXPECT_GT(game.deviations, 0);
    EXPECT_LT(game.deviations, static_cast<int>(game.steps.size()));
    EXPECT_TRUE(ValidateAssignment(*l.program, l.cost->hardware(), game.assignment).ok());
    differ += !MessageDifferencer::Equals(game.assignment, anchor.assignment);
  }
  EXPECT_GT(differ, 0);
  // Same seed, same games.
  std::vector<PlayedGame> again = *PlaySearchGames(costs, evaluator, Anchored(anchor.plan, 20, 7));
  for (size_t i = 0; i < games.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(games[i].assignment, again[i].assignment));
  }
}

// Order moves only (no searched deviation), drawn at the uniform rate, recording only them.
PlayOptions UniformOrderMoves(const GamePlan& anchor, double per_game, uint64_t seed) {
  PlayOptions play = Anchored(anchor, 0, seed);
  play.order_deviations_per_game = per_game;
  play.record_decisions_only = true;
  play.weight_order_moves = false;
  return play;
}

// Order moves: Defers drawn (not searched) where the anchor does not defer, at the uniform
// rate without weighting; recorded as such, with the rule's action beside them; the games stay
// valid, and the same seed gives the same games.
TEST(AnchoredPlayTest, OrderMovesDeferAroundTheAnchor) {
  Loaded l = Load("dlrm-small.training.b256.bf16.edge-npu.pb");
  HeuristicPolicy heuristic;
  GameRecord anchor = *PlayGame(*l.cost, heuristic, "muzero");
  UniformEvaluator evaluator(GameOptions{});
  std::vector<const CostModel*> costs(4, l.cost.get());
  PlayOptions play = UniformOrderMoves(anchor.plan, 6, 5);
  std::vector<PlayedGame> games = *PlaySearchGames(costs, evaluator, play);
  const int defer = MallocGame::NumActions(play.game) - 1;
  int order_moves = 0, differ = 0;
  for (const PlayedGame& game : games) {
    EXPECT_EQ(game.deviations, 0);
    order_moves += game.order_moves;
    ASSERT_EQ(game.steps.size(), static_cast<size_t>(game.order_moves));
    for (const PlayedStep& step : game.steps) {
      EXPECT_EQ(step.kind, PlayedStep::Kind::kOrder);
      EXPECT_EQ(step.action, defer);
      EXPECT_GE(step.rule, 0);
      EXPECT_NE(step.rule, defer);
    }
    EXPECT_TRUE(ValidateAssignment(*l.program, l.cost->hardware(), game.assignment).ok());
    differ += !MessageDifferencer::Equals(game.assignment, anchor.assignment);
  }
  EXPECT_GT(order_moves, 0);
  EXPECT_GT(differ, 0);
  // Same seed, same games, weighted or not.
  for (bool weighted : {false, true}) {
    play.weight_order_moves = weighted;
    std::vector<PlayedGame> once = *PlaySearchGames(costs, evaluator, play);
    std::vector<PlayedGame> again = *PlaySearchGames(costs, evaluator, play);
    for (size_t i = 0; i < once.size(); ++i) {
      EXPECT_EQ(once[i].order_moves, again[i].order_moves);
      EXPECT_TRUE(MessageDifferencer::Equals(once[i].assignment, again[i].assignment));
    }
  }
}

// The order-move spread: each game scales its rate by a factor drawn log-uniform in [1, S], so
// over many games the moves grow by the factor's mean, (S - 1) / ln S (8.6 for S = 30), and
// the games differ in how much they reorder; every game stays valid, and the same seed draws
// the same factors.
TEST(AnchoredPlayTest, OrderMoveSpreadVariesEachGamesRate) {
  Loaded l = Load("dlrm-small.training.b256.bf16.edge-npu.pb");
  HeuristicPolicy heuristic;
  GameRecord anchor = *PlayGame(*l.cost, heuristic, "muzero");
  UniformEvaluator evaluator(GameOptions{});
  std::vector<const CostModel*> costs(48, l.cost.get());
  PlayOptions play = UniformOrderMoves(anchor.plan, 1, 3);
  auto moves = [&](double spread) {
    play.order_deviations_spread = spread;
    std::vector<int> counts;
    std::vector<PlayedGame> games = *PlaySearchGames(costs, evaluator, play);
    for (const PlayedGame& game : games) {
      EXPECT_TRUE(ValidateAssignment(*l.program, l.cost->hardware(), game.assignment).ok());
      counts.push_back(game.order_moves);
    }
    return counts;
  };
  const std::vector<int> fixed = moves(1), spread = moves(30);
  const int fixed_sum = std::accumulate(fixed.begin(), fixed.end(), 0);
  const int spread_sum = std::accumulate(spread.begin(), spread.end(), 0);
  EXPECT_GT(fixed_sum, 0);
  // 48 games at about 1 move each against about 8.6: far apart whatever the draws.
  EXPECT_GT(spread_sum, 4 * fixed_sum);
  EXPECT_LT(spread_sum, 16 * fixed_sum);
  EXPECT_GT(*std::max_element(spread.begin(), spread.end()),
            *std::max_element(fixed.begin(), fixed.end()));
  EXPECT_EQ(moves(30), spread);
}

// Eviction moves: each game lets buffers whose eviction failed in the anchor's game (and only
// those) try every longer window; the anchor's own levels carry over; no move draws nothing.
// On dlrm-small 70 of 393 evictions fail in the heuristic's game.
TEST(AnchoredPlayTest, EvictionMovesLetFailedEvictionsEvictLater) {
  Loaded l = Load("dlrm-small.training.b256.bf16.edge-npu.pb");
  HeuristicPolicy heuristic;
  GameRecord anchor = *PlayGame(*l.cost, heuristic, "muzero");
  const std::vector<BufferIndex>& failed = anchor.plan.failed_evictions();
  ASSERT_FALSE(failed.empty());
  UniformEvaluator evaluator(GameOptions{});
  std::vector<const CostModel*> costs(4, l.cost.get());
  PlayOptions play = Anchored(anchor.plan, 0, 3);
  std::vector<PlayedGame> none = *PlaySearchGames(costs, evaluator, play);
  for (const PlayedGame& game : none) {
    EXPECT_EQ(game.eviction_moves, 0);
    EXPECT_TRUE(MessageDifferencer::Equals(game.assignment, anchor.assignment));
  }
  play.eviction_deviations_per_game = 6;
  std::vector<PlayedGame> games = *PlaySearchGames(costs, evaluator, play);
  int moves = 0, differ = 0;
  for (const PlayedGame& game : games) {
    const std::vector<int>& later = game.plan.later_evictions();
    ASSERT_EQ(later.size(), static_cast<size_t>(l.program->num_buffers()));
    int raised = 0;
    for (BufferIndex b = 0; b < l.program->num_buffers(); ++b) {
      const bool was_failed = std::binary_search(failed.begin(), failed.end(), b);
      EXPECT_TRUE(later[b] == 0 || (was_failed && later[b] == MallocGame::kMaxLaterEvictions));
      raised += later[b] > 0;
    }
    EXPECT_EQ(raised, game.eviction_moves);
    moves += game.eviction_moves;
    EXPECT_TRUE(ValidateAssignment(*l.program, l.cost->hardware(), game.assignment).ok());
    differ += !MessageDifferencer::Equals(game.assignment, anchor.assignment);
  }
  EXPECT_GT(moves, 0);
  EXPECT_GT(differ, 0);
  // A game anchored on one with eviction moves keeps its levels.
  play.eviction_deviations_per_game = 0;
  std::vector<PlayedGame> kept = *PlaySearchGames({l.cost.get()}, evaluator, [&] {
    PlayOptions replay = play;
    replay.anchor = &games[0].plan;
    return replay;
  }());
  EXPECT_EQ(kept[0].plan.later_evictions(), games[0].plan.later_evictions());
  EXPECT_TRUE(MessageDifferencer::Equals(kept[0].assignment, games[0].assignment));
}

}  // namespace
}  // namespace mmap_opt
