#include "search/gumbel_search.h"

#include <memory>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
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

TEST(GumbelSearchTest, MismatchedEvaluatorIsAnError) {
  Loaded a = Load(kBert);
  UniformEvaluator evaluator(10, 3);
  absl::StatusOr<std::vector<PlayedGame>> games = PlaySearchGames({a.cost.get()}, evaluator, {});
  EXPECT_EQ(games.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mmap_opt
