// Picking the hardware a verb runs on: `--hardware NAME|FILE`, the program's own, or the default.
#ifndef MMAP_OPT_IO_HARDWARE_IO_H_
#define MMAP_OPT_IO_HARDWARE_IO_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt {

// Resolves a `--hardware` argument: a preset name, or a .txtpb/.textproto/.json/.pb file whose
// fields override the preset it names in `name` (or the default preset when it names none).
absl::StatusOr<proto::Hardware> ResolveHardware(absl::string_view name_or_path);

// The hardware a verb runs on: `flag` when non-empty, else the program's own (its fields over
// the preset it names), else the default preset.
absl::StatusOr<proto::Hardware> HardwareFor(const proto::Program& program,
                                            absl::string_view flag);

}  // namespace mmap_opt

#endif  // MMAP_OPT_IO_HARDWARE_IO_H_
