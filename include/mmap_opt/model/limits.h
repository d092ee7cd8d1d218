// The largest inputs mmap-opt accepts (README "Input limits"). Each is far above any real
// program yet low enough that reading, validating and simulating stay within a few GiB of
// memory; past one, readers stop with a one-line error instead of allocating without bound.
#ifndef MMAP_OPT_MODEL_LIMITS_H_
#define MMAP_OPT_MODEL_LIMITS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace mmap_opt {

// Any input file (program, assignment, hardware, HLO text, CSV), stdin included.
inline constexpr int64_t kMaxInputFileBytes = int64_t{256} << 20;  // 256 MiB.
// One line of HLO text or CSV.
inline constexpr int64_t kMaxLineBytes = int64_t{16} << 20;  // 16 MiB.
// Instructions and buffers of one program (after an HLO module's bodies are flattened).
inline constexpr int64_t kMaxInstructions = int64_t{1} << 20;  // 1,048,576.
inline constexpr int64_t kMaxBuffers = int64_t{1} << 20;
// Placements of one assignment.
inline constexpr int64_t kMaxPlacements = int64_t{1} << 22;  // 4,194,304.
// Tuple shapes nested in HLO text, and while/conditional/call bodies nested in each other.
inline constexpr int kMaxNestingDepth = 64;

// InvalidArgument "PATH: file is over the input limit of 256 MiB" when `bytes` is over
// kMaxInputFileBytes; OK otherwise.
absl::Status CheckInputSize(absl::string_view path, int64_t bytes);

// InvalidArgument "PATH:LINE: line is N bytes, over the limit of 16 MiB" for the first line of
// `text` longer than kMaxLineBytes; OK otherwise. One linear scan.
absl::Status CheckLineLengths(absl::string_view path, absl::string_view text);

}  // namespace mmap_opt

#endif  // MMAP_OPT_MODEL_LIMITS_H_
