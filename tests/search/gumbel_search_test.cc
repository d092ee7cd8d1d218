#include "search/gumbel_search.h"

#include <memory>
#include <numeric>
#include <vector>

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

using ::mmap_opt::testing::SourcePath;

struct Loaded {
  std::unique_ptr<Program> program;
  std::unique_ptr<CostModel> cost;
};

Loaded Load(const std::string& name) {
  const std::string path = SourcePath("data/corpus/smoke/" + name);
  absl::StatusOr<proto::Program> proto = ReadProgram(path);
  EXPECT_TRUE(proto.ok()) << proto.status();
  absl::StatusOr<proto::Hardware> hardware = HardwareFor(*proto, "");
  absl::StatusOr<Program> program = Program::Create(*std::move(proto));
  EXPECT_TRUE(program.ok()) << program.status();
  Loaded loaded;
  loaded.program = std::make_unique<Program>(*std::move(program));
  absl::StatusOr<CostModel> cost = CostModel::Create(*loaded.program, *hardware);
  EXPECT_TRUE(cost.ok()) << cost.status();
  loaded.cost = std::make_unique<CostModel>(*std::move(cost));
  return loaded;
}

const char kBert[] = "bert-tiny.inference.b8.128.bf16.edge-npu.pb";
const char kLstm[] = "lstm-seq2seq-small.inference.b16.16.bf16.edge-npu.pb";

// Counts calls and batch sizes, answers like the uniform evaluator.
class CountingEvaluator : public UniformEvaluator {
 public:
  using UniformEvaluator::UniformEvaluator;
  void Evaluate(const float* observations, int batch, float* logits, float* values) override {
    ++calls;
    max_batch = std::max(max_batch, batch);
    UniformEvaluator::Evaluate(observations, batch, logits, values);
  }
  int calls = 0;
  int max_batch = 0;
};

TEST(ConsideredVisitSequenceTest, SequentialHalvingSchedule) {
  // m = 4, n = 8: log2(4) = 2 phases; phase 1 gives each of the 4 one visit (8 / (2*4) = 1
  // round: 0 0 0 0), phase 2 keeps 2 and gives them 8 / (2*2) = 2 rounds (1 1, 2 2).
  EXPECT_EQ(ConsideredVisitSequence(4, 8), (std::vector<int>{0, 0, 0, 0, 1, 1, 2, 2}));
  // One considered action takes every visit.
  EXPECT_EQ(ConsideredVisitSequence(1, 3), (std::vector<int>{0, 1, 2}));
  // m = 2, n = 4: one phase, 4 / (1*2) = 2 rounds of both: 0 0 1 1.
  EXPECT_EQ(ConsideredVisitSequence(2, 4), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_TRUE(ConsideredVisitSequence(16, 0).empty());
}

TEST(GumbelSearchTest, LeavesTheGameAsItWasAndTargetsAreDistributions) {
  Loaded loaded = Load(kBert);
  absl::StatusOr<MallocGame> game = MallocGame::Create(*loaded.cost);
  ASSERT_TRUE(game.ok());
  UniformEvaluator evaluator(game->options());
  BatchedGumbelSearch search(evaluator, {.simulations = 16}, /*seed=*/7);
  const int obs_size = MallocGame::ObservationSize(game->options());
  for (int move = 0; move < 20 && !game->done(); ++move) {
    std::vector<float> before(obs_size), after(obs_size);
    game->Observe(before.data());
    const int segment = game->segment_index();
    const double reward = game->total_reward();
    std::vector<SearchResult> results = search.Search({&*game});
    game->Observe(after.data());
    EXPECT_EQ(before, after);
    EXPECT_EQ(game->segment_index(), segment);
    EXPECT_EQ(game->total_reward(), reward);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_TRUE(game->legal()[results[0].action]);
    double sum = 0;
    for (int a = 0; a < game->num_actions(); ++a) {
      if (!game->legal()[a]) EXPECT_EQ(results[0].policy_target[a], 0.0f);
      sum += results[0].policy_target[a];
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
    game->Step(results[0].action);
  }
  EXPECT_EQ(search.total_simulations(), 16 * 20);
}

TEST(GumbelSearchTest, OneEvaluatorCallPerSimulationForAllGames) {
  Loaded a = Load(kBert), b = Load(kLstm);
  absl::StatusOr<MallocGame> ga = MallocGame::Create(*a.cost), gb = MallocGame::Create(*b.cost);
  ASSERT_TRUE(ga.ok() && gb.ok());
  CountingEvaluator evaluator(ga->options());
  BatchedGumbelSearch search(evaluator, {.simulations = 8}, 1);
  absl::StatusOr<MallocGame> gc = MallocGame::Create(*a.cost);
  ASSERT_TRUE(gc.ok());
  search.Search({&*ga, &*gb, &*gc});
  // The roots together, then one call per simulation (a call can be skipped only when every
  // path ended in a finished game, which 8 simulations from the first move cannot do here).
  EXPECT_EQ(evaluator.calls, 1 + 8);
  EXPECT_EQ(evaluator.max_batch, 3);
}

TEST(GumbelSearchTest, BatchingDoesNotChangeDeterministicSearch) {
  // Without root noise the search is deterministic: two programs searched together play the
  // same games as each searched alone.
  Loaded a = Load(kBert), b = Load(kLstm);
  UniformEvaluator evaluator(GameOptions{});
  PlayOptions options;
  options.search.simulations = 4;
  options.search.gumbel_scale = 0;
  absl::StatusOr<std::vector<PlayedGame>> together =
      PlaySearchGames({a.cost.get(), b.cost.get()}, evaluator, options);
  absl::StatusOr<std::vector<PlayedGame>> alone_a = PlaySearchGames({a.cost.get()}, evaluator, options);
  absl::StatusOr<std::vector<PlayedGame>> alone_b = PlaySearchGames({b.cost.get()}, evaluator, options);
  ASSERT_TRUE(together.ok() && alone_a.ok() && alone_b.ok());
  EXPECT_EQ((*together)[0].assignment.SerializeAsString(),
            (*alone_a)[0].assignment.SerializeAsString());
  EXPECT_EQ((*together)[1].assignment.SerializeAsString(),
            (*alone_b)[0].assignment.SerializeAsString());
  EXPECT_DOUBLE_EQ((*together)[1].total_reward, (*alone_b)[0].total_reward);
}

TEST(GumbelSearchTest, RecordedStepsRewardsSumToTheGameReward) {
  Loaded a = Load(kBert);
  UniformEvaluator evaluator(GameOptions{});
  PlayOptions options;
  options.search.simulations = 2;
  options.record = true;
  options.seed = 3;
  absl::StatusOr<std::vector<PlayedGame>> games = PlaySearchGames({a.cost.get()}, evaluator, options);
  ASSERT_TRUE(games.ok());
  const PlayedGame& game = (*games)[0];
  ASSERT_FALSE(game.steps.empty());
  double sum = 0;
  for (const PlayedStep& step : game.steps) {
    sum += step.reward;
    EXPECT_EQ(step.observation.size(), size_t(MallocGame::ObservationSize(options.game)));
  }
  EXPECT_NEAR(sum, game.total_reward, 1e-4 * std::max(1.0, std::abs(game.total_reward)));
}

// A learned model worked out by hand: the latent is one float (the depth), every action's
// predicted reward is its index times 0.1 at the root and 0 below, values and logits are 0.
class HandModelEvaluator : public UniformEvaluator {
 public:
  using UniformEvaluator::UniformEvaluator;
  int latent_size() const override { return 1; }
  void InitialInference(const float* observations, int batch, float* latents, float* logits,
                        float* values) override {
    ++initial_calls;
    UniformEvaluator::Evaluate(observations, batch, logits, values);
    for (int i = 0; i < batch; ++i) latents[i] = 0;
  }
  void RecurrentInference(const float* latents, const int* actions, int batch,
                          float* next_latents, float* rewards, float* logits,
                          float* values) override {
    ++recurrent_calls;
    max_batch = std::max(max_batch, batch);
    for (int i = 0; i < batch; ++i) {
      next_latents[i] = latents[i] + 1;
      rewards[i] = latents[i] == 0 ? 0.1f * actions[i] : 0.0f;
      values[i] = 0;
    }
    std::fill(logits, logits + static_cast<size_t>(batch) * num_actions(), 0.0f);
  }
  int initial_calls = 0, recurrent_calls = 0, max_batch = 0;
};

TEST(GumbelSearchTest, LearnedDynamicsSearchesTheModelNotTheGame) {
  Loaded a = Load(kBert), b = Load(kLstm);
  absl::StatusOr<MallocGame> ga = MallocGame::Create(*a.cost), gb = MallocGame::Create(*b.cost);
  ASSERT_TRUE(ga.ok() && gb.ok());
  HandModelEvaluator evaluator(ga->options());
  SearchOptions options{.dynamics = SearchDynamics::kLearned, .simulations = 32,
                        .gumbel_scale = 0};
  BatchedGumbelSearch search(evaluator, options, 1);
  const int segment_a = ga->segment_index();
  std::vector<SearchResult> results = search.Search({&*ga, &*gb});
  // One initial inference for both roots, then one recurrent call per simulation for both.
  EXPECT_EQ(evaluator.initial_calls, 1);
  EXPECT_EQ(evaluator.recurrent_calls, 32);
  EXPECT_EQ(evaluator.max_batch, 2);
  EXPECT_EQ(ga->segment_index(), segment_a);
  // The model pays 0.1 x the action index for the first move and nothing after, so the best
  // root action is the highest index the real game allows (legality comes from the game).
  for (auto [game, result] : {std::pair{&*ga, results[0]}, std::pair{&*gb, results[1]}}) {
    int best_legal = 0;
    for (int act = 0; act < game->num_actions(); ++act) {
      if (game->legal()[act]) best_legal = act;
    }
    EXPECT_EQ(result.action, best_legal);
  }
}

TEST(GumbelSearchTest, LearnedDynamicsNeedsAModel) {
  Loaded a = Load(kBert);
  UniformEvaluator evaluator(GameOptions{});
  PlayOptions options;
  options.search.dynamics = SearchDynamics::kLearned;
  absl::StatusOr<std::vector<PlayedGame>> games =
      PlaySearchGames({a.cost.get()}, evaluator, options);
  EXPECT_EQ(games.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(GumbelSearchTest, RolloutValuesPickTheBestActionThenHeuristic) {
  // With one simulation per legal root action, each is visited once and valued by its own
  // reward plus a rollout of the heuristic's policy to the end of the game; no noise and a
  // uniform prior, so the search must play the action with the highest such return, which we
  // work out here by playing each one out on a copy of the game.
  Loaded loaded = Load(kBert);
  absl::StatusOr<MallocGame> game = MallocGame::Create(*loaded.cost);
  ASSERT_TRUE(game.ok());
  UniformEvaluator evaluator(game->options());
  int checked = 0;
  HeuristicPolicy heuristic;
  while (!game->done() && checked < 5) {
    int legal = 0;
    for (bool l : game->legal()) legal += l;
    if (legal >= 2) {
      double best_return = -1e300;
      std::vector<double> returns(game->num_actions(), -1e300);
      for (int act = 0; act < game->num_actions(); ++act) {
        if (!game->legal()[act]) continue;
        const MallocGame::Snapshot snapshot = game->Save();
        double total = game->Step(act).reward;
        while (!game->done()) total += game->Step(heuristic.Choose(*game)).reward;
        game->Restore(snapshot);
        returns[act] = total;
        best_return = std::max(best_return, total);
      }
      BatchedGumbelSearch search(evaluator,
                                 {.simulations = legal, .max_considered = legal,
                                  .gumbel_scale = 0, .rollout_steps = 1 << 20},
                                 1);
      const SearchResult result = search.Search({&*game})[0];
      EXPECT_NEAR(returns[result.action], best_return, 1e-9) << "segment " << game->segment_index();
      ++checked;
    }
    game->Step(heuristic.Choose(*game));
  }
  EXPECT_EQ(checked, 5);
}

TEST(GumbelSearchTest, WithoutDropBackupGamesStillFinishValid) {
  // The ablation changes only what the tree believes; the games played still drop.
  Loaded a = Load(kBert), b = Load(kLstm);
  UniformEvaluator evaluator(GameOptions{});
  PlayOptions options;
  options.search.simulations = 4;
  options.search.drop_backup = false;
  absl::StatusOr<std::vector<PlayedGame>> games =
      PlaySearchGames({a.cost.get(), b.cost.get()}, evaluator, options);
  ASSERT_TRUE(games.ok()) << games.status();
  for (size_t i = 0; i < games->size(); ++i) {
    const CostModel& cost = i == 0 ? *a.cost : *b.cost;
    EXPECT_TRUE(
        ValidateAssignment(cost.program(), cost.hardware(), (*games)[i].assignment).ok());
  }
}

TEST(GumbelSearchTest, MismatchedEvaluatorIsAnError) {
  Loaded a = Load(kBert);
  UniformEvaluator evaluator(10, 3);
  absl::StatusOr<std::vector<PlayedGame>> games = PlaySearchGames({a.cost.get()}, evaluator, {});
  EXPECT_EQ(games.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mmap_opt
