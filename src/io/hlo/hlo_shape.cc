// Element-type table and byte sizes of HLO shapes.
#include "hlo_shape.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mmap_opt::hlo {

std::optional<int> ElementBits(absl::string_view type) {
  // Every PrimitiveType of xla_data.proto that can appear in HLO text. Sub-byte integers and
  // floats are packed in XLA's dense layouts; f8 variants are one byte whatever their encoding.
  static constexpr std::pair<const char*, int> kTypes[] = {
      {"pred", 8},       {"s1", 1},         {"u1", 1},     {"s2", 2},        {"u2", 2},
      {"s4", 4},         {"u4", 4},         {"s8", 8},     {"u8", 8},        {"s16", 16},
      {"u16", 16},       {"s32", 32},       {"u32", 32},   {"s64", 64},      {"u64", 64},
      {"f16", 16},       {"bf16", 16},      {"f32", 32},   {"f64", 64},      {"c64", 64},
      {"c128", 128},     {"f8e5m2", 8},     {"f8e4m3", 8}, {"f8e4m3fn", 8},  {"f8e4m3b11fnuz", 8},
      {"f8e5m2fnuz", 8}, {"f8e4m3fnuz", 8}, {"f8e3m4", 8}, {"f8e8m0fnu", 8}, {"f4e2m1fn", 4},
      {"f6e2m3fn", 6},   {"f6e3m2fn", 6},   {"token", 0},  {"opaque", 0},
  };
  for (const auto& [name, bits] : kTypes) {
    if (type == name) return bits;
  }
  return std::nullopt;
}

int64_t Shape::ElementCount() const {
  if (is_tuple) return 0;
  int64_t count = 1;
  for (int64_t d : dimensions) count *= d;
  return count;
}

int64_t ByteSize(const Shape& shape) {
  if (shape.is_tuple) return 8 * static_cast<int64_t>(shape.tuple_shapes.size());
  // elements * bits / 8 rounded up, without forming elements * bits (the parser bounds
  // elements so that the byte count fits, not the bit count).
  const int64_t elements = shape.ElementCount();
  const int64_t bits = shape.element_bits;
  return elements / 8 * bits + (elements % 8 * bits + 7) / 8;
}

std::string ShapeToString(const Shape& shape) {
  if (shape.is_tuple) {
    std::vector<std::string> parts;
    for (const Shape& s : shape.tuple_shapes) parts.push_back(ShapeToString(s));
    return absl::StrCat("(", absl::StrJoin(parts, ", "), ")");
  }
  return absl::StrCat(shape.element_type, "[", absl::StrJoin(shape.dimensions, ","), "]");
}

}  // namespace mmap_opt::hlo
