// Shapes of XLA HLO values: element types, dimensions, layouts, tuples, and their byte sizes.
#ifndef MMAP_OPT_IO_HLO_HLO_SHAPE_H_
#define MMAP_OPT_IO_HLO_HLO_SHAPE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace mmap_opt::hlo {

// An array shape (`bf16[2,2048]{1,0}`) or a tuple of shapes (`(f32[2], s32[])`).
struct Shape {
  bool is_tuple = false;
  std::string element_type;         // "f32", "bf16", ...; empty for tuples.
  int element_bits = 0;             // Storage bits per element (after a layout's E(n)).
  std::vector<int64_t> dimensions;  // Dynamic dims `<=N` hold their bound N.
  int memory_space = 0;             // The layout's S(n); 0 = default memory (HBM).
  std::vector<Shape> tuple_shapes;

  // Elements of an array shape (1 for scalars); 0 for tuples.
  int64_t ElementCount() const;
};

// Bits per element of an XLA element type name ("pred" 8, "s4" 4, "bf16" 16, "c128" 128,
// "token" 0, "opaque" 0), or nullopt when XLA has no such type.
std::optional<int> ElementBits(absl::string_view element_type);

// Bytes the value itself occupies: dense arrays of packed elements rounded up to a whole
// byte (s4[3] is 2 bytes); a tuple is its table of 8-byte pointers (its elements are separate
// values). Tokens, opaque handles and empty arrays are 0 bytes. Assumes the sizes fit (the
// parser rejects shapes whose byte size overflows int64).
int64_t ByteSize(const Shape& shape);

// "f32[2,3]" / "(f32[2], s32[])", for messages.
std::string ShapeToString(const Shape& shape);

}  // namespace mmap_opt::hlo

#endif  // MMAP_OPT_IO_HLO_HLO_SHAPE_H_
