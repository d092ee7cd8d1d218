// Hardware targets: the built-in presets and their validation.
#ifndef MMAP_OPT_MODEL_HARDWARE_H_
#define MMAP_OPT_MODEL_HARDWARE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt {

// The preset used when neither the program nor the command line names a target.
inline constexpr absl::string_view kDefaultHardware = "tpuv4i";

// Names of the built-in presets, in the order `--help` lists them.
std::vector<std::string> HardwarePresetNames();

// The preset called `name`, or NotFound listing the known names.
absl::StatusOr<proto::Hardware> HardwarePreset(absl::string_view name);

// OK when every rate is positive and finite, fast memory at least as fast as slow memory (both
// bandwidths), the capacity non-negative, the alignment positive
// and the async-copy fraction in (0, 1]; otherwise names the first bad field.
absl::Status ValidateHardware(const proto::Hardware& hardware);

}  // namespace mmap_opt

#endif  // MMAP_OPT_MODEL_HARDWARE_H_
