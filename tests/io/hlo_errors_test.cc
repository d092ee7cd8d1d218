// Bad HLO: every problem is one line "PATH:LINE: message", never a crash or a hang.
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/hlo.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::SourcePath;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The error for `text`, checked to be a single line.
std::string ErrorOf(const std::string& text) {
  absl::StatusOr<proto::Program> program = ImportHlo("bad.hlo", text);
  EXPECT_FALSE(program.ok()) << "imported:\n" << text;
  if (program.ok()) return "";
  const std::string message(program.status().message());
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

constexpr char kGood[] = R"(HloModule m
add {
  a = f32[] parameter(0)
  b = f32[] parameter(1)
  ROOT s = f32[] add(a, b)
}
ENTRY main {
  x = f32[4] parameter(0)
  z = f32[] constant(0)
  r = f32[] reduce(x, z), dimensions={0}, to_apply=add, metadata={op_name="r"}
  ROOT n = f32[] negate(r)
}
)";

TEST(HloErrorsTest, TheGoodModuleImports) { EXPECT_TRUE(ImportHlo("good.hlo", kGood).ok()); }

TEST(HloErrorsTest, EmptyFileAndRandomBytes) {
  EXPECT_THAT(ErrorOf(""), StartsWith("bad.hlo:1: empty file"));
  EXPECT_THAT(ErrorOf("  \n\n"), HasSubstr("empty file"));
  EXPECT_THAT(ErrorOf("\x7f"
                      "ELF\x02\x01\x01"),
              StartsWith("bad.hlo:1: not HLO text"));
  // Random bytes after a valid header: whatever they are, a located one-line error.
  std::mt19937 rng(20240607);
  for (int trial = 0; trial < 200; ++trial) {
    std::string text = "HloModule m\n";
    const int length = 1 + static_cast<int>(rng() % 200);
    for (int i = 0; i < length; ++i) text += static_cast<char>(rng() % 256);
    EXPECT_THAT(ErrorOf(text), ContainsRegex("^bad\\.hlo:[0-9]+: ")) << "trial " << trial;
  }
}

TEST(HloErrorsTest, EveryTruncationFailsCleanly) {
  // Cutting the file anywhere leaves either a (smaller) valid module or a located error.
  const std::string text = ReadTestFile(SourcePath("tests/testdata/hlo/mlp_inline_shapes.hlo"));
  for (size_t cut = 0; cut < text.size(); ++cut) {
    absl::StatusOr<proto::Program> program = ImportHlo("cut.hlo", text.substr(0, cut));
    if (program.ok()) continue;
    EXPECT_THAT(std::string(program.status().message()), ContainsRegex("^cut\\.hlo:[0-9]+: "))
        << "cut at " << cut;
  }
  // Cut inside the ENTRY computation: the file ends before its '}'.
  const size_t inside = text.find("%tanh = ");
  EXPECT_THAT(ErrorOf(text.substr(0, inside)),
              AllOf(StartsWith("bad.hlo:21: unexpected end of file"), HasSubstr("'main'")));
}

TEST(HloErrorsTest, UnbalancedBraces) {
  // An extra '}' after the first computation (line 6).
  std::string extra = kGood;
  extra.insert(extra.find("ENTRY"), "}\n");
  EXPECT_THAT(ErrorOf(extra), StartsWith("bad.hlo:7: unbalanced '}'"));
  // A missing '}': the next computation's header is read as an instruction (line 7).
  std::string missing = kGood;
  missing.erase(missing.find("}\nENTRY"), 2);
  EXPECT_THAT(ErrorOf(missing), StartsWith("bad.hlo:6: expected '='"));
  // An attribute brace that is not closed on its line (line 10).
  std::string open = kGood;
  open.replace(open.find("op_name=\"r\"}"), 12, "op_name=\"r\"");
  EXPECT_THAT(ErrorOf(open), StartsWith("bad.hlo:10: unbalanced '{': not closed by the end of "
                                        "the line"));
  // A constant's literal may span lines; one whose ')' is missing runs into the
  // computation's '}' (line 13), and the error names the constant.
  std::string literal = kGood;
  literal.replace(literal.find("constant(0)"), 11, "constant({0, 1,\n 2}");
  EXPECT_THAT(ErrorOf(literal),
              StartsWith("bad.hlo:13: expected ')' to close the operands of 'z', got '}'"));
  // Mismatched brackets.
  std::string mismatched = kGood;
  mismatched.replace(mismatched.find("dimensions={0}"), 14, "dimensions={0)");
  EXPECT_THAT(ErrorOf(mismatched), StartsWith("bad.hlo:10: mismatched ')'"));
}

TEST(HloErrorsTest, UnknownShapeSyntax) {
  std::string type = kGood;
  type.replace(type.find("x = f32[4]"), 10, "x = f33[4]");
  EXPECT_THAT(ErrorOf(type), StartsWith("bad.hlo:8: unknown element type 'f33'"));
  std::string dim = kGood;
  dim.replace(dim.find("x = f32[4]"), 10, "x = f32[4,y]");
  EXPECT_THAT(ErrorOf(dim), StartsWith("bad.hlo:8: expected a dimension"));
  std::string unbounded = kGood;
  unbounded.replace(unbounded.find("x = f32[4]"), 10, "x = f32[?]");
  EXPECT_THAT(ErrorOf(unbounded), StartsWith("bad.hlo:8: unbounded dynamic dimension"));
  std::string layout = kGood;
  layout.replace(layout.find("x = f32[4]"), 10, "x = f32[4]{0:T(8)@}");
  EXPECT_THAT(ErrorOf(layout), StartsWith("bad.hlo:8: malformed layout"));
  std::string deep = kGood;
  deep.replace(deep.find("x = f32[4]"), 10, "x = " + std::string(100000, '('));
  EXPECT_THAT(ErrorOf(deep), StartsWith("bad.hlo:8: tuple shapes nest too deep"));
  std::string huge = kGood;
  huge.replace(huge.find("x = f32[4]"), 10, "x = f32[4000000000,4000000000,4000000000]");
  EXPECT_THAT(ErrorOf(huge), StartsWith("bad.hlo:8: shape has more than 2^56 elements"));
}

TEST(HloErrorsTest, MissingOperandsAndComputations) {
  std::string operand = kGood;
  operand.replace(operand.find("negate(r)"), 9, "negate(q)");
  EXPECT_THAT(ErrorOf(operand),
              StartsWith("bad.hlo:11: 'n' uses operand 'q', which does not exist in 'main'"));
  std::string computation = kGood;
  computation.replace(computation.find("to_apply=add"), 12, "to_apply=mul");
  EXPECT_THAT(ErrorOf(computation),
              StartsWith("bad.hlo:10: 'r' calls computation 'mul', which does not exist"));
  std::string duplicate = kGood;
  duplicate.replace(duplicate.find("ROOT n = f32[] negate(r)"), 24, "ROOT r = f32[] negate(r)");
  EXPECT_THAT(ErrorOf(duplicate), StartsWith("bad.hlo:11: instruction 'r' is defined twice"));
}

TEST(HloErrorsTest, Cycles) {
  EXPECT_THAT(
      ErrorOf("HloModule m\nENTRY e {\n  p = f32[] parameter(0)\n"
              "  a = f32[] add(p, b)\n  b = f32[] add(a, p)\n  ROOT c = f32[] negate(b)\n}\n"),
      StartsWith("bad.hlo:4: 'a': is on a cycle"));
  // In a scheduled module a use before the definition is already wrong.
  EXPECT_THAT(ErrorOf("HloModule m, is_scheduled=true\nENTRY e {\n  p = f32[] parameter(0)\n"
                      "  a = f32[] negate(b)\n  ROOT b = f32[] abs(p)\n}\n"),
              StartsWith("bad.hlo:4: 'a': uses 'b' (line 5) before it is defined"));
  // A computation that calls itself.
  EXPECT_THAT(
      ErrorOf("HloModule m\nf {\n  p = f32[] parameter(0)\n"
              "  ROOT c = f32[] call(p), to_apply=f\n}\n"
              "ENTRY e {\n  p = f32[] parameter(0)\n  ROOT c = f32[] call(p), to_apply=f\n}\n"),
      StartsWith("bad.hlo:2: computation 'f' calls itself"));
}

TEST(HloErrorsTest, SemanticMistakes) {
  EXPECT_THAT(ErrorOf("HloModule m\nENTRY e {\n  p = f32[2] parameter(0)\n"
                      "  ROOT g = f32[] get-tuple-element(p), index=0\n}\n"),
              StartsWith("bad.hlo:4: 'g': index 0 is out of range"));
  EXPECT_THAT(ErrorOf("HloModule m\nENTRY e {\n  p = f32[2,3] parameter(0)\n"
                      "  ROOT d = f32[2,2] dot(p, p), lhs_contracting_dims={5}\n}\n"),
              StartsWith("bad.hlo:4: dot 'd' contracts dimension 5"));
  EXPECT_THAT(ErrorOf("HloModule m\nENTRY e {\n  p = f32[2] parameter(0)\n}\n"),
              StartsWith("bad.hlo:2: entry computation 'e' computes nothing"));
  EXPECT_THAT(ErrorOf("HloModule m\nENTRY e {\n  p = f32[2] parameter(1)\n"
                      "  ROOT n = f32[2] negate(p)\n}\n"),
              StartsWith("bad.hlo:2: computation 'e' has no parameter(0)"));
  EXPECT_THAT(ErrorOf("HloModule m\nENTRY e {\n  s = \"oops\n}\n"),
              StartsWith("bad.hlo:3: expected a shape"));
  EXPECT_THAT(ErrorOf("HloModule m, attr={\"unterminated}\nENTRY e {\n}\n"),
              StartsWith("bad.hlo:1: unterminated string"));
}

}  // namespace
}  // namespace mmap_opt
