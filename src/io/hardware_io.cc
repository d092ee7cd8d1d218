// Resolution of `--hardware` arguments and of the hardware embedded in a program.
#include "mmap_opt/io/hardware_io.h"

#include "absl/strings/str_cat.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/model/hardware.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {

absl::StatusOr<proto::Hardware> ResolveHardware(absl::string_view name_or_path) {
  if (!HasProtoExtension(name_or_path)) {
    ASSIGN_OR_RETURN(proto::Hardware preset, HardwarePreset(name_or_path));
    return preset;
  }
  proto::Hardware overrides;
  RETURN_IF_ERROR(ReadMessage(std::string(name_or_path), &overrides));
  // A file overrides the preset it names (or the default), field by field.
  std::string base = overrides.name().empty() ? std::string(kDefaultHardware) : overrides.name();
  absl::StatusOr<proto::Hardware> preset = HardwarePreset(base);
  ASSIGN_OR_RETURN(proto::Hardware hardware,
                   preset.ok() ? preset : HardwarePreset(kDefaultHardware));
  hardware.MergeFrom(overrides);
  absl::Status valid = ValidateHardware(hardware);
  if (!valid.ok()) return absl::InvalidArgumentError(absl::StrCat(name_or_path, ": ", valid.message()));
  return hardware;
}

absl::StatusOr<proto::Hardware> HardwareFor(const proto::Program& program,
                                            absl::string_view flag) {
  if (!flag.empty()) return ResolveHardware(flag);
  if (program.has_hardware()) {
    proto::Hardware hardware = program.hardware();
    // A program may name a preset and override only some fields.
    absl::StatusOr<proto::Hardware> preset = HardwarePreset(hardware.name());
    if (preset.ok()) {
      proto::Hardware merged = *preset;
      merged.MergeFrom(hardware);
      hardware = merged;
    }
    absl::Status valid = ValidateHardware(hardware);
    if (!valid.ok()) return absl::InvalidArgumentError(absl::StrCat("program's ", valid.message()));
    return hardware;
  }
  return HardwarePreset(kDefaultHardware);
}

}  // namespace mmap_opt
