// The file-size and line-length checks (the other limits are plain comparisons where they apply).
#include "mmap_opt/model/limits.h"

#include "absl/strings/str_cat.h"

namespace mmap_opt {

absl::Status CheckInputSize(absl::string_view path, int64_t bytes) {
  if (bytes <= kMaxInputFileBytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(path, ": file is over the input limit of ",
                                                 kMaxInputFileBytes >> 20, " MiB"));
}

absl::Status CheckLineLengths(absl::string_view path, absl::string_view text) {
  int64_t line = 1;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == absl::string_view::npos) end = text.size();
    if (static_cast<int64_t>(end - start) > kMaxLineBytes) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": line is ", end - start,
                                                     " bytes, over the limit of ",
                                                     kMaxLineBytes >> 20, " MiB"));
    }
    start = end + 1;
    ++line;
  }
  return absl::OkStatus();
}

}  // namespace mmap_opt
