// Targets over program, assignment and hardware files in the three proto encodings. The same
// bytes are read as each of the three messages (the path's extension only picks the encoding,
// as ReadMessage does); what parses goes as far as it can: a program through validation,
// Program::Create and the simulator on its own hardware; an assignment through the validator
// and the simulator against a fixed small program; a hardware through ValidateHardware and the
// simulator.
#include <string>

#include "absl/strings/str_cat.h"
#include "check.h"
#include "mmap_opt/io/csv.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/model/hardware.h"
#include "targets.h"

namespace mmap_opt::fuzz {
namespace {

// Five buffers over six instructions: inputs, a reused value, an output; capacity 64 bytes.
const Program& FixedProgram() {
  static const Program* program = [] {
    std::vector<CsvBuffer> rows = {
        {"a", 0, 3, 16, {}}, {"b", 1, 4, 24, {}}, {"c", 2, 6, 8, {}},
        {"d", 3, 5, 32, {}}, {"e", 0, 6, 4, {}},
    };
    proto::Program p = CsvToProgram(rows, "fixed", 64).value();
    p.set_name("fixed");
    return new Program(Program::Create(std::move(p)).value());
  }();
  return *program;
}

void FuzzProgram(const std::string& path, ProtoFormat format, const std::string& bytes) {
  proto::Program message;
  absl::Status parsed = ParseMessage(path, format, bytes, &message);
  CheckOneLine(parsed);
  if (!parsed.ok()) return;
  absl::Status valid = ValidateProgram(message);
  CheckOneLine(valid);
  absl::StatusOr<Program> program = Program::Create(message);
  FuzzCheck(valid.ok() == program.ok(), "ValidateProgram and Program::Create disagree");
  if (!program.ok()) return;
  absl::StatusOr<proto::Hardware> hardware = HardwareFor(message, "");
  CheckOneLine(hardware.status());
  if (!hardware.ok()) return;
  CheckAssignment(*program, *hardware, EmptyAssignment(*program));
}

void FuzzAssignment(const std::string& path, ProtoFormat format, const std::string& bytes) {
  proto::Assignment assignment;
  absl::Status parsed = ParseMessage(path, format, bytes, &assignment);
  CheckOneLine(parsed);
  if (!parsed.ok()) return;
  const Program& program = FixedProgram();
  CheckAssignment(program, program.proto().hardware(), assignment);
}

void FuzzHardware(const std::string& path, ProtoFormat format, const std::string& bytes) {
  proto::Hardware overrides;
  absl::Status parsed = ParseMessage(path, format, bytes, &overrides);
  CheckOneLine(parsed);
  if (!parsed.ok()) return;
  // As ResolveHardware does with a file: its fields over the preset it names.
  absl::StatusOr<proto::Hardware> preset = HardwarePreset(overrides.name());
  proto::Hardware hardware = preset.ok() ? *preset : HardwarePreset(kDefaultHardware).value();
  hardware.MergeFrom(overrides);
  CheckOneLine(ValidateHardware(hardware));
  const Program& program = FixedProgram();
  CheckAssignment(program, hardware, EmptyAssignment(program));
}

void FuzzProtoFormat(const uint8_t* data, size_t size, ProtoFormat format,
                     absl::string_view extension) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  FuzzProgram(absl::StrCat("program", extension), format, bytes);
  FuzzAssignment(absl::StrCat("assignment", extension), format, bytes);
  FuzzHardware(absl::StrCat("hardware", extension), format, bytes);
}

}  // namespace

void FuzzProtoBinary(const uint8_t* data, size_t size) {
  FuzzProtoFormat(data, size, ProtoFormat::kBinary, ".pb");
}
void FuzzProtoText(const uint8_t* data, size_t size) {
  FuzzProtoFormat(data, size, ProtoFormat::kText, ".txtpb");
}
void FuzzProtoJson(const uint8_t* data, size_t size) {
  FuzzProtoFormat(data, size, ProtoFormat::kJson, ".json");
}

}  // namespace mmap_opt::fuzz
