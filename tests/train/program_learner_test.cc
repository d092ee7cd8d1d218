// Learning on the program being mapped (train/program_learner.h), on a smoke program with a
// game budget: small, deterministic, and it really trains.
#include "train/program_learner.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/sim/score.h"
#include "nn/evaluator.h"
#include "nn/muzero_agent.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::SourcePath;
using ::testing::HasSubstr;

struct Loaded {
  std::unique_ptr<Program> program;
  std::unique_ptr<CostModel> cost;
};

Loaded Load(const std::string& name) {
  absl::StatusOr<proto::Program> proto = ReadProgram(SourcePath("data/corpus/smoke/" + name));
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

// Small budgets: 1 deterministic game, then rounds of 4: 9 games. Training follows round 1
// only: round 0 is the network's own unsearched game, which records nothing (no move of it was
// decided away from an incumbent), and round 2 is the last.
AgentOptions SmallBudget() {
  AgentOptions options;
  options.model_path = SourcePath("data/models/default.pt");
  options.simulations = 4;
  options.rollout_steps = 8;
  options.parallel_games = 4;
  options.max_games = 9;
  options.seed = 11;
  return options;
}

ProgramLearningOptions SmallLearning() {
  ProgramLearningOptions learning;
  learning.steps_per_round = 5;
  learning.batch_size = 32;
  return learning;
}

double Latency(const CostModel& cost, const proto::Assignment& assignment) {
  absl::StatusOr<Score> score = ScoreAssignment(cost, assignment);  // Validates.
  EXPECT_TRUE(score.ok()) << score.status();
  return score.ok() ? score->simulation.latency_s : 0;
}

TEST(ProgramLearnerTest, TrainsAndKeepsTheBestGame) {
  for (const char* name : {"bert-tiny.inference.b8.128.bf16.edge-npu.pb",
                           "dlrm-small.training.b256.bf16.edge-npu.pb"}) {
    Loaded loaded = Load(name);
    const AgentOptions options = SmallBudget();
    ProgramLearningStats stats;
    absl::StatusOr<AgentRun> learned =
        LearnOnProgram(*loaded.cost, options, SmallLearning(), &stats);
    ASSERT_TRUE(learned.ok()) << learned.status();
    EXPECT_EQ(stats.rounds_trained, 1) << name;
    EXPECT_EQ(stats.train_steps, 5) << name;
    for (double loss : stats.round_losses) EXPECT_TRUE(std::isfinite(loss)) << name;
    EXPECT_GT(stats.parameter_change, 0) << name;
    EXPECT_THAT(learned->summary, HasSubstr("5 Adam steps after 1 round(s)"));

    // Its first games are the heuristic's trajectory and the network's policy game (round 0
    // is not searched when rounds follow it): never slower than those.
    AgentOptions first = options;
    first.max_games = 1;
    first.simulations = 0;
    absl::StatusOr<std::unique_ptr<Evaluator>> evaluator = EvaluatorFor(first);
    ASSERT_TRUE(evaluator.ok()) << evaluator.status();
    absl::StatusOr<AgentRun> deterministic = RunMuZero(*loaded.cost, first, **evaluator);
    ASSERT_TRUE(deterministic.ok()) << deterministic.status();
    EXPECT_LE(Latency(*loaded.cost, learned->assignment),
              Latency(*loaded.cost, deterministic->assignment))
        << name;

    // Same program, seed and budget: the same assignment.
    absl::StatusOr<AgentRun> again = LearnOnProgram(*loaded.cost, options, SmallLearning());
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->assignment.SerializeAsString(), learned->assignment.SerializeAsString())
        << name;
  }
}

TEST(ProgramLearnerTest, StepsPerRoundFollowTheReplayRatio) {
  Loaded loaded = Load("bert-tiny.inference.b8.128.bf16.edge-npu.pb");
  AgentOptions options = SmallBudget();
  options.max_games = 6;  // Round 0 (the deterministic game), round 1 (4), training, round 2.
  // Searched deviations only: an order move in a game that ties is not trained on.
  options.order_deviations_per_game = 0;
  // The decided moves of round 1, from the same search with a hook that only counts (the
  // network is not trained, so round 1 is the same game as in learning).
  absl::StatusOr<std::unique_ptr<Evaluator>> evaluator = EvaluatorFor(options);
  ASSERT_TRUE(evaluator.ok()) << evaluator.status();
  size_t moves = 0;
  auto count = [&](std::vector<PlayedGame>& games, const std::vector<double>&) {
    for (const PlayedGame& game : games) moves += game.steps.size();
    return absl::OkStatus();
  };
  ASSERT_TRUE(RunMuZero(*loaded.cost, options, **evaluator, count).ok());
  ASSERT_GT(moves, 0u);
  ProgramLearningOptions learning;  // steps_per_round 0: 4 samples per new move.
  learning.batch_size = 32;
  ProgramLearningStats stats;
  ASSERT_TRUE(LearnOnProgram(*loaded.cost, options, learning, &stats).ok());
  EXPECT_EQ(stats.rounds_trained, 1);
  EXPECT_EQ(stats.train_steps, static_cast<int64_t>(std::ceil(4.0 * moves / 32)));
}

TEST(ProgramLearnerTest, WhoLearns) {
  AgentOptions options;
  EXPECT_FALSE(LearnsOnProgram(options));  // One game: nothing to learn between rounds.
  options.max_games = 2;
  EXPECT_TRUE(LearnsOnProgram(options));
  options.model_path = "uniform";
  EXPECT_FALSE(LearnsOnProgram(options));  // No network.
  options.model_path = "";
  options.learn = false;
  EXPECT_FALSE(LearnsOnProgram(options));
  options.learn = true;
  options.max_games = 0;
  options.time_limit_s = 1;
  EXPECT_TRUE(LearnsOnProgram(options));
}

TEST(ProgramLearnerTest, GameBudgetWithoutLearningPlaysExactlyThatManyGames) {
  Loaded loaded = Load("bert-tiny.inference.b8.128.bf16.edge-npu.pb");
  AgentOptions options = SmallBudget();
  options.model_path = "uniform";
  UniformEvaluator evaluator(options.game);
  int rounds = 0;  // The last round is never reported to the hook.
  auto count = [&](std::vector<PlayedGame>& played, const std::vector<double>& latencies) {
    ++rounds;
    EXPECT_EQ(played.size(), latencies.size());
    if (rounds == 1) {
      EXPECT_EQ(played.size(), 1u);  // The deterministic game alone, recording nothing.
      EXPECT_TRUE(played.front().steps.empty());
    }
    // Later rounds record for the hook the moves decided away from the incumbent only.
    for (const PlayedGame& game : played) {
      EXPECT_EQ(game.steps.size(), static_cast<size_t>(game.deviations + game.order_moves));
      for (const PlayedStep& step : game.steps) {
        EXPECT_NE(step.kind, PlayedStep::Kind::kReplayed);
      }
    }
    return absl::OkStatus();
  };
  options.max_games = 7;  // Rounds of 1, 4 and 2.
  absl::StatusOr<AgentRun> run = RunMuZero(*loaded.cost, options, evaluator, count);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(rounds, 2);
  options.max_games = -1;
  EXPECT_EQ(RunMuZero(*loaded.cost, options, evaluator).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ProgramLearnerTest, MissingModelIsACleanError) {
  Loaded loaded = Load("bert-tiny.inference.b8.128.bf16.edge-npu.pb");
  AgentOptions options = SmallBudget();
  options.model_path = "/nonexistent/model.pt";
  absl::StatusOr<AgentRun> run = LearnOnProgram(*loaded.cost, options);
  EXPECT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("/nonexistent/model.pt"));
}

}  // namespace
}  // namespace mmap_opt
