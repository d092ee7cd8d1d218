// The parsed form of an HLO text module: computations of instructions that name their
// operands, shapes and raw attribute values, each with the line it came from. Names are
// resolved (operand indices, called computations) by the parser, so later passes never look
// a name up again.
#ifndef MMAP_OPT_IO_HLO_HLO_MODULE_H_
#define MMAP_OPT_IO_HLO_HLO_MODULE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hlo_shape.h"

namespace mmap_opt::hlo {

// One `[ROOT] %name = shape opcode(operands), attr=value, ...` line. String views point into
// the module's text, which must outlive the module.
struct Instruction {
  absl::string_view name;  // Without the '%'.
  absl::string_view opcode;
  Shape shape;
  int line = 0;
  std::vector<int> operands;              // Indices into the computation's instructions.
  std::vector<int> control_predecessors;  // Likewise, from `control-predecessors={...}`.
  int64_t parameter_number = -1;          // For `parameter(N)`.
  absl::string_view literal;              // For `constant(...)`: the text inside.
  // Attribute name -> raw value text as printed (`{1}`, `%add`, `{op_name="x"}`).
  std::vector<std::pair<absl::string_view, absl::string_view>> attributes;
  std::vector<int> called;  // Computations named by calls/to_apply/body/condition/branches.

  // The raw value of attribute `key`, if present.
  std::optional<absl::string_view> Attribute(absl::string_view key) const;
};

struct Computation {
  absl::string_view name;
  int line = 0;
  std::vector<Instruction> instructions;  // In printed order.
  int root = -1;                          // The ROOT, else the last instruction.
  std::vector<int> parameters;            // Index of parameter(N) at position N.
};

struct Module {
  std::string path;  // Labels errors.
  absl::string_view name;
  bool is_scheduled = false;
  std::vector<Computation> computations;
  int entry = -1;
  absl::flat_hash_map<absl::string_view, int> computation_index;
};

// Parses HLO text. Every error is one line, "PATH:LINE: message": unbalanced brackets,
// unknown element types or malformed shapes, an operand or computation that does not exist,
// a duplicate name, a truncated file, bytes that are not HLO.
absl::StatusOr<Module> ParseModule(absl::string_view path, absl::string_view text);

// "PATH:LINE: message" as an InvalidArgument status.
absl::Status ErrorAt(absl::string_view path, int line, absl::string_view message);

}  // namespace mmap_opt::hlo

#endif  // MMAP_OPT_IO_HLO_HLO_MODULE_H_
