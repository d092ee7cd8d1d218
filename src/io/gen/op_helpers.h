// Helpers the layer files of src/io/gen share (internal: not installed).
#ifndef MMAP_OPT_SRC_IO_GEN_OP_HELPERS_H_
#define MMAP_OPT_SRC_IO_GEN_OP_HELPERS_H_

#include <functional>
#include <string>

#include "mmap_opt/io/gen_graph.h"

namespace mmap_opt::gen::internal {

inline double D(int64_t v) { return static_cast<double>(v); }

// db[n] = sum over rows of dz (one add per element of dz), when the bias needs a gradient.
void BiasBackward(GraphBuilder& g, const std::string& name, const Tensor& bias, const Tensor& dz);

// Emits the data and weight gradients of a weighted op in the canonical order, or swapped
// when the seed's tie-break says so.
void DataAndWeightGrads(GraphBuilder& g, std::function<void()> data, std::function<void()> weight);

// Softmax over the last axis with `extra` FLOPs per element fused in (see ops.cc).
Tensor SoftmaxImpl(GraphBuilder& g, const std::string& name, const Tensor& x, double extra);

}  // namespace mmap_opt::gen::internal

#endif  // MMAP_OPT_SRC_IO_GEN_OP_HELPERS_H_
