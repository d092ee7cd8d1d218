// MsaBufferOrder's key (buffer_order.h), worked out once per program by MsaBufferOrdering
// (issue 16): the order it gives equals a sort by the whole documented key, on random programs
// with priorities that tie often (so the later parts of the key decide).
#include "mmap_opt/game/buffer_order.h"

#include <algorithm>
#include <random>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

std::vector<BufferIndex> SortedByTheWholeKey(const CostModel& cost,
                                             const std::vector<double>& boundedness) {
  const Program& program = cost.program();
  std::vector<BufferIndex> order;
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) {
    const proto::Buffer& buffer = program.buffer(b);
    if (!buffer.slow_only() && buffer.size() <= cost.hardware().fast_capacity()) order.push_back(b);
  }
  auto key = [&](BufferIndex b) {
    const LiveRange live = program.live_range(b);
    const Time latest_use = program.uses(b).empty() ? live.start : program.uses(b).back();
    return std::make_tuple(-boundedness[b], -program.buffer(b).size(), -(live.end - live.start),
                           latest_use, live.start, program.buffer(b).id());
  };
  std::sort(order.begin(), order.end(),
            [&](BufferIndex a, BufferIndex b) { return key(a) < key(b); });
  return order;
}

TEST(BufferOrderTest, OneSortByPriorityAndRankIsTheWholeKey) {
  std::mt19937 rng(16);
  for (int trial = 0; trial < 30; ++trial) {
    const Program program = *Program::Create(testing::RandomProgram(rng, 10 + trial % 20));
    const CostModel cost = *CostModel::Create(program, testing::DecimalHardware());
    const MsaBufferOrdering ordering(cost);
    EXPECT_EQ(ordering.Order({}), SortedByTheWholeKey(cost, cost.MemoryBoundedness()));
    EXPECT_EQ(MsaBufferOrder(cost), SortedByTheWholeKey(cost, cost.MemoryBoundedness()));
    for (int draw = 0; draw < 5; ++draw) {
      std::vector<double> priority(program.num_buffers());
      for (double& p : priority) p = static_cast<double>(rng() % 3);  // Many ties.
      EXPECT_EQ(ordering.Order(priority), SortedByTheWholeKey(cost, priority)) << "trial " << trial;
    }
  }
}

}  // namespace
}  // namespace mmap_opt
