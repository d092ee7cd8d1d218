// The MallocGame: every game ends valid, infeasible actions are backed up to Drop, snapshots
// restore exactly, and rewards are the cost model's time saved over the headroom.
#include "mmap_opt/game/malloc_game.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/sim/simulator.h"
#include "mmap_opt/sim/validator.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::DecimalHardware;
using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::RandomProgram;

// Picks any action, legal or not, to exercise drop-backup.
class ChaosPolicy : public Policy {
 public:
  explicit ChaosPolicy(uint64_t seed) : rng_(seed) {}
  int Choose(const MallocGame& game) override { return rng_() % game.num_actions(); }

 private:
  std::mt19937_64 rng_;
};

TEST(MallocGameTest, ActionEncodingRoundTrips) {
  Program program = *Program::Create(ProgramFromText(R"pb(instructions { id: 0 })pb"));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  GameOptions options;
  options.num_candidates = 3;
  MallocGame game = *MallocGame::Create(cost, options);
  EXPECT_EQ(game.num_actions(), 8);
  EXPECT_TRUE(game.done());  // No buffer, no segment.
  for (int a = 0; a < 8; ++a) EXPECT_EQ(game.EncodeAction(game.DecodeAction(a)), a);
  EXPECT_EQ(game.DecodeAction(7).kind, ActionKind::kDefer);
  options.max_defers = 0;  // No Defer action.
  EXPECT_EQ(MallocGame::NumActions(options), 7);
  EXPECT_FALSE(MallocGame::Create(cost, {.max_defers = -1}).ok());
  EXPECT_EQ(game.DecodeAction(2).kind, ActionKind::kNoCopy);
  EXPECT_EQ(game.DecodeAction(2).candidate, 1);
  EXPECT_EQ(game.DecodeAction(6).kind, ActionKind::kCopy);
  EXPECT_EQ(game.DecodeAction(6).candidate, 2);
  EXPECT_FALSE(MallocGame::Create(cost, {.num_candidates = 0}).ok());
  EXPECT_FALSE(MallocGame::Create(cost, {.defer_scale = 0}).ok());
  EXPECT_FALSE(MallocGame::Create(cost, {.defer_scale = 51}).ok());
}

// One segment: the weight w read at t5 after five 1 s fillers. Prefetching it saves
// 1.1 s - 0.2 s = 0.9 s at t5 (see heuristic_test); the headroom is all-slow 6.1 s minus the
// bound 5.11 s (t5 with w fast and the 10 B output written fast: 0.1 + 0.01) = 0.99 s.
TEST(MallocGameTest, RewardIsTimeSavedOverHeadroom) {
  std::string text;
  for (int i = 0; i < 5; ++i) absl::StrAppend(&text, "instructions { id: ", i, " flops: 1000 }\n");
  text += R"pb(
    buffers { id: 100 name: "w" size: 100 }
    buffers { id: 101 name: "out" size: 10 is_output: true }
    instructions { id: 5 name: "use" operands: 100 outputs: 101 }
  )pb";
  Program program = *Program::Create(ProgramFromText(text));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  MallocGame game = *MallocGame::Create(cost);
  // w's use, then out's definition-only segment (out is written by the last instruction, so it
  // could never be written back: only Drop is legal there).
  ASSERT_EQ(game.num_segments(), 2);
  EXPECT_NEAR(game.headroom(), 0.99, 1e-12);
  EXPECT_EQ(program.buffer(game.segment().buffer).name(), "w");
  const Action copy{ActionKind::kCopy, 0};
  ASSERT_TRUE(game.legal()[game.EncodeAction(copy)]);
  EXPECT_FALSE(game.legal()[game.EncodeAction({ActionKind::kNoCopy, 0})]);  // w is an input.
  EXPECT_EQ(game.copy_start(), 3);
  StepResult step = game.Step(game.EncodeAction(copy));
  EXPECT_FALSE(step.drop_backup);
  EXPECT_NEAR(step.reward, 0.9 / 0.99, 1e-12);
  ASSERT_FALSE(game.done());
  EXPECT_EQ(program.buffer(game.segment().buffer).name(), "out");
  EXPECT_EQ(game.segment().start, 5);
  EXPECT_EQ(game.segment().use, 5);
  for (int a = 1; a < game.num_actions(); ++a) EXPECT_FALSE(game.legal()[a]) << a;
  EXPECT_EQ(game.Step(0).reward, 0);
  EXPECT_TRUE(game.done());
}

// a is made at t0, read at t1 (the last instruction) and is a program output. Producing it in
// fast memory is legal (there is room), but its eviction would have to run during t1 alone:
// 0.1 s of idle HBM (t1 reads a fast: 100 B / 1000 B/s) for a 1 s copy. Executing NoCopy
// fails, and the game plays Drop instead.
TEST(MallocGameTest, InfeasibleActionIsBackedUpToDrop) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    buffers { id: 1 name: "a" size: 100 is_output: true }
    instructions { id: 0 name: "make" outputs: 1 }
    instructions { id: 1 name: "use" operands: 1 }
  )pb"));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  MallocGame game = *MallocGame::Create(cost);
  ASSERT_EQ(game.num_segments(), 1);
  const int keep = game.EncodeAction({ActionKind::kNoCopy, 0});
  ASSERT_TRUE(game.legal()[keep]);
  StepResult step = game.Step(keep);
  EXPECT_TRUE(step.drop_backup);
  EXPECT_EQ(step.executed.kind, ActionKind::kDrop);
  EXPECT_EQ(step.reward, 0);
  EXPECT_EQ(game.drop_backups(), 1);
  EXPECT_EQ(game.ToAssignment("t").placements_size(), 0);
}

// Three weights read once each after fillers. Deferring the first buffer in the order moves it
// behind at least one other (nothing is decided, no reward); with max_defers 1 a buffer defers
// once, so at most three defers happen before only undeferrable ones remain (the last buffer
// never defers). Restore undoes the moves.
TEST(MallocGameTest, DeferMovesTheBufferBackAndRestoreUndoesIt) {
  std::string text;
  for (int i = 0; i < 4; ++i) absl::StrAppend(&text, "instructions { id: ", i, " flops: 1000 }\n");
  text += R"pb(
    buffers { id: 100 name: "big" size: 100 }
    buffers { id: 101 name: "small" size: 50 }
    buffers { id: 102 name: "mid" size: 60 }
    instructions { id: 4 name: "a" operands: 100 }
    instructions { id: 5 name: "b" operands: 101 }
    instructions { id: 6 name: "c" operands: 102 }
  )pb";
  Program program = *Program::Create(ProgramFromText(text));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  GameOptions options;
  options.max_defers = 1;
  MallocGame game = *MallocGame::Create(cost, options);
  ASSERT_EQ(game.num_segments(), 3);
  const int defer = game.EncodeAction({ActionKind::kDefer, 0});
  auto order = [&] {
    std::string names;
    MallocGame copy = game;
    while (!copy.done()) {
      names += program.buffer(copy.segment().buffer).name() + " ";
      copy.Step(0);
    }
    return names;
  };
  const std::string before = order();
  const MallocGame::Snapshot start = game.Save();
  const std::string first = program.buffer(game.segment().buffer).name();
  ASSERT_TRUE(game.legal()[defer]);
  EXPECT_EQ(game.defers(), 0);
  StepResult step = game.Step(defer);
  EXPECT_EQ(step.executed.kind, ActionKind::kDefer);
  EXPECT_FALSE(step.drop_backup);
  EXPECT_EQ(step.reward, 0);
  EXPECT_EQ(game.segment_index(), 0);  // Nothing decided yet.
  EXPECT_NE(program.buffer(game.segment().buffer).name(), first);
  const std::string after = order();
  EXPECT_NE(after, before);
  EXPECT_NE(after.find(first), 0u);
  // Defer everything until one buffer is left: each buffer defers at most once.
  int defers = 1;
  while (game.legal()[defer]) {
    game.Step(defer);
    ++defers;
  }
  EXPECT_LE(defers, 3);
  game.Restore(start);
  EXPECT_EQ(order(), before);
  EXPECT_EQ(game.defers(), 0);
  EXPECT_TRUE(game.legal()[defer]);
}

// The prefetch of w (as in RewardIsTimeSavedOverHeadroom: read at t5 after five 1 s fillers)
// can start at several times: Copy(0) at the picker's choice (3, as the heuristic), the others
// at distinct feasible times before the use; each plays as a prefetch issued there.
TEST(MallocGameTest, CopyCandidatesStartAtDistinctTimes) {
  std::string text;
  for (int i = 0; i < 5; ++i) absl::StrAppend(&text, "instructions { id: ", i, " flops: 1000 }\n");
  text += R"pb(
    buffers { id: 100 name: "w" size: 100 }
    instructions { id: 5 name: "use" operands: 100 }
  )pb";
  Program program = *Program::Create(ProgramFromText(text));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  MallocGame game = *MallocGame::Create(cost);
  EXPECT_EQ(game.copy_start(0), 3);
  std::vector<Time> starts;
  for (int k = 0; k < game.options().num_candidates; ++k) {
    const int action = game.EncodeAction({ActionKind::kCopy, k});
    if (!game.legal()[action]) continue;
    ASSERT_TRUE(game.copy_start(k).has_value());
    starts.push_back(*game.copy_start(k));
    MallocGame played = game;
    ASSERT_FALSE(played.Step(action).drop_backup);
    const proto::Assignment a = played.ToAssignment("t");
    ASSERT_EQ(a.placements_size(), 1);
    EXPECT_EQ(a.placements(0).copy_start(), starts.back());
    EXPECT_TRUE(ValidateAssignment(program, cost.hardware(), a).ok());
  }
  ASSERT_GE(starts.size(), 2u);
  for (Time t : starts) {
    EXPECT_GE(t, 0);
    EXPECT_LT(t, 5);
  }
  std::sort(starts.begin(), starts.end());
  EXPECT_EQ(std::unique(starts.begin(), starts.end()), starts.end());
}

TEST(MallocGameTest, IllegalActionIsBackedUpToo) {
  Program program = *Program::Create(ProgramFromText(R"pb(
    buffers { id: 1 name: "x" size: 100 }
    instructions { id: 0 name: "use" operands: 1 }
  )pb"));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  MallocGame game = *MallocGame::Create(cost);
  // x is an input used at t0: no time to prefetch, nothing to keep.
  const int copy = game.EncodeAction({ActionKind::kCopy, 0});
  EXPECT_FALSE(game.legal()[copy]);
  EXPECT_TRUE(game.Step(copy).drop_backup);
}

// Property: whatever is played, every finished game is a valid assignment within the bounds.
TEST(MallocGameTest, EveryFinishedGameIsValid) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 40; ++trial) {
    Program program = *Program::Create(RandomProgram(rng, 10 + rng() % 50));
    proto::Hardware hw = DecimalHardware();
    hw.set_fast_capacity(150 + rng() % 1200);
    hw.set_fast_alignment(1 << (rng() % 3));
    hw.set_max_outstanding_prefetches(trial % 2 ? 1 : -1);
    hw.set_max_outstanding_evictions(trial % 2 ? 1 : -1);
    CostModel cost = *CostModel::Create(program, hw);
    RandomPolicy random(trial);
    ChaosPolicy chaos(trial);
    HeuristicPolicy heuristic;
    for (Policy* policy : std::vector<Policy*>{&random, &chaos, &heuristic}) {
      GameOptions options;
      options.num_candidates = 1 + trial % 6;
      absl::StatusOr<GameRecord> record = PlayGame(cost, *policy, "test", options);
      ASSERT_TRUE(record.ok()) << record.status();
      absl::Status valid = ValidateAssignment(program, hw, record->assignment);
      ASSERT_TRUE(valid.ok()) << "trial " << trial << ": " << valid;
      absl::StatusOr<SimulationResult> result = Simulate(cost, record->assignment);
      ASSERT_TRUE(result.ok());
      EXPECT_GE(result->latency_s, cost.LowerBoundLatency() * (1 - 1e-12));
    }
  }
}

TEST(MallocGameTest, RestoreReplaysExactly) {
  std::mt19937 rng(5);
  Program program = *Program::Create(RandomProgram(rng, 60));
  proto::Hardware hw = DecimalHardware();
  hw.set_fast_capacity(600);
  CostModel cost = *CostModel::Create(program, hw);
  MallocGame game = *MallocGame::Create(cost);
  ASSERT_GT(game.num_segments(), 20);
  RandomPolicy policy(17);
  for (int i = 0; i < 10; ++i) game.Step(policy.Choose(game));
  const MallocGame::Snapshot snapshot = game.Save();
  const std::vector<bool> legal_at_snapshot = game.legal();
  std::vector<int> actions;
  while (!game.done()) {
    actions.push_back(policy.Choose(game));
    game.Step(actions.back());
  }
  const proto::Assignment first = game.ToAssignment("a");
  const double reward = game.total_reward();
  game.Restore(snapshot);
  EXPECT_EQ(game.legal(), legal_at_snapshot);
  for (int action : actions) game.Step(action);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(first, game.ToAssignment("a")));
  EXPECT_DOUBLE_EQ(game.total_reward(), reward);
}

TEST(MallocGameTest, ObservationIsNormalised) {
  std::mt19937 rng(8);
  Program program = *Program::Create(RandomProgram(rng, 40));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  MallocGame game = *MallocGame::Create(cost);
  std::vector<float> features(MallocGame::ObservationSize(game.options()));
  RandomPolicy policy(3);
  while (!game.done()) {
    game.Observe(features.data());
    for (float f : features) {
      EXPECT_GE(f, 0.0f);
      EXPECT_LE(f, 1.0f);
    }
    game.Step(policy.Choose(game));
  }
}

}  // namespace
}  // namespace mmap_opt
