// `mmap-opt pack` (CSV and repack modes) and `mmap-opt gen` as whole commands: golden output,
// exit codes (0 packed, 1 bad input, 2 bad command line, 3 proved infeasible), one-line errors
// naming the file, and outputs read back and checked.
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/heap/packer.h"
#include "mmap_opt/io/csv.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/sim/validator.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::CommandResult;
using ::mmap_opt::testing::ExpectCleanFailure;
using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::RunCli;
using ::mmap_opt::testing::SourcePath;
using ::mmap_opt::testing::WriteTestFile;
using ::testing::HasSubstr;

// Six buffers whose live load peaks at 11 B at t4 (c 3 + d 5 + f 3): 11 fits, 10 cannot.
const std::string kSmall = SourcePath("tests/testdata/pack/small.11.csv");
const std::string kChain = SourcePath("tests/testdata/pack/chain.txtpb");
const std::string kChainAssignment = SourcePath("tests/testdata/pack/chain.assignment.txtpb");

// The summary line with its path shortened and its wall time masked.
std::string Summary(const std::string& out, const std::string& path, const std::string& name) {
  static const std::regex kTime(R"(, [0-9.]+ (s|ms|us|ns)\n)");
  return std::regex_replace(absl::StrReplaceAll(out, {{path, name}}), kTime, ", <time>\n");
}

// Rows read back from an output CSV: the input's rows, each with an offset, packed within
// `capacity` with no two overlapping in time and bytes.
void ExpectPackedCsv(const std::string& output, const std::string& input, int64_t capacity) {
  absl::StatusOr<std::vector<CsvBuffer>> in = ParseCsv(input, ReadTestFile(input));
  absl::StatusOr<std::vector<CsvBuffer>> out = ParseCsv(output, ReadTestFile(output));
  ASSERT_TRUE(in.ok() && out.ok()) << in.status() << " " << out.status();
  ASSERT_EQ(in->size(), out->size());
  std::vector<heap::PackBuffer> buffers;
  std::vector<heap::Offset> offsets;
  for (size_t i = 0; i < in->size(); ++i) {
    EXPECT_EQ((*out)[i].id, (*in)[i].id);
    EXPECT_EQ((*out)[i].lower, (*in)[i].lower);
    EXPECT_EQ((*out)[i].upper, (*in)[i].upper);
    EXPECT_EQ((*out)[i].size, (*in)[i].size);
    ASSERT_TRUE((*out)[i].offset.has_value()) << (*out)[i].id;
    buffers.push_back({(*out)[i].lower, (*out)[i].upper, (*out)[i].size});
    offsets.push_back(*(*out)[i].offset);
  }
  EXPECT_TRUE(heap::ValidatePacking(buffers, offsets, capacity, 1).ok());
}

// Best-fit in size order (the first pass) at capacity 11, by hand: d (5 B, [4, 8)) at 0;
// a (4 B, [0, 4)) meets nothing: 0; c ([2, 6)) meets a [0, 4) and d [0, 5): on top, 5;
// f ([1, 5)) meets a, d and c [5, 8): 8, peak 11; b ([0, 2)) meets a and f: the gap [4, 8);
// e ([6, 8)) meets only d: 5.
TEST(PackCliTest, CsvMatchesGolden) {
  const std::string out = MakeTempDir() + "/small.packed.csv";
  CommandResult result = RunCli({"pack", kSmall, "--capacity", "11", "-o", out});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Summary(result.out, kSmall, "small.11.csv"),
            "packed small.11.csv (6 buffers, capacity 11): peak 11, lower bound 11 (1.00000x), "
            "by best-fit/size, 0 nodes, <time>\n");
  EXPECT_EQ(ReadTestFile(out), ReadTestFile(SourcePath("tests/testdata/pack/small.11.packed.csv")));
  ExpectPackedCsv(out, kSmall, 11);
  // To stdout, the summary moves to stderr.
  CommandResult piped = RunCli({"pack", kSmall, "--capacity", "11", "-o", "-"});
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, ReadTestFile(out));
  EXPECT_THAT(piped.err, HasSubstr("packed "));
}

TEST(PackCliTest, WithoutCapacityMinimisesThePeak) {
  const std::string out = MakeTempDir() + "/small.packed.csv";
  CommandResult result = RunCli({"pack", kSmall, "-o", out});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("(6 buffers, no capacity): peak 11, lower bound 11 "
                                    "(1.00000x, optimal)"));
  ExpectPackedCsv(out, kSmall, 11);
}

TEST(PackCliTest, ProvedInfeasibleExitsThreeAndWritesNothing) {
  const std::string dir = MakeTempDir();
  CommandResult result = RunCli({"pack", kSmall, "--capacity", "10", "-o", dir + "/out.csv"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_EQ(Summary(result.out, kSmall, "small.11.csv"),
            "infeasible small.11.csv (6 buffers, capacity 10): proved by peak-live-load, peak "
            "live load 11, 0 nodes, <time>\n");
  EXPECT_FALSE(ReadFile(dir + "/out.csv").ok());
}

TEST(PackCliTest, BadCsvGivesOneLineNamingTheFile) {
  const std::string dir = MakeTempDir();
  const std::string header = "id,lower,upper,size\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated.csv", header + "a,0,4,4\nb,1,"},
      {"non_numeric.csv", header + "a,0,x,4\n"},
      {"lower_ge_upper.csv", header + "a,4,4,4\n"},
      {"negative_size.csv", header + "a,0,4,-4\n"},
      {"duplicate_id.csv", header + "a,0,4,4\na,1,2,3\n"},
      {"empty.csv", ""},
      {"header_only.csv", header},
  };
  for (const auto& [name, contents] : cases) {
    SCOPED_TRACE(name);
    const std::string path = dir + "/" + name;
    WriteTestFile(path, contents);
    ExpectCleanFailure(RunCli({"pack", path, "--capacity", "11", "-o", dir + "/out.csv"}), path);
  }
  ExpectCleanFailure(RunCli({"pack", dir + "/absent.csv", "-o", dir + "/out.csv"}),
                     dir + "/absent.csv");
  EXPECT_FALSE(ReadFile(dir + "/out.csv").ok());
}

TEST(PackCliTest, BadCommandLinesExitTwo) {
  const std::string out = MakeTempDir() + "/out";
  EXPECT_EQ(RunCli({"pack", kSmall}).exit_code, 2);              // No -o.
  EXPECT_EQ(RunCli({"pack", "-o", out + ".csv"}).exit_code, 2);  // Nothing to pack.
  EXPECT_EQ(RunCli({"pack", kSmall, "--capacity", "abc", "-o", out}).exit_code, 2);
  EXPECT_EQ(RunCli({"pack", kSmall, "--no-such-flag", "-o", out}).exit_code, 2);
  // Repack mode takes both files, no CSV, and the hardware's alignment.
  EXPECT_EQ(RunCli({"pack", "--program", kChain, "-o", out}).exit_code, 2);
  EXPECT_EQ(RunCli({"pack", "--assignment", kChainAssignment, "-o", out}).exit_code, 2);
  EXPECT_EQ(
      RunCli({"pack", kSmall, "--program", kChain, "--assignment", kChainAssignment, "-o", out})
          .exit_code,
      2);
  EXPECT_EQ(RunCli({"pack", "--program", kChain, "--assignment", kChainAssignment, "--alignment",
                    "4", "-o", out})
                .exit_code,
            2);
  EXPECT_EQ(RunCli({"pack", kSmall, "--hardware", "tpuv4i", "-o", out}).exit_code, 2);
}

// chain.assignment.txtpb peaks at 900 B; a, b and w all live at t1 need 600 B. Best-fit in
// size order: b (300 B) at 0, a (200 B, meets b) at 300, w (100 B, meets both) at 500.
TEST(PackCliTest, RepackMatchesGoldenAndKeepsTheLatency) {
  const std::string dir = MakeTempDir();
  const std::string out = dir + "/repacked.txtpb";
  CommandResult result =
      RunCli({"pack", "--program", kChain, "--assignment", kChainAssignment, "-o", out});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Summary(result.out, kChainAssignment, "chain.assignment.txtpb"),
            "repacked chain.assignment.txtpb (3 placements, capacity 1000): peak 900 -> 600, "
            "lower bound 600 (1.00000x), by best-fit/size, 0 nodes, <time>\n");
  EXPECT_EQ(ReadTestFile(out),
            ReadTestFile(SourcePath("tests/testdata/pack/chain.repacked.txtpb")));
  // Offsets do not enter the simulator: score reports the same numbers for both.
  CommandResult before = RunCli({"score", kChain, kChainAssignment, "--json"});
  CommandResult after = RunCli({"score", kChain, out, "--json"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, before.out);
}

TEST(PackCliTest, RepackUnderACapacity) {
  const std::string dir = MakeTempDir();
  CommandResult fits = RunCli({"pack", "--program", kChain, "--assignment", kChainAssignment,
                               "--capacity", "600", "-o", "-"});
  ASSERT_EQ(fits.exit_code, 0) << fits.err;
  EXPECT_THAT(fits.err, HasSubstr("(3 placements, capacity 600): peak 900 -> 600"));
  // The text on stdout is the assignment: it reads back valid within 600 bytes.
  WriteTestFile(dir + "/fits.txtpb", fits.out);
  absl::StatusOr<proto::Program> program = ReadProgram(kChain);
  absl::StatusOr<proto::Assignment> assignment = ReadAssignment(dir + "/fits.txtpb");
  ASSERT_TRUE(program.ok() && assignment.ok());
  absl::StatusOr<proto::Hardware> hardware = HardwareFor(*program, "");
  absl::StatusOr<Program> model = Program::Create(*program);
  ASSERT_TRUE(hardware.ok() && model.ok());
  hardware->set_fast_capacity(600);
  EXPECT_TRUE(ValidateAssignment(*model, *hardware, *assignment).ok());

  CommandResult refuted = RunCli({"pack", "--program", kChain, "--assignment", kChainAssignment,
                                  "--capacity", "599", "-o", dir + "/no.txtpb"});
  EXPECT_EQ(refuted.exit_code, 3) << refuted.err;
  EXPECT_EQ(Summary(refuted.out, kChainAssignment, "chain.assignment.txtpb"),
            "infeasible chain.assignment.txtpb (3 placements, capacity 599): proved by "
            "peak-live-load, peak before 900, lower bound 600, 0 nodes, <time>\n");
  EXPECT_FALSE(ReadFile(dir + "/no.txtpb").ok());
}

TEST(PackCliTest, RepackBadInputGivesOneLine) {
  const std::string dir = MakeTempDir();
  const std::string out = dir + "/out.txtpb";
  // More bytes than the hardware's fast memory.
  ExpectCleanFailure(RunCli({"pack", "--program", kChain, "--assignment", kChainAssignment,
                             "--capacity", "2000", "-o", out}),
                     "--capacity 2000 exceeds the 1000-byte fast memory");
  // A timing fault that moving offsets cannot fix: w's prefetch issued after its start.
  const std::string late = dir + "/late.txtpb";
  WriteTestFile(late, R"pb(
    program_name: "chain"
    placements { buffer_id: 4 offset: 0 start: 1 end: 2 source: PREFETCHED copy_start: 2 }
  )pb");
  CommandResult result = RunCli({"pack", "--program", kChain, "--assignment", late, "-o", out});
  ExpectCleanFailure(result, late);
  EXPECT_THAT(result.err, HasSubstr("copy_start 2 is after start 1"));
  // A dangling buffer id, an assignment for another program, a truncated file.
  const std::string dangling = dir + "/dangling.txtpb";
  WriteTestFile(dangling, "placements { buffer_id: 99 start: 0 end: 1 source: PRODUCED }\n");
  ExpectCleanFailure(RunCli({"pack", "--program", kChain, "--assignment", dangling, "-o", out}),
                     dangling);
  const std::string other = dir + "/other.txtpb";
  WriteTestFile(other, "program_name: \"mlp\"\n");
  ExpectCleanFailure(RunCli({"pack", "--program", kChain, "--assignment", other, "-o", out}),
                     other);
  const std::string truncated = dir + "/truncated.txtpb";
  WriteTestFile(truncated, "placements { buffer_id: 2 offset: ");
  ExpectCleanFailure(RunCli({"pack", "--program", kChain, "--assignment", truncated, "-o", out}),
                     truncated);
  ExpectCleanFailure(
      RunCli({"pack", "--program", dir + "/absent.txtpb", "--assignment", late, "-o", out}),
      dir + "/absent.txtpb");
  EXPECT_FALSE(ReadFile(out).ok());
}

TEST(GenCliTest, ListMatchesGolden) {
  CommandResult result = RunCli({"gen", "--list"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, ReadTestFile(SourcePath("tests/testdata/gen_list.golden")));
}

TEST(GenCliTest, BadFamilyAndFlags) {
  const std::string out = MakeTempDir() + "/p.pb";
  CommandResult family = RunCli({"gen", "nosuch", "-o", out});
  ExpectCleanFailure(family, "unknown family 'nosuch'");
  EXPECT_THAT(family.err, HasSubstr("bert, gpt2"));
  ExpectCleanFailure(RunCli({"gen", "bert", "--size", "huge", "-o", out}),
                     "family 'bert' has no size 'huge' (sizes: tiny, base, large)");
  ExpectCleanFailure(RunCli({"gen", "bert", "--mode", "sideways", "-o", out}),
                     "unknown mode 'sideways'");
  ExpectCleanFailure(RunCli({"gen", "bert", "--hardware", "tpuv9", "-o", out}),
                     "--hardware 'tpuv9' is not a preset");
  ExpectCleanFailure(RunCli({"gen", "-o", out}), "name a family");
  ExpectCleanFailure(RunCli({"gen", "bert", "-o", out + ".unknownext"}), out + ".unknownext");
  CommandResult flag = RunCli({"gen", "bert", "--frobnicate"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_THAT(flag.err, HasSubstr("--frobnicate"));
  EXPECT_EQ(RunCli({"gen", "bert", "--batch", "0"}).exit_code, 2);
  EXPECT_FALSE(ReadFile(out).ok());
}

TEST(GenCliTest, TrainingTraceIsACsvWhoseKnownPackingMeetsTheBound) {
  const std::string dir = MakeTempDir();
  CommandResult known = RunCli({"gen", "training-trace", "--buffers", "40", "--seed", "3", "-o",
                                dir + "/known.csv", "--with-packing"});
  ASSERT_EQ(known.exit_code, 0) << known.err;
  EXPECT_EQ(absl::StrReplaceAll(known.out, {{dir, "<dir>"}}),
            "<dir>/known.csv: training-trace, 27 buffers (11 cut at time 7), peak live load "
            "141303392, reached by the known packing\n");
  // The offsets written are a packing whose peak is the peak live load.
  absl::StatusOr<std::vector<CsvBuffer>> rows =
      ParseCsv("known.csv", ReadTestFile(dir + "/known.csv"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::vector<heap::PackBuffer> buffers;
  std::vector<heap::Offset> offsets;
  for (const CsvBuffer& row : *rows) {
    ASSERT_TRUE(row.offset.has_value()) << row.id;
    buffers.push_back({row.lower, row.upper, row.size});
    offsets.push_back(*row.offset);
  }
  EXPECT_EQ(heap::PeakLiveLoad(buffers), 141303392);
  EXPECT_TRUE(heap::ValidatePacking(buffers, offsets, 141303392, 1).ok());
  // Without --with-packing: the same rows, no offsets; pack reaches the bound.
  const std::string trace = dir + "/trace.csv";
  ASSERT_EQ(RunCli({"gen", "training-trace", "--buffers", "40", "--seed", "3", "-o", trace})
                .exit_code,
            0);
  EXPECT_THAT(ReadTestFile(trace), ::testing::StartsWith("id,lower,upper,size\nb0,0,14,75121160\n"));
  CommandResult packed = RunCli({"pack", trace, "-o", dir + "/packed.csv"});
  ASSERT_EQ(packed.exit_code, 0) << packed.err;
  EXPECT_THAT(packed.out, HasSubstr("peak 141303392, lower bound 141303392 (1.00000x, optimal)"));
  ExpectPackedCsv(dir + "/packed.csv", trace, 141303392);
  // Out-of-range options are command-line errors, and write nothing.
  EXPECT_EQ(RunCli({"gen", "training-trace", "--buffers", "0", "-o", dir + "/bad.csv"}).exit_code,
            2);
  EXPECT_EQ(RunCli({"gen", "training-trace", "--max-size", "10", "-o", dir + "/bad.csv"})
                .exit_code,
            2);
  EXPECT_FALSE(ReadFile(dir + "/bad.csv").ok());
}

}  // namespace
}  // namespace mmap_opt
