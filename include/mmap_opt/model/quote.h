// Names and text from input files as they appear in error messages: quoted, with control
// characters escaped (so that a name holding a newline cannot break the one-line error
// promise) and cut short when long.
#ifndef MMAP_OPT_MODEL_QUOTE_H_
#define MMAP_OPT_MODEL_QUOTE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace mmap_opt {

// 'text' with C escapes for non-printable bytes, quotes and backslashes ("a\nb" -> 'a\nb'),
// and at most 200 bytes of the text followed by "..." when longer.
std::string Quote(absl::string_view text);

}  // namespace mmap_opt

#endif  // MMAP_OPT_MODEL_QUOTE_H_
