// A cursor over HLO text that knows its line, skips blanks and /*...*/ comments, reads names,
// numbers and bracket-balanced values, and turns every problem into "PATH:LINE: message".
#ifndef MMAP_OPT_IO_HLO_HLO_LEXER_H_
#define MMAP_OPT_IO_HLO_HLO_LEXER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mmap_opt::hlo {

class Lexer {
 public:
  Lexer(absl::string_view path, absl::string_view text) : path_(path), text_(text) {}

  // Skips whitespace and comments; true when nothing is left.
  bool AtEnd();
  // The next significant character ('\0' at the end), without consuming it.
  char Peek();
  // The character right at the cursor, blanks included ('\0' at the end).
  char PeekRaw() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool TryConsume(char c);
  bool TryConsume(absl::string_view s);
  absl::Status Expect(char c, absl::string_view context);

  // A run of [A-Za-z0-9_.-] (possibly empty).
  absl::string_view Word();
  // A value's name: an optional '%' and a non-empty word.
  absl::StatusOr<absl::string_view> Name(absl::string_view what);
  absl::StatusOr<int64_t> Integer(absl::string_view what);

  // Scans bracket-balanced text (strings and comments respected) up to the first character at
  // depth 0 that closes an enclosing bracket or is a ',' (when `stop_at_comma`) or a newline
  // (when `stop_at_newline`, where a bracket still open is an error); returns it, leaving the
  // cursor on that character.
  absl::StatusOr<absl::string_view> Balanced(bool stop_at_comma, bool stop_at_newline);

  int line() const { return line_; }
  absl::Status Error(absl::string_view message) const;
  absl::Status ErrorAt(int line, absl::string_view message) const;
  // A short, printable description of what is at the cursor, for "expected X, got Y".
  std::string Describe();

 private:
  void Advance();
  void SkipBlanks();

  std::string path_;
  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace mmap_opt::hlo

#endif  // MMAP_OPT_IO_HLO_HLO_LEXER_H_
