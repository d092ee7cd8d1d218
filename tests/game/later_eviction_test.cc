// Evict later (GameOptions::later_evictions): a produced buffer whose write-back finds no
// eviction window at XLA's preferred length may try longer ones, as the heuristic's retries do
// for every buffer; worked out by hand on a tiny program.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/game/malloc_game.h"
#include "mmap_opt/sim/simulator.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::DecimalHardware;
using ::mmap_opt::testing::ProgramFromText;

// Decimal hardware: copies and slow memory move 100 B/s, so a's 100 B take 1 s to write back.
// a is made at t0 and read at t1 and is an output, so keeping it in fast memory needs an
// eviction issued at boundary 1. t2..t5 each read a 100 B input from slow memory (1 s, HBM
// busy: no idle time for a copy), t6 computes for 2 s (2 s of idle HBM). All-slow times: t1
// 1 s (a read slow), t2..t5 1 s each.
//   Retry 0 asks for 1.5 x 1 s of instruction time after t0: E(0, 3) = 2 s, so a would stay
//   until t3 and its copy run during t1..t3, which leave it no idle time (t1 reads a, t2 and
//   t3 their inputs); nor does a window ending at the use itself. The placement is backed up
//   to Drop, as XLA's single attempt falls back to producing a in slow memory.
//   Retry 1 asks for 3 x 1.5 x 1 s = 4.5 s: E(0, 6) = 5 s, so a stays until t6, and its copy
//   fits t6's 2 s of idle time.
constexpr char kProgram[] = R"pb(
  buffers { id: 1 name: "a" size: 100 is_output: true }
  buffers { id: 2 name: "x2" size: 100 }
  buffers { id: 3 name: "x3" size: 100 }
  buffers { id: 4 name: "x4" size: 100 }
  buffers { id: 5 name: "x5" size: 100 }
  instructions { id: 0 name: "make" outputs: 1 }
  instructions { id: 1 name: "use" operands: 1 }
  instructions { id: 2 operands: 2 }
  instructions { id: 3 operands: 3 }
  instructions { id: 4 operands: 4 }
  instructions { id: 5 operands: 5 }
  instructions { id: 6 flops: 2000 }
)pb";

// a first in the order, so that it is decided with the inputs still read from slow memory.
std::vector<double> AFirst() { return {10, 1, 1, 1, 1}; }

TEST(LaterEvictionTest, ALongerWindowLetsTheProducedBufferStay) {
  Program program = *Program::Create(ProgramFromText(kProgram));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  GameOptions options;
  options.priority = AFirst();
  const int keep_index = 1;  // NoCopy(0).
  {
    MallocGame game = *MallocGame::Create(cost, options);
    ASSERT_EQ(program.buffer(game.segment().buffer).name(), "a");
    ASSERT_TRUE(game.legal()[keep_index]);
    const StepResult step = game.Step(keep_index);
    EXPECT_TRUE(step.drop_backup);
    EXPECT_TRUE(step.eviction_failed);
    EXPECT_EQ(step.executed.kind, ActionKind::kDrop);
  }
  options.later_evictions = {1, 0, 0, 0, 0};  // a may try one longer window.
  MallocGame game = *MallocGame::Create(cost, options);
  const StepResult step = game.Step(keep_index);
  EXPECT_FALSE(step.drop_backup);
  EXPECT_FALSE(step.eviction_failed);
  EXPECT_EQ(step.executed.kind, ActionKind::kNoCopy);
  const proto::Assignment assignment = game.ToAssignment("t");
  ASSERT_EQ(assignment.placements_size(), 1);
  const proto::Placement& a = assignment.placements(0);
  EXPECT_EQ(a.buffer_id(), 1);
  EXPECT_EQ(a.source(), proto::Placement::PRODUCED);
  EXPECT_EQ(a.start(), 0);
  EXPECT_EQ(a.end(), 6);  // Kept until its eviction is done (retry 1's window).
  EXPECT_GT(step.reward, 0);
}

// The same through the heuristic: XLA's single attempt leaves a in slow memory, a second
// attempt (max_retries 2, the retry above) keeps it until t6; the game's rule plays both
// exactly, and its plan names a as the buffer whose eviction failed.
TEST(LaterEvictionTest, TheRulePlaysTheHeuristicsRetriesForOneBuffer) {
  Program program = *Program::Create(ProgramFromText(kProgram));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  HeuristicOptions xla;
  xla.priority = AFirst();
  HeuristicOptions retried = xla;
  retried.max_retries = 2;
  const double xla_latency = Simulate(cost, *RunMsaHeuristic(cost, xla))->latency_s;
  const double retried_latency = Simulate(cost, *RunMsaHeuristic(cost, retried))->latency_s;
  EXPECT_LT(retried_latency, xla_latency);

  GameOptions options;
  options.priority = AFirst();
  HeuristicPolicy rule;
  const GameRecord plain = *PlayGame(cost, rule, "t", options);
  EXPECT_NEAR(Simulate(cost, plain.assignment)->latency_s, xla_latency, 1e-9 * xla_latency);
  EXPECT_EQ(plain.plan.failed_evictions(), std::vector<BufferIndex>{0});  // a.
  EXPECT_TRUE(plain.plan.empty());

  options.later_evictions = {MallocGame::kMaxLaterEvictions, 0, 0, 0, 0};
  const GameRecord later = *PlayGame(cost, rule, "t", options);
  EXPECT_NEAR(Simulate(cost, later.assignment)->latency_s, retried_latency,
              1e-9 * retried_latency);
  EXPECT_TRUE(later.plan.failed_evictions().empty());
  EXPECT_EQ(later.plan.later_evictions(), options.later_evictions);
  EXPECT_FALSE(later.plan.empty());
}

TEST(LaterEvictionTest, BadLevelsAreRejected) {
  Program program = *Program::Create(ProgramFromText(kProgram));
  CostModel cost = *CostModel::Create(program, DecimalHardware());
  EXPECT_FALSE(MallocGame::Create(cost, {.later_evictions = {1, 0}}).ok());  // Not per buffer.
  EXPECT_FALSE(MallocGame::Create(cost, {.later_evictions = {0, -1, 0, 0, 0}}).ok());
  EXPECT_FALSE(
      MallocGame::Create(cost, {.later_evictions = {MallocGame::kMaxLaterEvictions + 1, 0, 0, 0, 0}})
          .ok());
  EXPECT_TRUE(MallocGame::Create(cost, {.later_evictions = {16, 0, 0, 0, 0}}).ok());
}

}  // namespace
}  // namespace mmap_opt
