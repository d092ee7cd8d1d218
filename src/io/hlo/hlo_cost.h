// FLOPs and transcendentals of one HLO instruction, in the spirit of XLA's HloCostAnalysis.
#ifndef MMAP_OPT_IO_HLO_HLO_COST_H_
#define MMAP_OPT_IO_HLO_HLO_COST_H_

#include <functional>

#include "absl/status/statusor.h"
#include "hlo_module.h"

namespace mmap_opt::hlo {

struct Cost {
  double flops = 0;
  double transcendentals = 0;
  Cost& operator+=(const Cost& other) {
    flops += other.flops;
    transcendentals += other.transcendentals;
    return *this;
  }
};

// How an opcode is costed.
enum class CostKind {
  kFree,            // Data movement, views, control: 0 FLOPs (its bytes still count).
  kElementwise,     // One FLOP per output element.
  kTranscendental,  // One transcendental per output element (and no FLOPs).
  kReduce,          // One FLOP per reduced input element.
  kReduceWindow,    // One FLOP per output element per window element.
  kDot,             // 2 x output elements x contracted elements.
  kConvolution,     // 2 x output elements x kernel window x input features per group.
  kCollective,      // Bytes move; all-reduce / reduce-scatter add one FLOP per element.
  kCalled,          // fusion, async-start: the called computations' cost.
  kSort,            // Comparisons: elements x ceil(log2 of the sorted dimension).
  kLinearAlgebra,   // cholesky, triangular-solve: textbook counts.
  kNoModel,         // custom-call and opcodes we do not know: 0 FLOPs, reported.
};

CostKind CostKindOf(absl::string_view opcode);

// The cost of `inst` in `computation`. `called_cost(c)` gives the whole cost of computation
// c (for fusions and async wrappers). Errors (a dot contracting a dimension its operand does
// not have, ...) are "PATH:LINE: message".
absl::StatusOr<Cost> InstructionCost(const Module& module, const Computation& computation,
                                     const Instruction& inst,
                                     const std::function<absl::StatusOr<Cost>(int)>& called_cost);

}  // namespace mmap_opt::hlo

#endif  // MMAP_OPT_IO_HLO_HLO_COST_H_
