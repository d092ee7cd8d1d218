// The line-length limit's scan (the other limits are plain comparisons where they apply).
#include "mmap_opt/model/limits.h"

#include "absl/strings/str_cat.h"

namespace mmap_opt {

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
