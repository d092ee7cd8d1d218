// Pieces of hand-written SVG that the layout drawing (sim/layout_svg.cc) and the bench plots
// (agents/bench/bench_plots.cc) share. Internal: not installed.
#ifndef MMAP_OPT_SIM_SVG_H_
#define MMAP_OPT_SIM_SVG_H_

#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace mmap_opt::svg {

// `text` safe inside an element or a quoted attribute: names come from user programs.
inline std::string Escape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The opening <svg> element (with `attributes`, e.g. font-family="sans-serif") and a white
// background, each on its own line.
inline std::string Open(int width, int height, absl::string_view attributes) {
  return absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d "
      "%d\" %s>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      width, height, width, height, attributes);
}

}  // namespace mmap_opt::svg

#endif  // MMAP_OPT_SIM_SVG_H_
