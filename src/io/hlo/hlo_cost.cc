// Per-opcode FLOP formulas. Counting rules follow XLA's HloCostAnalysis where it has one:
// elementwise ops one per output element, transcendental ops counted apart (not as FLOPs),
// dot and convolution 2 x multiply-accumulates from their dimension numbers.
#include "hlo_cost.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::hlo {
namespace {

const absl::flat_hash_map<absl::string_view, CostKind>& Kinds() {
  static const auto* kinds = [] {
    auto* map = new absl::flat_hash_map<absl::string_view, CostKind>;
    for (const char* op : {"add",
                           "subtract",
                           "multiply",
                           "divide",
                           "maximum",
                           "minimum",
                           "remainder",
                           "and",
                           "or",
                           "xor",
                           "not",
                           "negate",
                           "abs",
                           "sign",
                           "floor",
                           "ceil",
                           "round-nearest-afz",
                           "round-nearest-even",
                           "compare",
                           "select",
                           "clamp",
                           "convert",
                           "shift-left",
                           "shift-right-arithmetic",
                           "shift-right-logical",
                           "popcnt",
                           "count-leading-zeros",
                           "is-finite",
                           "real",
                           "imag",
                           "complex",
                           "stochastic-convert",
                           "reduce-precision",
                           "map"}) {
      (*map)[op] = CostKind::kElementwise;
    }
    for (const char* op :
         {"exponential", "exponential-minus-one", "log", "log-plus-one", "tanh", "logistic",
          "rsqrt", "sqrt", "cbrt", "power", "sine", "cosine", "tan", "atan2", "erf"}) {
      (*map)[op] = CostKind::kTranscendental;
    }
    for (const char* op : {"parameter",
                           "constant",
                           "get-tuple-element",
                           "tuple",
                           "bitcast",
                           "reshape",
                           "dynamic-reshape",
                           "transpose",
                           "broadcast",
                           "copy",
                           "copy-start",
                           "copy-done",
                           "slice",
                           "dynamic-slice",
                           "dynamic-update-slice",
                           "concatenate",
                           "pad",
                           "gather",
                           "reverse",
                           "iota",
                           "bitcast-convert",
                           "partition-id",
                           "replica-id",
                           "after-all",
                           "add-dependency",
                           "opt-barrier",
                           "optimization-barrier",
                           "domain",
                           "infeed",
                           "outfeed",
                           "send",
                           "send-done",
                           "recv",
                           "recv-done",
                           "rng",
                           "rng-bit-generator",
                           "rng-get-and-update-state",
                           "get-dimension-size",
                           "set-dimension-size",
                           "while",
                           "conditional",
                           "call",
                           "async-update",
                           "async-done",
                           "all-reduce-done",
                           "all-gather-done",
                           "collective-permute-done",
                           "tuple-select"}) {
      (*map)[op] = CostKind::kFree;
    }
    for (const char* op :
         {"all-reduce", "all-reduce-start", "reduce-scatter", "all-gather", "all-gather-start",
          "all-to-all", "ragged-all-to-all", "collective-permute", "collective-permute-start",
          "collective-broadcast"}) {
      (*map)[op] = CostKind::kCollective;
    }
    (*map)["reduce"] = CostKind::kReduce;
    (*map)["scatter"] = CostKind::kReduce;
    (*map)["reduce-window"] = CostKind::kReduceWindow;
    (*map)["select-and-scatter"] = CostKind::kReduceWindow;
    (*map)["dot"] = CostKind::kDot;
    (*map)["convolution"] = CostKind::kConvolution;
    (*map)["fusion"] = CostKind::kCalled;
    (*map)["async-start"] = CostKind::kCalled;
    (*map)["sort"] = CostKind::kSort;
    (*map)["cholesky"] = CostKind::kLinearAlgebra;
    (*map)["triangular-solve"] = CostKind::kLinearAlgebra;
    return map;
  }();
  return *kinds;
}

// Elements of every array in a (possibly tuple) shape.
double Elements(const Shape& shape) {
  if (!shape.is_tuple) return static_cast<double>(shape.ElementCount());
  double total = 0;
  for (const Shape& s : shape.tuple_shapes) total += Elements(s);
  return total;
}

const Shape& OperandShape(const Computation& c, const Instruction& inst, size_t i) {
  return c.instructions[inst.operands[i]].shape;
}

// `{1,2}` -> {1, 2}.
absl::StatusOr<std::vector<int64_t>> IntList(const Module& module, const Instruction& inst,
                                             absl::string_view key) {
  std::vector<int64_t> values;
  std::optional<absl::string_view> raw = inst.Attribute(key);
  if (!raw) return values;
  absl::string_view list = *raw;
  absl::ConsumePrefix(&list, "{");
  absl::ConsumeSuffix(&list, "}");
  for (absl::string_view part : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    int64_t v = 0;
    if (!absl::SimpleAtoi(part, &v)) {
      return ErrorAt(module.path, inst.line,
                     absl::StrCat("'", inst.name, "': bad ", key, "=", *raw));
    }
    values.push_back(v);
  }
  return values;
}

absl::StatusOr<Cost> DotCost(const Module& module, const Computation& c, const Instruction& inst) {
  if (inst.operands.size() < 2) {
    return ErrorAt(module.path, inst.line, absl::StrCat("dot '", inst.name, "' needs 2 operands"));
  }
  const Shape& lhs = OperandShape(c, inst, 0);
  ASSIGN_OR_RETURN(std::vector<int64_t> contracting, IntList(module, inst, "lhs_contracting_dims"));
  double contracted = 1;
  for (int64_t d : contracting) {
    if (lhs.is_tuple || d < 0 || d >= static_cast<int64_t>(lhs.dimensions.size())) {
      return ErrorAt(module.path, inst.line,
                     absl::StrCat("dot '", inst.name, "' contracts dimension ", d, " of ",
                                  ShapeToString(lhs)));
    }
    contracted *= static_cast<double>(lhs.dimensions[d]);
  }
  // Batch and free dimensions are all in the output, so MACs = output x contracted.
  return Cost{2 * Elements(inst.shape) * contracted, 0};
}

// dim_labels=b01f_01io->b01f: the kernel's labels say which of its dimensions are spatial
// (digits) and which is the input feature ('i'). Positions the padding makes invalid are
// counted too (XLA subtracts them); for 'same' convolutions the difference is the border.
absl::StatusOr<Cost> ConvolutionCost(const Module& module, const Computation& c,
                                     const Instruction& inst) {
  if (inst.operands.size() < 2) {
    return ErrorAt(module.path, inst.line,
                   absl::StrCat("convolution '", inst.name, "' needs 2 operands"));
  }
  const Shape& kernel = OperandShape(c, inst, 1);
  if (kernel.is_tuple) {
    return ErrorAt(module.path, inst.line,
                   absl::StrCat("convolution '", inst.name, "' has a tuple kernel"));
  }
  double window_times_input = 1;
  std::optional<absl::string_view> labels = inst.Attribute("dim_labels");
  if (labels) {
    std::vector<absl::string_view> parts = absl::StrSplit(*labels, absl::ByAnyChar("_-"));
    absl::string_view rhs = parts.size() >= 2 ? parts[1] : "";
    if (rhs.size() != kernel.dimensions.size()) {
      return ErrorAt(module.path, inst.line,
                     absl::StrCat("convolution '", inst.name, "': kernel labels '", rhs,
                                  "' do not match kernel ", ShapeToString(kernel)));
    }
    for (size_t i = 0; i < rhs.size(); ++i) {
      if (absl::ascii_isdigit(static_cast<unsigned char>(rhs[i])) || rhs[i] == 'i') {
        window_times_input *= static_cast<double>(kernel.dimensions[i]);
      }
    }
  } else if (!kernel.dimensions.empty()) {
    // XLA's default numbering puts the output feature last in the kernel.
    window_times_input =
        static_cast<double>(kernel.ElementCount()) / std::max<int64_t>(1, kernel.dimensions.back());
  }
  return Cost{2 * Elements(inst.shape) * window_times_input, 0};
}

// `window={size=3x3 stride=2x2 pad=1_1x1_1}` -> 9.
double WindowElements(const Instruction& inst) {
  std::optional<absl::string_view> window = inst.Attribute("window");
  if (!window) return 1;
  size_t at = window->find("size=");
  if (at == absl::string_view::npos) return 1;
  absl::string_view sizes = window->substr(at + 5);
  sizes = sizes.substr(0, sizes.find_first_of(" }"));
  double total = 1;
  for (absl::string_view part : absl::StrSplit(sizes, 'x')) {
    int64_t v = 0;
    if (absl::SimpleAtoi(part, &v) && v > 0) total *= static_cast<double>(v);
  }
  return total;
}

Cost CollectiveCost(const Computation& c, const Instruction& inst) {
  const absl::string_view op = inst.opcode;
  if (op != "all-reduce" && op != "all-reduce-start" && op != "reduce-scatter") return {};
  double elements = 0;  // One reduction step per element contributed.
  for (size_t i = 0; i < inst.operands.size(); ++i) elements += Elements(OperandShape(c, inst, i));
  return {elements, 0};
}

Cost LinearAlgebraCost(const Computation& c, const Instruction& inst) {
  if (inst.operands.empty()) return {};
  const Shape& a = OperandShape(c, inst, 0);
  if (a.is_tuple || a.dimensions.size() < 2) return {};
  const double n = static_cast<double>(a.dimensions.back());
  const double batch = static_cast<double>(a.ElementCount()) / std::max(1.0, n * n);
  if (inst.opcode == "cholesky") return {batch * n * n * n / 3, 0};
  // triangular-solve: b has n right-hand sides of the m x m system: m^2 n multiply-adds.
  if (inst.operands.size() < 2) return {};
  const double rhs = Elements(OperandShape(c, inst, 1)) / std::max(1.0, batch * n);
  return {batch * n * n * rhs, 0};
}

}  // namespace

CostKind CostKindOf(absl::string_view opcode) {
  auto it = Kinds().find(opcode);
  return it == Kinds().end() ? CostKind::kNoModel : it->second;
}

absl::StatusOr<Cost> InstructionCost(const Module& module, const Computation& c,
                                     const Instruction& inst,
                                     const std::function<absl::StatusOr<Cost>(int)>& called_cost) {
  switch (CostKindOf(inst.opcode)) {
    case CostKind::kFree:
    case CostKind::kNoModel:
      return Cost{};
    case CostKind::kElementwise:
      return Cost{Elements(inst.shape), 0};
    case CostKind::kTranscendental:
      return Cost{0, Elements(inst.shape)};
    case CostKind::kReduce: {
      // reduce(inputs..., inits...): the first half are reduced; scatter's last operand holds
      // the updates, each combined once.
      double elements = 0;
      if (inst.opcode == "scatter") {
        if (!inst.operands.empty())
          elements = Elements(OperandShape(c, inst, inst.operands.size() - 1));
      } else {
        for (size_t i = 0; i < inst.operands.size() / 2; ++i) {
          elements += Elements(OperandShape(c, inst, i));
        }
      }
      return Cost{elements, 0};
    }
    case CostKind::kReduceWindow: {
      if (inst.opcode == "select-and-scatter" && inst.operands.size() >= 2) {
        // Select over each window of the operand, then scatter each source element once.
        const double source = Elements(OperandShape(c, inst, 1));
        return Cost{source * (WindowElements(inst) + 1), 0};
      }
      return Cost{Elements(inst.shape) * WindowElements(inst), 0};
    }
    case CostKind::kDot:
      return DotCost(module, c, inst);
    case CostKind::kConvolution:
      return ConvolutionCost(module, c, inst);
    case CostKind::kCollective:
      return CollectiveCost(c, inst);
    case CostKind::kCalled: {
      Cost total;
      for (int called : inst.called) {
        ASSIGN_OR_RETURN(Cost cost, called_cost(called));
        total += cost;
      }
      return total;
    }
    case CostKind::kSort: {
      ASSIGN_OR_RETURN(std::vector<int64_t> dims, IntList(module, inst, "dimensions"));
      if (inst.operands.empty() || dims.empty()) return Cost{};
      const Shape& keys = OperandShape(c, inst, 0);
      if (keys.is_tuple || dims[0] < 0 || dims[0] >= static_cast<int64_t>(keys.dimensions.size())) {
        return Cost{};
      }
      const double n = static_cast<double>(keys.dimensions[dims[0]]);
      return Cost{Elements(keys) * std::ceil(std::log2(std::max(2.0, n))), 0};
    }
    case CostKind::kLinearAlgebra:
      return LinearAlgebraCost(c, inst);
  }
  return Cost{};
}

}  // namespace mmap_opt::hlo
