// Hand-written JSON output (`--json` of the verbs, the bench's results.json) shares this one
// string quoting. Internal: not installed.
#ifndef MMAP_OPT_IO_JSON_TEXT_H_
#define MMAP_OPT_IO_JSON_TEXT_H_

#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace mmap_opt {

// `text` as a JSON string literal, quotes included; names come from user programs, so quotes,
// backslashes and control characters are escaped.
inline std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace mmap_opt

#endif  // MMAP_OPT_IO_JSON_TEXT_H_
