// Character-level scanning of HLO text.
#include "hlo_lexer.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mmap_opt::hlo {
namespace {

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

char OpenerOf(char close) { return close == '}' ? '{' : close == ')' ? '(' : '['; }

}  // namespace

void Lexer::Advance() {
  if (text_[pos_] == '\n') ++line_;
  ++pos_;
}

void Lexer::SkipBlanks() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      Advance();
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
      // `/*index=5*/` and other block comments; an unterminated one runs to the end, where
      // whatever was expected next reports the truncation.
      pos_ += 2;
      while (pos_ < text_.size() &&
             !(text_[pos_] == '*' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/')) {
        Advance();
      }
      pos_ = std::min(pos_ + 2, text_.size());
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else {
      return;
    }
  }
}

bool Lexer::AtEnd() {
  SkipBlanks();
  return pos_ >= text_.size();
}

char Lexer::Peek() {
  SkipBlanks();
  return PeekRaw();
}

bool Lexer::TryConsume(char c) {
  if (Peek() != c || pos_ >= text_.size()) return false;
  Advance();
  return true;
}

bool Lexer::TryConsume(absl::string_view s) {
  SkipBlanks();
  if (text_.substr(pos_, s.size()) != s) return false;
  for (size_t i = 0; i < s.size(); ++i) Advance();
  return true;
}

absl::Status Lexer::Expect(char c, absl::string_view context) {
  if (TryConsume(c)) return absl::OkStatus();
  return Error(absl::StrCat("expected '", std::string(1, c), "' ", context, ", got ", Describe()));
}

absl::string_view Lexer::Word() {
  SkipBlanks();
  const size_t start = pos_;
  while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
  return text_.substr(start, pos_ - start);
}

absl::StatusOr<absl::string_view> Lexer::Name(absl::string_view what) {
  SkipBlanks();
  const bool percent = PeekRaw() == '%';
  if (percent) ++pos_;
  absl::string_view word = Word();
  if (word.empty() || (!percent && word[0] == '-')) {
    return Error(absl::StrCat("expected ", what, ", got ", Describe()));
  }
  return word;
}

absl::StatusOr<int64_t> Lexer::Integer(absl::string_view what) {
  SkipBlanks();
  const size_t start = pos_;
  if (PeekRaw() == '-') ++pos_;
  while (pos_ < text_.size() && absl::ascii_isdigit(static_cast<unsigned char>(text_[pos_]))) {
    ++pos_;
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(text_.substr(start, pos_ - start), &value)) {
    pos_ = start;
    return Error(absl::StrCat("expected ", what, " (an integer), got ", Describe()));
  }
  return value;
}

absl::StatusOr<absl::string_view> Lexer::Balanced(bool stop_at_comma, bool stop_at_newline) {
  struct Open {
    char close;
    int line;
  };
  std::vector<Open> open;
  const size_t start = pos_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == '"') {
      const int string_line = line_;
      Advance();
      while (pos_ < text_.size() && text_[pos_] != '"') {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) Advance();
        Advance();
      }
      if (pos_ >= text_.size()) return ErrorAt(string_line, "unterminated string");
      Advance();
      continue;
    }
    if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
      SkipBlanks();
      continue;
    }
    if (c == '{' || c == '(' || c == '[') {
      open.push_back({c == '{' ? '}' : c == '(' ? ')' : ']', line_});
    } else if (c == '}' || c == ')' || c == ']') {
      if (open.empty()) break;  // Closes something the caller opened.
      if (c != open.back().close) {
        return Error(absl::StrCat("mismatched '", std::string(1, c), "': expected '",
                                  std::string(1, open.back().close),
                                  "' to close the bracket at line ", open.back().line));
      }
      open.pop_back();
    } else if (c == '\n' && stop_at_newline) {
      // XLA prints every attribute on its instruction's line, so a bracket still open at the
      // end of the line is never closed; saying so here beats a confusing error pages later.
      if (!open.empty()) {
        return ErrorAt(open.back().line,
                       absl::StrCat("unbalanced '", std::string(1, OpenerOf(open.back().close)),
                                    "': not closed by the end of the line"));
      }
      break;
    } else if (open.empty() && c == ',' && stop_at_comma) {
      break;
    }
    Advance();
  }
  if (!open.empty()) {
    return Error(absl::StrCat("unexpected end of file: the bracket opened at line ",
                              open.back().line, " is never closed"));
  }
  return text_.substr(start, pos_ - start);
}

absl::Status Lexer::Error(absl::string_view message) const { return ErrorAt(line_, message); }

absl::Status Lexer::ErrorAt(int line, absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(path_, ":", line, ": ", message));
}

std::string Lexer::Describe() {
  if (AtEnd()) return "the end of the file";
  const absl::string_view rest = text_.substr(pos_, 24);
  std::string shown;
  for (char c : rest) {
    if (c == '\n') break;
    shown += absl::ascii_isprint(static_cast<unsigned char>(c)) ? c : '?';
  }
  return absl::StrCat("'", shown, "'");
}

}  // namespace mmap_opt::hlo
