// Program validation and derived facts, on programs small enough to check by hand.
#include "mmap_opt/model/program.h"

#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ProgramFromText;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// t0: c = f(a, b)     a, b inputs (100 B, 200 B); c 300 B
// t1: d = g(c)        d 50 B
// t2: e = h(a, d)     e 10 B, a program output
// t3: f = k(d)        f 7 B, dead (never read, not an output)
constexpr char kSmall[] = R"pb(
  name: "small"
  buffers { id: 10 name: "a" size: 100 }
  buffers { id: 11 name: "b" size: 200 }
  buffers { id: 12 name: "c" size: 300 defined_by: 0 }
  buffers { id: 13 name: "d" size: 50 }
  buffers { id: 14 name: "e" size: 10 is_output: true }
  buffers { id: 15 name: "f" size: 7 }
  instructions { id: 0 name: "f" flops: 1000 operands: [10, 11] outputs: [12] }
  instructions { id: 1 name: "g" flops: 10 transcendentals: 5 operands: [12] outputs: [13] }
  instructions {
    id: 2 name: "h" operands: [10, 13] outputs: [14]
    operand_bytes: [40, 50]  # reads only 40 of a's 100 bytes
  }
  instructions { id: 3 name: "k" operands: [13] outputs: [15] }
)pb";

TEST(ProgramTest, DerivesLiveRangesUsesAndBytes) {
  absl::StatusOr<Program> program = Program::Create(ProgramFromText(kSmall));
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->num_instructions(), 4);
  EXPECT_EQ(program->num_buffers(), 6);
  const BufferIndex a = *program->IndexOf(10), c = *program->IndexOf(12),
                    d = *program->IndexOf(13), e = *program->IndexOf(14),
                    f = *program->IndexOf(15);
  EXPECT_FALSE(program->definition(a).has_value());
  EXPECT_EQ(program->definition(d), 1);
  // a: input, so live from 0; last read at t2.
  EXPECT_EQ(program->live_range(a), (LiveRange{0, 2}));
  EXPECT_EQ(program->live_range(c), (LiveRange{0, 1}));
  EXPECT_EQ(program->live_range(d), (LiveRange{1, 3}));
  // e is an output: live to the end (t3) although never read.
  EXPECT_EQ(program->live_range(e), (LiveRange{2, 3}));
  // f is dead: live only at its definition.
  EXPECT_EQ(program->live_range(f), (LiveRange{3, 3}));
  EXPECT_THAT(program->uses(a), ElementsAre(0, 2));
  EXPECT_THAT(program->uses(d), ElementsAre(2, 3));
  EXPECT_TRUE(program->uses(e).empty());
  // t2 reads 40 (partial a) + 50 (d) and writes 10.
  EXPECT_EQ(program->bytes_read(2), 90);
  EXPECT_EQ(program->bytes_written(2), 10);
  EXPECT_EQ(program->bytes_read(0), 300);
  EXPECT_EQ(program->bytes_written(0), 300);
  // Live bytes: t0 a+b+c = 600; t1 a+c+d = 450; t2 a+d+e = 160; t3 d+e+f = 67.
  EXPECT_EQ(program->live_bytes(0), 600);
  EXPECT_EQ(program->live_bytes(1), 450);
  EXPECT_EQ(program->live_bytes(2), 160);
  EXPECT_EQ(program->live_bytes(3), 67);
  EXPECT_EQ(program->peak_live_bytes(), 600);
  EXPECT_EQ(program->peak_live_time(), 0);
  EXPECT_EQ(program->total_buffer_bytes(), 667);
  EXPECT_DOUBLE_EQ(program->total_flops(), 1010);
  EXPECT_DOUBLE_EQ(program->total_transcendentals(), 5);
  EXPECT_FALSE(program->IndexOf(99).has_value());
}

// Each structural error, with the words the message must contain.
struct BadProgramCase {
  std::string label;
  std::string text;
  std::string expected;
};

class BadProgramTest : public ::testing::TestWithParam<BadProgramCase> {};

TEST_P(BadProgramTest, IsRejectedWithTheOffendingIdAndName) {
  const BadProgramCase& test = GetParam();
  absl::Status status = ValidateProgram(ProgramFromText(test.text));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(test.expected));
  EXPECT_EQ(std::string(status.message()).find('\n'), std::string::npos);
  EXPECT_FALSE(Program::Create(ProgramFromText(test.text)).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Errors, BadProgramTest,
    ::testing::Values(
        BadProgramCase{"empty", R"pb(name: "p")pb", "program 'p' has no instructions"},
        BadProgramCase{"duplicate_buffer",
                       R"pb(buffers { id: 1 name: "x" size: 4 }
                            buffers { id: 1 name: "y" size: 4 }
                            instructions { id: 0 operands: 1 })pb",
                       "duplicate buffer id 1 ('y')"},
        BadProgramCase{"duplicate_instruction",
                       R"pb(buffers { id: 1 name: "x" size: 4 }
                            instructions { id: 7 name: "a" operands: 1 }
                            instructions { id: 7 name: "b" operands: 1 })pb",
                       "duplicate instruction id 7 ('b' at t=1)"},
        BadProgramCase{"dangling_operand",
                       R"pb(buffers { id: 1 name: "x" size: 4 }
                            instructions { id: 0 name: "a" operands: 2 })pb",
                       "instruction 0 'a' (t=0) reads buffer 2, which does not exist"},
        BadProgramCase{"dangling_output",
                       R"pb(buffers { id: 1 name: "x" size: 4 }
                            instructions { id: 0 name: "a" outputs: 3 })pb",
                       "writes buffer 3, which does not exist"},
        BadProgramCase{"dangling_definer",
                       R"pb(buffers { id: 1 name: "x" size: 4 defined_by: 9 }
                            instructions { id: 0 name: "a" })pb",
                       "buffer 1 'x' says it is defined by instruction 9, which does not exist"},
        BadProgramCase{"definer_disagrees",
                       R"pb(buffers { id: 1 name: "x" size: 4 defined_by: 0 }
                            instructions { id: 0 name: "a" }
                            instructions { id: 1 name: "b" outputs: 1 })pb",
                       "does not list it among its outputs"},
        BadProgramCase{"use_before_definition",
                       R"pb(buffers { id: 1 name: "x" size: 4 }
                            instructions { id: 0 name: "a" operands: 1 }
                            instructions { id: 1 name: "b" outputs: 1 })pb",
                       "reads buffer 1 'x' before it is defined (at t=1)"},
        BadProgramCase{"reads_own_output",
                       R"pb(buffers { id: 1 name: "x" size: 4 }
                            instructions { id: 0 name: "a" operands: 1 outputs: 1 })pb",
                       "before it is defined (at t=0)"},
        BadProgramCase{"defined_twice",
                       R"pb(buffers { id: 1 name: "x" size: 4 }
                            instructions { id: 0 name: "a" outputs: 1 }
                            instructions { id: 1 name: "b" outputs: 1 })pb",
                       "buffer 1 'x' is defined twice: at t=0 and by instruction 1 'b'"},
        BadProgramCase{"zero_size",
                       R"pb(buffers { id: 1 name: "x" size: 0 }
                            instructions { id: 0 })pb",
                       "buffer 1 'x' has size 0; sizes must be > 0"},
        BadProgramCase{"negative_size",
                       R"pb(buffers { id: 1 name: "x" size: -8 }
                            instructions { id: 0 })pb",
                       "has size -8"},
        BadProgramCase{"size_overflow",
                       R"pb(buffers { id: 1 name: "x" size: 9223372036854775807 }
                            buffers { id: 2 name: "y" size: 1 }
                            instructions { id: 0 })pb",
                       "buffer sizes overflow a 64-bit byte count at buffer 2 'y'"},
        BadProgramCase{"nan_flops",
                       R"pb(instructions { id: 0 name: "a" flops: nan })pb",
                       "instruction 0 'a' (t=0) has flops = nan"},
        BadProgramCase{"negative_flops",
                       R"pb(instructions { id: 0 name: "a" flops: -1 })pb",
                       "has flops = -1"},
        BadProgramCase{"infinite_transcendentals",
                       R"pb(instructions { id: 0 name: "a" transcendentals: inf })pb",
                       "has transcendentals = inf"},
        BadProgramCase{"operand_bytes_length",
                       R"pb(buffers { id: 1 name: "x" size: 4 }
                            instructions { id: 0 name: "a" operands: 1 operand_bytes: [1, 2] })pb",
                       "lists 2 operand_bytes for 1 operands"},
        BadProgramCase{"negative_operand_bytes",
                       R"pb(buffers { id: 1 name: "x" size: 4 }
                            instructions { id: 0 name: "a" operands: 1 operand_bytes: -4 })pb",
                       "has negative operand_bytes -4"}),
    [](const ::testing::TestParamInfo<BadProgramCase>& info) { return info.param.label; });

}  // namespace
}  // namespace mmap_opt
