// Scanning of one instruction line; comments (`/*index=5*/`) are skipped wherever XLA prints
// them.
#include "hlo_text_edit.h"

#include "absl/strings/str_cat.h"

namespace mmap_opt::hlo {
namespace {

size_t SkipBlanks(absl::string_view s, size_t i) {
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '\t') {
      ++i;
    } else if (s.substr(i, 2) == "/*") {
      size_t close = s.find("*/", i + 2);
      i = close == absl::string_view::npos ? s.size() : close + 2;
    } else {
      break;
    }
  }
  return i;
}

// The index one past the bracket that closes the one at `i`; npos when unbalanced.
size_t Matching(absl::string_view s, size_t i) {
  int depth = 0;
  for (size_t j = i; j < s.size(); ++j) {
    if (s.substr(j, 2) == "/*") {
      size_t close = s.find("*/", j + 2);
      if (close == absl::string_view::npos) return absl::string_view::npos;
      j = close + 1;
      continue;
    }
    const char c = s[j];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') {
      if (--depth == 0) return j + 1;
    }
  }
  return absl::string_view::npos;
}

// The end of the shape starting at `i`: a tuple, or `type[dims]` with an optional layout.
size_t ShapeEnd(absl::string_view s, size_t i) {
  if (i >= s.size()) return absl::string_view::npos;
  if (s[i] == '(') return Matching(s, i);
  size_t open = s.find('[', i);
  if (open == absl::string_view::npos) return absl::string_view::npos;
  size_t end = Matching(s, open);
  if (end != absl::string_view::npos && end < s.size() && s[end] == '{') end = Matching(s, end);
  return end;
}

bool Arrays(absl::string_view s, TextSpan shape, std::vector<int>* path,
            std::vector<ArraySpan>* out) {
  if (s[shape.begin] != '(') {
    out->push_back({*path, shape});
    return true;
  }
  size_t i = SkipBlanks(s, shape.begin + 1);
  for (int k = 0; i < shape.end && s[i] != ')'; ++k) {
    size_t end = ShapeEnd(s, i);
    if (end == absl::string_view::npos || end > shape.end) return false;
    path->push_back(k);
    if (!Arrays(s, {i, end}, path, out)) return false;
    path->pop_back();
    i = SkipBlanks(s, end);
    if (i < shape.end && s[i] == ',') i = SkipBlanks(s, i + 1);
  }
  return true;
}

}  // namespace

std::optional<LineParts> SplitInstructionLine(absl::string_view line) {
  LineParts parts;
  size_t eq = line.find(" = ");
  if (eq == absl::string_view::npos) return std::nullopt;
  size_t i = SkipBlanks(line, eq + 3);
  size_t end = ShapeEnd(line, i);
  if (end == absl::string_view::npos) return std::nullopt;
  parts.shape = {i, end};
  std::vector<int> path;
  if (!Arrays(line, parts.shape, &path, &parts.arrays)) return std::nullopt;
  size_t open = line.find('(', end);
  if (open == absl::string_view::npos) return std::nullopt;
  size_t close = Matching(line, open);
  if (close == absl::string_view::npos) return std::nullopt;
  size_t start = SkipBlanks(line, open + 1);
  int depth = 0;
  for (size_t j = start; j < close - 1; ++j) {
    if (line.substr(j, 2) == "/*") {
      size_t close_comment = line.find("*/", j + 2);
      if (close_comment == absl::string_view::npos) return std::nullopt;
      j = close_comment + 1;
      continue;
    }
    const char c = line[j];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      size_t stop = j;
      while (stop > start && line[stop - 1] == ' ') --stop;
      parts.operands.push_back({start, stop});
      start = SkipBlanks(line, j + 1);
    }
  }
  size_t stop = close - 1;
  while (stop > start && line[stop - 1] == ' ') --stop;
  if (stop > start) parts.operands.push_back({start, stop});
  return parts;
}

std::string WithFastMemorySpace(absl::string_view array) {
  if (array.empty() || array.back() != '}') return absl::StrCat(array, "{:S(1)}");
  absl::string_view body = array.substr(0, array.size() - 1);
  const size_t open = body.rfind('{');
  const bool has_colon = body.find(':', open) != absl::string_view::npos;
  return absl::StrCat(body, has_colon ? "S(1)}" : ":S(1)}");
}

std::string WithMemorySpace(absl::string_view array, bool fast) {
  std::string out(array);
  if (!out.empty() && out.back() == '}') {
    const size_t open = out.rfind('{');
    const size_t at = out.find("S(1)", open);
    if (at != std::string::npos) {
      out.erase(at, 4);
      if (out[out.size() - 2] == ':') out.erase(out.size() - 2, 1);
      if (out.compare(open, std::string::npos, "{}") == 0) out.erase(open);
    }
  }
  return fast ? WithFastMemorySpace(out) : out;
}

}  // namespace mmap_opt::hlo
