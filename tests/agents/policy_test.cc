// The heuristic as a game policy plays the heuristic's decisions on programs where they are
// known (the cases of heuristic_test.cc).
#include "mmap_opt/agents/policy.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/sim/simulator.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::DecimalHardware;
using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RandomProgram;

std::string Fillers(int first_id, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    absl::StrAppend(&text, "instructions { id: ", first_id + i, " flops: 1000 }\n");
  }
  return text;
}

void ExpectSameLatency(const std::string& text, const HeuristicOptions& options = {}) {
  Program program = *Program::Create(ProgramFromText(text));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  proto::Assignment heuristic = *RunMsaHeuristic(cost, options);
  HeuristicPolicy policy;
  GameOptions game_options;
  game_options.prefetch = options.prefetch;
  GameRecord played = *PlayGame(cost, policy, "heuristic-game", game_options);
  EXPECT_EQ(played.drop_backups, 0);
  EXPECT_NEAR(Simulate(cost, played.assignment)->latency_s, Simulate(cost, heuristic)->latency_s,
              1e-12);
}

TEST(HeuristicPolicyTest, MatchesTheHeuristicOnAPrefetchedWeight) {
  ExpectSameLatency(Fillers(0, 5) + R"pb(
    buffers { id: 100 name: "w" size: 100 }
    buffers { id: 101 name: "out" size: 10 is_output: true }
    instructions { id: 5 name: "use" operands: 100 outputs: 101 }
  )pb");
}

TEST(HeuristicPolicyTest, MatchesTheHeuristicOnAKeptActivation) {
  ExpectSameLatency(R"pb(
    buffers { id: 1 name: "x" size: 100 }
    buffers { id: 2 name: "a" size: 200 }
    buffers { id: 3 name: "y" size: 10 is_output: true }
    instructions { id: 0 name: "f" operands: 1 outputs: 2 }
    instructions { id: 1 name: "g" operands: 2 outputs: 3 }
  )pb");
}

TEST(HeuristicPolicyTest, MatchesTheHeuristicOnAnEvictionAndPrefetchBack) {
  HeuristicOptions options;
  options.prefetch.max_overlap_to_mem_size_async_copy_ratio = 0.5;
  ExpectSameLatency(R"pb(
                          buffers { id: 1 name: "h" size: 100 }
                          instructions { id: 0 name: "make" outputs: 1 }
                          instructions { id: 1 name: "use1" operands: 1 }
                        )pb" +
                        Fillers(2, 10) + R"pb(
                      instructions { id: 12 name: "use2" operands: 1 }
                    )pb",
                    options);
}

// Property: replaying the plan of any game (random choices, defers and drop-backups included)
// gives that game's assignment exactly, and a plan replays a heuristic-game as the heuristic.
TEST(PlanPolicyTest, ReplaysAnyGameExactly) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 30; ++trial) {
    Program program = *Program::Create(RandomProgram(rng, 10 + rng() % 40));
    proto::Hardware hw = DecimalHardware();
    hw.set_fast_capacity(150 + rng() % 1000);
    CostModel cost = *CostModel::Create(program, hw);
    RandomPolicy random(trial);
    HeuristicPolicy heuristic;
    for (Policy* policy : std::vector<Policy*>{&random, &heuristic}) {
      GameRecord first = *PlayGame(cost, *policy, "a");
      PlanPolicy replay(first.plan);
      GameRecord second = *PlayGame(cost, replay, "a");
      EXPECT_TRUE(
          google::protobuf::util::MessageDifferencer::Equals(first.assignment, second.assignment))
          << "trial " << trial;
      EXPECT_DOUBLE_EQ(first.total_reward, second.total_reward);
    }
    // The plan holds departures from the heuristic's rule only: none in its own game.
    EXPECT_TRUE(PlayGame(cost, heuristic, "a")->plan.empty()) << "trial " << trial;
  }
}

// Two weights read after fillers, room for one. The plan of a game that dropped the one the
// heuristic placed holds that Drop alone; replaying it, the rule places the other weight in the
// space the Drop freed (a plan of every action would replay the other's Drop as well).
TEST(PlanPolicyTest, ReplayLetsTheRuleUseTheSpaceADeviationFreed) {
  Program program = *Program::Create(ProgramFromText(Fillers(0, 4) + R"pb(
    buffers { id: 100 name: "a" size: 100 }
    buffers { id: 101 name: "b" size: 100 }
    instructions { id: 4 name: "use_a" operands: 100 flops: 1 }
    instructions { id: 5 name: "use_b" operands: 101 flops: 1 }
  )pb"));
  proto::Hardware hw = DecimalHardware();
  hw.set_fast_capacity(150);
  CostModel cost = *CostModel::Create(program, hw);
  HeuristicPolicy heuristic;
  GameRecord base = *PlayGame(cost, heuristic, "a");
  ASSERT_EQ(base.assignment.placements_size(), 1);
  const int64_t placed = base.assignment.placements(0).buffer_id();

  MallocGame game = *MallocGame::Create(cost);
  while (program.buffer(game.segment().buffer).id() != placed) game.Step(heuristic.Choose(game));
  GamePlan plan;
  ASSERT_NE(heuristic.Choose(game), 0);
  plan.Record(game.segment(), Action{ActionKind::kDrop, 0}, 0);
  ASSERT_FALSE(plan.empty());
  PlanPolicy replay(plan);
  GameRecord replayed = *PlayGame(cost, replay, "a");
  ASSERT_EQ(replayed.assignment.placements_size(), 1);
  EXPECT_NE(replayed.assignment.placements(0).buffer_id(), placed);
}

// An empty plan falls back on the heuristic's choices.
TEST(PlanPolicyTest, EmptyPlanPlaysTheHeuristic) {
  std::mt19937 rng(3);
  Program program = *Program::Create(RandomProgram(rng, 40));
  proto::Hardware hw = DecimalHardware();
  hw.set_fast_capacity(500);
  CostModel cost = *CostModel::Create(program, hw);
  GamePlan empty;
  PlanPolicy replay(empty);
  HeuristicPolicy heuristic;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      PlayGame(cost, replay, "a")->assignment, PlayGame(cost, heuristic, "a")->assignment));
}

}  // namespace
}  // namespace mmap_opt
