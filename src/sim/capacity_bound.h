// Computes CostModel::CapacityBoundLatency once, when the cost model is built.
#ifndef MMAP_OPT_SRC_SIM_CAPACITY_BOUND_H_
#define MMAP_OPT_SRC_SIM_CAPACITY_BOUND_H_

#include "mmap_opt/sim/cost_model.h"

namespace mmap_opt::internal {

// Uses only `model`'s program, hardware and Cost/BytesOf, which are ready before it is called.
double ComputeCapacityBound(const CostModel& model);

}  // namespace mmap_opt::internal

#endif  // MMAP_OPT_SRC_SIM_CAPACITY_BOUND_H_
