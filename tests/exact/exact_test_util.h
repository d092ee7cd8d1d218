// Random hardware and random valid assignments for the exact agent's tests: shapes no agent
// makes, to check the model's relaxation and the plan repair on.
#ifndef MMAP_OPT_TESTS_EXACT_EXACT_TEST_UTIL_H_
#define MMAP_OPT_TESTS_EXACT_EXACT_TEST_UTIL_H_

#include <algorithm>
#include <random>

#include "mmap_opt/model/program.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/validator.h"
#include "test_util.h"

namespace mmap_opt::exact {

inline proto::Hardware RandomSmallHardware(std::mt19937& rng, int trial) {
  proto::Hardware hw = ::mmap_opt::testing::DecimalHardware();
  hw.set_fast_capacity(200 + rng() % 1200);
  hw.set_fast_alignment(1 << (rng() % 3));
  hw.set_async_copy_fraction(trial % 2 ? 0.5 : 1.0);
  hw.set_max_outstanding_prefetches(trial % 3 == 0 ? 1 + trial % 2 : -1);
  hw.set_max_outstanding_evictions(trial % 3 == 0 ? 1 : -1);
  return hw;
}

// Random placements, each kept when the assignment stays valid: shapes no agent makes
// (early copy starts, prefetches next to PRODUCED placements, two placements of one buffer).
inline proto::Assignment RandomValidAssignment(const Program& program, const proto::Hardware& hw,
                                        std::mt19937& rng) {
  proto::Assignment a;
  const Time n = program.num_instructions();
  for (int tries = 0; tries < 60; ++tries) {
    const BufferIndex b = rng() % program.num_buffers();
    proto::Placement p;
    p.set_buffer_id(program.buffer(b).id());
    p.set_offset((rng() % 8) * hw.fast_alignment() * 16);
    const bool produced = program.definition(b) && rng() % 2 == 0;
    p.set_source(produced ? proto::Placement::PRODUCED : proto::Placement::PREFETCHED);
    const Time start = produced ? *program.definition(b) : rng() % n;
    const Time end = std::min<Time>(n - 1, start + rng() % 8);
    p.set_start(start);
    p.set_end(end);
    if (!produced) p.set_copy_start(std::max<Time>(0, start - static_cast<Time>(rng() % 6)));
    *a.add_placements() = p;
    if (!ValidateAssignment(program, hw, a).ok()) a.mutable_placements()->RemoveLast();
  }
  return a;
}

}  // namespace mmap_opt::exact

#endif  // MMAP_OPT_TESTS_EXACT_EXACT_TEST_UTIL_H_
