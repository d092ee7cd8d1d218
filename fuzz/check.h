// Properties the targets check on whatever reaches the simulator.
#ifndef MMAP_OPT_FUZZ_CHECK_H_
#define MMAP_OPT_FUZZ_CHECK_H_

#include <vector>

#include "mmap_opt/model/program.h"
#include "mmap_opt/proto/mmap_opt.pb.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/sim/simulator.h"
#include "mmap_opt/sim/validator.h"

namespace mmap_opt::fuzz {

// Simulates `assignment`, which `violations` (FindViolations) says is valid or not: Simulate
// must succeed exactly when there are none, and then score
//   lower bound <= capacity bound <= latency <= all-slow + stalls,
// with the empty assignment at exactly all-slow.
void CheckScoreWithinBounds(const CostModel& model, const proto::Assignment& assignment,
                            const std::vector<Violation>& violations);

// Builds the cost model (when the hardware validates) and runs the validator and
// CheckScoreWithinBounds on `assignment`.
void CheckAssignment(const Program& program, const proto::Hardware& hardware,
                     const proto::Assignment& assignment);

}  // namespace mmap_opt::fuzz

#endif  // MMAP_OPT_FUZZ_CHECK_H_
