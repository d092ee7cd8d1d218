// MemoryState::MovePlacements, the repack step's way of giving placements new offsets: chunks
// follow their placements, failures change nothing, and RollBack undoes a move.
#include "mmap_opt/game/memory_state.h"

#include <memory>

#include "gtest/gtest.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::DecimalHardware;
using ::mmap_opt::testing::ProgramFromText;

proto::Placement Produced(int64_t buffer_id, int64_t offset, Time start, Time end) {
  proto::Placement p;
  p.set_buffer_id(buffer_id);
  p.set_offset(offset);
  p.set_start(start);
  p.set_end(end);
  p.set_source(proto::Placement::PRODUCED);
  return p;
}

class MovePlacementsTest : public ::testing::Test {
 protected:
  // x (100 B) made at t0, y (100 B) at t1, both read at t2; fast memory 1000 B.
  void SetUp() override {
    absl::StatusOr<Program> program = Program::Create(ProgramFromText(R"pb(
      buffers { id: 1 name: "x" size: 100 }
      buffers { id: 2 name: "y" size: 100 }
      instructions { id: 0 name: "make_x" outputs: 1 }
      instructions { id: 1 name: "make_y" outputs: 2 }
      instructions { id: 2 name: "read" operands: 1 operands: 2 }
    )pb"));
    ASSERT_TRUE(program.ok()) << program.status();
    program_ = std::make_unique<Program>(*std::move(program));
    absl::StatusOr<CostModel> cost = CostModel::Create(*program_, DecimalHardware());
    ASSERT_TRUE(cost.ok()) << cost.status();
    cost_ = std::make_unique<CostModel>(*std::move(cost));
    absl::StatusOr<MemoryState> state = MemoryState::Create(*cost_);
    ASSERT_TRUE(state.ok()) << state.status();
    state_ = std::make_unique<MemoryState>(*std::move(state));
    // x at [0, 100) over [0, 2], reserved in two chunks the way an extension does it; y at
    // [100, 200) over [1, 2].
    ASSERT_TRUE(state_->Reserve(0, 100, 0, 1));
    ASSERT_TRUE(state_->Reserve(0, 100, 2, 2));
    state_->AddPlacement(Produced(1, 0, 0, 2));
    ASSERT_TRUE(state_->Reserve(100, 100, 1, 2));
    state_->AddPlacement(Produced(2, 100, 1, 2));
  }

  std::unique_ptr<Program> program_;
  std::unique_ptr<CostModel> cost_;
  std::unique_ptr<MemoryState> state_;
};

// Swapping the two needs every old chunk gone before a new one arrives (y's new bytes are x's
// old ones over [1, 2]). Afterwards [0, 100) is free at t0 (y starts at t1) and [100, 200) is not.
TEST_F(MovePlacementsTest, SwapMovesChunksAndRollBackRestoresThem) {
  const MemoryState::Mark mark = state_->mark();
  ASSERT_TRUE(state_->MovePlacements({100, 0}).ok());
  EXPECT_EQ(state_->placement(0).offset(), 100);
  EXPECT_EQ(state_->placement(1).offset(), 0);
  EXPECT_EQ(state_->heap().num_chunks(), 2);  // x's two chunks became one.
  EXPECT_TRUE(state_->IsFree(0, 100, 0, 0));
  EXPECT_FALSE(state_->IsFree(100, 100, 0, 0));
  EXPECT_FALSE(state_->IsFree(0, 100, 1, 2));
  // A second move finds the chunks the first one made.
  ASSERT_TRUE(state_->MovePlacements({300, 0}).ok());
  EXPECT_TRUE(state_->IsFree(100, 100, 0, 2));
  state_->RollBack(mark);
  EXPECT_EQ(state_->placement(0).offset(), 0);
  EXPECT_EQ(state_->placement(1).offset(), 100);
  EXPECT_EQ(state_->heap().num_chunks(), 3);
  EXPECT_FALSE(state_->IsFree(0, 100, 0, 0));
  EXPECT_TRUE(state_->IsFree(100, 100, 0, 0));
  EXPECT_TRUE(state_->IsFree(300, 100, 0, 2));
  // After the rollback the original chunks are movable again.
  EXPECT_TRUE(state_->MovePlacements({500, 600}).ok());
}

// x at 950 would end at 1050 > 1000 B; x and y both at 0 overlap over [1, 2]: each fails and
// leaves offsets and chunks as they were.
TEST_F(MovePlacementsTest, FailedMovesChangeNothing) {
  EXPECT_EQ(state_->MovePlacements({950, 100}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(state_->MovePlacements({0, 0}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(state_->MovePlacements({0}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(state_->placement(0).offset(), 0);
  EXPECT_EQ(state_->placement(1).offset(), 100);
  EXPECT_EQ(state_->heap().num_chunks(), 3);
  EXPECT_FALSE(state_->IsFree(0, 100, 0, 2) || state_->IsFree(100, 100, 1, 2));
  EXPECT_TRUE(state_->IsFree(100, 100, 0, 0));
}

// A chunk no placement accounts for (here [500, 600) over t0) cannot be moved with them.
TEST_F(MovePlacementsTest, StrayChunkIsRefused) {
  ASSERT_TRUE(state_->Reserve(500, 100, 0, 0));
  absl::Status moved = state_->MovePlacements({200, 300});
  EXPECT_EQ(moved.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(moved.message().find("no placement"), std::string::npos) << moved;
  EXPECT_EQ(state_->placement(0).offset(), 0);
}

}  // namespace
}  // namespace mmap_opt
