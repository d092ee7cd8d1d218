// Quoting of input text in messages.
#include "mmap_opt/model/quote.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace mmap_opt {

std::string Quote(absl::string_view text) {
  constexpr size_t kMaxShown = 200;
  const bool cut = text.size() > kMaxShown;
  return absl::StrCat("'", absl::CHexEscape(text.substr(0, kMaxShown)), cut ? "...'" : "'");
}

}  // namespace mmap_opt
