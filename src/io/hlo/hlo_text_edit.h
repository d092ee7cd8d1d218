// Text surgery on one HLO instruction line: the spans of its result shape's arrays and of its
// operands, and `S(1)` added to an array's layout. The parser keeps only what the importer
// needs of a layout, so writing a module back edits its text rather than reprinting it.
#ifndef MMAP_OPT_IO_HLO_HLO_TEXT_EDIT_H_
#define MMAP_OPT_IO_HLO_HLO_TEXT_EDIT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace mmap_opt::hlo {

struct TextSpan {
  size_t begin = 0;
  size_t end = 0;  // One past the last character.
};

// One array of a shape: its tuple path and its text (`f32[2]{0:T(8)}`).
struct ArraySpan {
  std::vector<int> path;
  TextSpan span;
};

// The parts of `[ROOT] %name = SHAPE opcode(OPERANDS), attributes` that an export edits.
struct LineParts {
  TextSpan shape;
  std::vector<ArraySpan> arrays;   // The arrays of the result shape, in order.
  std::vector<TextSpan> operands;  // Each operand's text, trimmed.
};

// nullopt when the line is not an instruction in XLA's printed form.
std::optional<LineParts> SplitInstructionLine(absl::string_view line);

// `f32[2]{0}` -> `f32[2]{0:S(1)}`, `f32[2]{1,0:T(8,128)}` -> `f32[2]{1,0:T(8,128)S(1)}`,
// `f32[]` -> `f32[]{:S(1)}`.
std::string WithFastMemorySpace(absl::string_view array);

// `array` with its layout's memory space S(1) when `fast`, else none (S(0)): undoes
// WithFastMemorySpace, and `f32[]{:S(1)}` -> `f32[]`.
std::string WithMemorySpace(absl::string_view array, bool fast);

}  // namespace mmap_opt::hlo

#endif  // MMAP_OPT_IO_HLO_HLO_TEXT_EDIT_H_
