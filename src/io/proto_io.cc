// Proto files in the three encodings, with one-line errors that name the file.
#include "mmap_opt/io/proto_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "mmap_opt/model/limits.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

// Keeps the first error the text parser reports, with its 1-based line and column.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!error_.empty()) return;
    error_ = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

// Protobuf's messages sometimes span lines; the CLI promises one line.
std::string OneLine(absl::string_view text) {
  std::string line = absl::StrReplaceAll(text, {{"\n", " "}, {"\r", " "}});
  return line;
}

absl::Status ParseText(const std::string& path, const std::string& contents,
                       google::protobuf::Message* message) {
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(contents, message)) {
    message->Clear();
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", errors.error().empty() ? "malformed text proto" : OneLine(errors.error())));
  }
  return absl::OkStatus();
}

absl::Status ParseJson(const std::string& path, const std::string& contents,
                       google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(contents, message, options);
  if (!status.ok()) {
    message->Clear();
    std::string detail = OneLine(std::string(status.message()));
    if (contents.find_first_not_of(" \t\r\n") == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": empty JSON file"));
    }
    return absl::InvalidArgumentError(absl::StrCat(path, ": invalid JSON: ", detail));
  }
  return absl::OkStatus();
}

absl::Status ParseBinary(const std::string& path, const std::string& contents,
                         google::protobuf::Message* message) {
  if (!message->ParseFromString(contents)) {
    message->Clear();
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a valid binary ", message->GetDescriptor()->name(),
        " (truncated or corrupt .pb file?)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ProtoFormat> ProtoFormatFor(absl::string_view path) {
  if (path == "-") return ProtoFormat::kText;
  for (absl::string_view ext : {".txtpb", ".textproto", ".pbtxt"}) {
    if (absl::EndsWith(path, ext)) return ProtoFormat::kText;
  }
  if (absl::EndsWith(path, ".json")) return ProtoFormat::kJson;
  if (absl::EndsWith(path, ".pb") || absl::EndsWith(path, ".binpb")) return ProtoFormat::kBinary;
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": unknown file extension (use .pb for binary, .txtpb/.textproto for text, .json)"));
}

bool HasProtoExtension(absl::string_view path) { return ProtoFormatFor(path).ok(); }

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
    }
    struct stat info;
    if (::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        info.st_size > kMaxInputFileBytes) {
      return CheckInputSize(path, info.st_size);
    }
    in = &file;
  }
  // Read in chunks up to the limit, so that a pipe or a growing file is bounded too.
  std::string contents;
  char chunk[1 << 16];
  while (in->read(chunk, sizeof chunk) || in->gcount() > 0) {
    contents.append(chunk, static_cast<size_t>(in->gcount()));
    RETURN_IF_ERROR(CheckInputSize(path, static_cast<int64_t>(contents.size())));
  }
  if (in->bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return contents;
}

absl::Status ReadMessage(const std::string& path, google::protobuf::Message* message) {
  message->Clear();
  ASSIGN_OR_RETURN(ProtoFormat format, ProtoFormatFor(path));
  ASSIGN_OR_RETURN(std::string contents, ReadFile(path));
  return ParseMessage(path, format, contents, message);
}

absl::Status ParseMessage(const std::string& path, ProtoFormat format,
                          const std::string& contents, google::protobuf::Message* message) {
  message->Clear();
  if (contents.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  RETURN_IF_ERROR(CheckInputSize(path, static_cast<int64_t>(contents.size())));
  // Protobuf logs some parse errors itself (invalid UTF-8 in a string field); the error
  // returned says the same in one line, so its log line would only be a second one.
  google::protobuf::LogSilencer quiet;
  switch (format) {
    case ProtoFormat::kText:
      return ParseText(path, contents, message);
    case ProtoFormat::kJson:
      return ParseJson(path, contents, message);
    case ProtoFormat::kBinary:
      return ParseBinary(path, contents, message);
  }
  return absl::InternalError("unreachable");
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents) {
  if (path == "-") {
    std::cout << contents;
    std::cout.flush();
    return std::cout ? absl::OkStatus()
                     : absl::DataLossError("cannot write to standard output");
  }
  const std::string temp = absl::StrCat(path, ".tmp.", ::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      return absl::PermissionDeniedError(
          absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
    }
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      std::remove(temp.c_str());
      return absl::DataLossError(absl::StrCat(path, ": write failed: ", std::strerror(errno)));
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    std::remove(temp.c_str());
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot rename into place: ", std::strerror(error)));
  }
  return absl::OkStatus();
}

absl::Status WriteMessage(const std::string& path, const google::protobuf::Message& message) {
  ASSIGN_OR_RETURN(ProtoFormat format, ProtoFormatFor(path));
  std::string contents;
  switch (format) {
    case ProtoFormat::kText:
      if (!google::protobuf::TextFormat::PrintToString(message, &contents)) {
        return absl::InternalError(absl::StrCat(path, ": cannot print text proto"));
      }
      break;
    case ProtoFormat::kJson: {
      google::protobuf::util::JsonPrintOptions options;
      options.add_whitespace = true;
      options.preserve_proto_field_names = true;
      auto status = google::protobuf::util::MessageToJsonString(message, &contents, options);
      if (!status.ok()) {
        return absl::InternalError(absl::StrCat(path, ": ", OneLine(std::string(status.message()))));
      }
      break;
    }
    case ProtoFormat::kBinary:
      if (!message.SerializeToString(&contents)) {
        return absl::InternalError(absl::StrCat(path, ": cannot serialise (message over 2 GiB?)"));
      }
      break;
  }
  return WriteFileAtomically(path, contents);
}

absl::StatusOr<proto::Program> ReadProgram(const std::string& path) {
  proto::Program program;
  RETURN_IF_ERROR(ReadMessage(path, &program));
  absl::Status valid = ValidateProgram(program);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", valid.message()));
  }
  return program;
}

absl::StatusOr<proto::Assignment> ReadAssignment(const std::string& path) {
  proto::Assignment assignment;
  RETURN_IF_ERROR(ReadMessage(path, &assignment));
  if (assignment.placements_size() > kMaxPlacements) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", assignment.placements_size(),
                                                   " placements, over the limit of ",
                                                   kMaxPlacements));
  }
  return assignment;
}

}  // namespace mmap_opt
