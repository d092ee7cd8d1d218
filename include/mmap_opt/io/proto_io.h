// Reading and writing protos as binary (.pb), text (.txtpb/.textproto/.pbtxt) or JSON (.json),
// chosen by the file's extension; "-" is stdin/stdout in text form. Writes are atomic.
#ifndef MMAP_OPT_IO_PROTO_IO_H_
#define MMAP_OPT_IO_PROTO_IO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt {

enum class ProtoFormat { kBinary, kText, kJson };

// The format a path's extension asks for; InvalidArgument for an unknown extension.
absl::StatusOr<ProtoFormat> ProtoFormatFor(absl::string_view path);

// True when the path ends in an extension ProtoFormatFor knows (or is "-").
bool HasProtoExtension(absl::string_view path);

// Parses `path` into `message`. Every error is one line that starts with the path (and, for
// text formats, the line number); `message` is left cleared on error.
absl::Status ReadMessage(const std::string& path, google::protobuf::Message* message);

// Parses `contents` (a file's bytes in `format`) into `message`, as ReadMessage does after
// reading the file; `path` only labels errors.
absl::Status ParseMessage(const std::string& path, ProtoFormat format,
                          const std::string& contents, google::protobuf::Message* message);

// Serialises `message` to `path` through a temporary file and a rename, so a killed run never
// leaves a half-written file behind.
absl::Status WriteMessage(const std::string& path, const google::protobuf::Message& message);

// Writes `contents` to `path` atomically (temp file in the same folder, then rename); "-" writes
// to stdout.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);

// Reads a whole file ("-" reads stdin); the error names the path. Files over
// kMaxInputFileBytes (limits.h) are refused without reading them whole.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Reads a program and checks it with ValidateProgram; errors start with the path.
absl::StatusOr<proto::Program> ReadProgram(const std::string& path);

// Reads an assignment; errors start with the path.
absl::StatusOr<proto::Assignment> ReadAssignment(const std::string& path);

}  // namespace mmap_opt

#endif  // MMAP_OPT_IO_PROTO_IO_H_
