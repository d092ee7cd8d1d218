// MiniMalloc CSV: parsing, bad rows, the program it becomes, and exact round trips.
#include "mmap_opt/io/csv.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/model/program.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ReadTestFile;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// MiniMalloc's own example (examples/input.12.csv).
constexpr char kInput12[] =
    "id,lower,upper,size\n"
    "b1,0,3,4\n"
    "b2,3,9,4\n"
    "b3,0,9,4\n"
    "b4,9,21,4\n"
    "b5,0,21,4\n";

TEST(CsvTest, ParsesRows) {
  absl::StatusOr<std::vector<CsvBuffer>> rows = ParseCsv("in.csv", kInput12);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ((*rows)[3].id, "b4");
  EXPECT_EQ((*rows)[3].lower, 9);
  EXPECT_EQ((*rows)[3].upper, 21);
  EXPECT_EQ((*rows)[3].size, 4);
  EXPECT_FALSE((*rows)[3].offset.has_value());
}

TEST(CsvTest, BecomesAProgramWithOneInstructionPerDistinctTime) {
  std::vector<CsvBuffer> rows = *ParseCsv("in.csv", kInput12);
  absl::StatusOr<proto::Program> proto = CsvToProgram(rows, "input", 12);
  ASSERT_TRUE(proto.ok()) << proto.status();
  // Times: lowers {0, 3, 9} and upper-1 {2, 8, 20} -> 0 2 3 8 9 20, six instructions.
  ASSERT_EQ(proto->instructions_size(), 6);
  EXPECT_EQ(proto->instructions(4).source_time(), 9);
  EXPECT_EQ(proto->hardware().fast_capacity(), 12);
  absl::StatusOr<Program> program = Program::Create(*proto);
  ASSERT_TRUE(program.ok()) << program.status();
  // b2 is live over [3, 9): defined at t=2 (time 3), read at t=3 (time 8), its last.
  const BufferIndex b2 = 1;
  EXPECT_EQ(program->live_range(b2), (LiveRange{2, 3}));
  // b5 over [0, 21): read by every later instruction.
  EXPECT_THAT(program->uses(4), ElementsAre(1, 2, 3, 4, 5));
  // At time 9 (t=4) b3 is gone, b4 just starts; live: b4 and b5 = 8 bytes. The peak is 12
  // (b1 b3 b5 at times 0..2, b2 b3 b5 at 3..8), the file's capacity.
  EXPECT_EQ(program->live_bytes(4), 8);
  EXPECT_EQ(program->peak_live_bytes(), 12);
}

TEST(CsvTest, RoundTripsThroughAProgram) {
  std::vector<CsvBuffer> rows = *ParseCsv("in.csv", kInput12);
  proto::Program program = *CsvToProgram(rows, "input", 12);
  absl::StatusOr<std::vector<CsvBuffer>> back = ProgramToCsv(program, nullptr);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(FormatCsv(*back), kInput12);
}

TEST(CsvTest, ExportWithAnAssignmentAddsOffsets) {
  proto::Program program = *CsvToProgram(*ParseCsv("in.csv", kInput12), "input", 12);
  proto::Assignment assignment;
  for (int b = 0; b < 5; ++b) {
    proto::Placement* placement = assignment.add_placements();
    placement->set_buffer_id(b);
    placement->set_offset(4 * (b % 3));
  }
  absl::StatusOr<std::vector<CsvBuffer>> rows = ProgramToCsv(program, &assignment);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(FormatCsv(*rows), HasSubstr("id,lower,upper,size,offset\nb1,0,3,4,0\nb2,3,9,4,4\n"));
  assignment.mutable_placements()->RemoveLast();
  EXPECT_THAT(std::string(ProgramToCsv(program, &assignment).status().message()),
              HasSubstr("buffer 4 'b5' has no placement"));
}

TEST(CsvTest, CapacityFromFileName) {
  EXPECT_EQ(CapacityFromFileName("x/A.1048576.csv"), 1048576);
  EXPECT_EQ(CapacityFromFileName("input.12.csv"), 12);
  EXPECT_FALSE(CapacityFromFileName("resnet50.csv").has_value());
  EXPECT_FALSE(CapacityFromFileName("a.b.csv").has_value());
}

struct BadCsvCase {
  std::string label;
  std::string contents;
  std::string expected;
};

class BadCsvTest : public ::testing::TestWithParam<BadCsvCase> {};

TEST_P(BadCsvTest, GivesOneLineWithFileAndLine) {
  absl::StatusOr<std::vector<CsvBuffer>> rows = ParseCsv("bad.csv", GetParam().contents);
  ASSERT_FALSE(rows.ok());
  std::string message(rows.status().message());
  EXPECT_THAT(message, HasSubstr(GetParam().expected));
  EXPECT_EQ(message.rfind("bad.csv", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, BadCsvTest,
    ::testing::Values(
        BadCsvCase{"empty", "", "bad.csv: empty CSV file"},
        BadCsvCase{"header_only", "id,lower,upper,size\n", "bad.csv: no buffers"},
        BadCsvCase{"missing_column", "id,lower,size\nb,0,4\n", "bad.csv:1: header has no 'upper'"},
        BadCsvCase{"short_row", "id,lower,upper,size\nb,0,4\n",
                   "bad.csv:2: expected 4 fields, found 3"},
        BadCsvCase{"non_numeric", "id,lower,upper,size\nb,0,x9,4\n",
                   "bad.csv:2: upper 'x9' is not an integer"},
        BadCsvCase{"overflowing_number", "id,lower,upper,size\nb,0,3,99999999999999999999\n",
                   "bad.csv:2: size"},
        BadCsvCase{"lower_above_upper", "id,lower,upper,size\nb,0,3,4\nc,7,5,4\n",
                   "bad.csv:3: lower 7 >= upper 5"},
        BadCsvCase{"empty_range", "id,lower,upper,size\nb,5,5,4\n", "bad.csv:2: lower 5 >= upper 5"},
        BadCsvCase{"negative_lower", "id,lower,upper,size\nb,-1,5,4\n", "negative lower -1"},
        BadCsvCase{"zero_size", "id,lower,upper,size\nb,0,5,0\n", "bad.csv:2: size 0 must be > 0"},
        BadCsvCase{"duplicate_id", "id,lower,upper,size\nb,0,5,4\nc,0,5,4\nb,1,2,3\n",
                   "bad.csv:4: duplicate id 'b' (first on line 2)"},
        BadCsvCase{"negative_offset", "id,lower,upper,size,offset\nb,0,5,4,-4\n",
                   "bad.csv:2: negative offset"}),
    [](const ::testing::TestParamInfo<BadCsvCase>& info) { return info.param.label; });

// The acceptance check: every MiniMalloc benchmark file survives import + export unchanged.
class SharedCsvRoundTripTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedCsvRoundTripTest, ReproducesTheFile) {
  MMAP_OPT_SKIP_WITHOUT_SHARED_DATA(path, GetParam());
  const std::string original = ReadTestFile(path);
  absl::StatusOr<std::vector<CsvBuffer>> rows = ParseCsv(path, original);
  ASSERT_TRUE(rows.ok()) << rows.status();
  absl::StatusOr<proto::Program> program =
      CsvToProgram(*rows, "p", CapacityFromFileName(path).value_or(1));
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_TRUE(Program::Create(*program).ok());
  absl::StatusOr<std::vector<CsvBuffer>> back = ProgramToCsv(*program, nullptr);
  ASSERT_TRUE(back.ok()) << back.status();
  auto strip = [](const std::string& s) {
    return absl::StrReplaceAll(s, {{" ", ""}, {"\r", ""}, {"\t", ""}, {"\n", ""}});
  };
  EXPECT_EQ(strip(FormatCsv(*back)), strip(original));
}

INSTANTIATE_TEST_SUITE_P(
    MiniMalloc, SharedCsvRoundTripTest,
    ::testing::Values("minimalloc/examples/input.12.csv", "minimalloc/challenging/A.1048576.csv",
                      "minimalloc/challenging/B.1048576.csv", "minimalloc/challenging/C.1048576.csv",
                      "minimalloc/challenging/D.1048576.csv", "minimalloc/challenging/E.1048576.csv",
                      "minimalloc/challenging/F.1048576.csv", "minimalloc/challenging/G.1048576.csv",
                      "minimalloc/challenging/H.1048576.csv", "minimalloc/challenging/I.1048576.csv",
                      "minimalloc/challenging/J.1048576.csv", "minimalloc/challenging/K.1048576.csv",
                      "idealloc/resnet50.csv", "idealloc/G_1.csv", "idealloc/S_1.csv"),
    [](const ::testing::TestParamInfo<std::string>& info) {
      std::string name = info.param.substr(info.param.find('/') + 1);
      return absl::StrReplaceAll(name, {{".", "_"}, {"/", "_"}});
    });

}  // namespace
}  // namespace mmap_opt
