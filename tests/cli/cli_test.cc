// Whole-command tests of the mmap-opt binary: golden output, exit codes, and bad input that
// must end in a one-line error, never a signal.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::SourcePath;
using ::mmap_opt::testing::WriteTestFile;
using ::testing::HasSubstr;

using ::mmap_opt::testing::CommandResult;
using ::mmap_opt::testing::ExpectCleanFailure;
using ::mmap_opt::testing::RunCli;

const std::string kExample = SourcePath("data/examples/mlp_inference.txtpb");

TEST(CliTest, HelpAndVersion) {
  CommandResult help = RunCli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("inspect"));
  EXPECT_THAT(help.out, HasSubstr("import"));
  CommandResult version = RunCli({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, HasSubstr("mmap-opt 0."));
}

TEST(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunCli({}).exit_code, 2);
  EXPECT_EQ(RunCli({"frobnicate"}).exit_code, 2);
  CommandResult flag = RunCli({"inspect", kExample, "--no-such-flag"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_THAT(flag.err, HasSubstr("--no-such-flag"));
  EXPECT_EQ(RunCli({"inspect"}).exit_code, 2);
  EXPECT_EQ(RunCli({"inspect", kExample, "--top", "-3"}).exit_code, 2);
  EXPECT_EQ(RunCli({"import", "csv", "x.csv", "--capacity", "abc"}).exit_code, 2);
}

TEST(CliTest, InspectMatchesGolden) {
  // The golden output names the program by its path relative to the repo root; the test runs
  // elsewhere, so it passes the absolute path and maps it back.
  std::string expected = ReadTestFile(SourcePath("tests/testdata/inspect_mlp_inference.golden"));
  CommandResult result = RunCli({"inspect", kExample});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(absl::StrReplaceAll(result.out, {{kExample, "data/examples/mlp_inference.txtpb"}}),
            expected);
}

TEST(CliTest, InspectJsonAndHardwareFlag) {
  CommandResult result = RunCli({"inspect", kExample, "--json", "--hardware", "tpuv4i"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr(R"("instructions":4)"));
  EXPECT_THAT(result.out, HasSubstr(R"("peak_live_bytes":9179136)"));
  EXPECT_THAT(result.out, HasSubstr(R"("name":"tpuv4i")"));
  ExpectCleanFailure(RunCli({"inspect", kExample, "--hardware", "tpuv9"}), "tpuv9");
}

TEST(CliTest, InspectReadsStdin) {
  CommandResult result = RunCli({"inspect", "-"}, kExample);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("instructions  4"));
}

TEST(CliTest, CsvRoundTripThroughBinaryProgram) {
  const std::string dir = MakeTempDir();
  const std::string csv = "id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\nb3,0,9,4\n";
  WriteTestFile(dir + "/in.12.csv", csv);
  CommandResult imported = RunCli({"import", "csv", dir + "/in.12.csv", "-o", dir + "/p.pb"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  CommandResult exported = RunCli({"export", "csv", dir + "/p.pb", "-o", dir + "/out.csv"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(ReadTestFile(dir + "/out.csv"), csv);
  CommandResult inspected = RunCli({"inspect", dir + "/p.pb"});
  EXPECT_THAT(inspected.out, HasSubstr("minimalloc: fast memory 12 B"));
}

TEST(CliTest, CsvRoundTripOfEveryMiniMallocFile) {
  MMAP_OPT_SKIP_WITHOUT_SHARED_DATA(root, "minimalloc");
  const std::string dir = MakeTempDir();
  std::vector<std::string> files = {"examples/input.12.csv"};
  for (char c = 'A'; c <= 'K'; ++c) files.push_back(absl::StrCat("challenging/", std::string(1, c), ".1048576.csv"));
  for (const std::string& file : files) {
    const std::string path = root + "/" + file;
    ASSERT_EQ(RunCli({"import", "csv", path, "-o", dir + "/p.json"}).exit_code, 0) << file;
    CommandResult exported = RunCli({"export", "csv", dir + "/p.json"});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    auto strip = [](const std::string& s) {
      return absl::StrReplaceAll(s, {{" ", ""}, {"\r", ""}, {"\t", ""}, {"\n", ""}});
    };
    EXPECT_EQ(strip(exported.out), strip(ReadTestFile(path))) << file;
  }
}

// Every reader, fed every kind of bad file.
TEST(CliTest, BadProgramFilesFailCleanly) {
  const std::string dir = MakeTempDir();
  ExpectCleanFailure(RunCli({"inspect", dir + "/missing.pb"}), dir + "/missing.pb");
  WriteTestFile(dir + "/empty.pb", "");
  ExpectCleanFailure(RunCli({"inspect", dir + "/empty.pb"}), dir + "/empty.pb");
  WriteTestFile(dir + "/p.yaml", "name: x");
  ExpectCleanFailure(RunCli({"inspect", dir + "/p.yaml"}), dir + "/p.yaml");
  std::mt19937 rng(7);
  for (const char* ext : {".pb", ".txtpb", ".json"}) {
    std::string bytes(300, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const std::string path = dir + "/random" + ext;
    WriteTestFile(path, bytes);
    ExpectCleanFailure(RunCli({"inspect", path}), path);
  }
  // A truncated binary program.
  ASSERT_EQ(RunCli({"import", "csv", SourcePath("tests/testdata/small.64.csv"), "-o",
                    dir + "/whole.pb"})
                .exit_code,
            0);
  std::string whole = ReadTestFile(dir + "/whole.pb");
  WriteTestFile(dir + "/truncated.pb", whole.substr(0, whole.size() / 2 + 1));
  ExpectCleanFailure(RunCli({"inspect", dir + "/truncated.pb"}), dir + "/truncated.pb");
  // A text proto with an unknown field, and one whose structure is invalid.
  WriteTestFile(dir + "/unknown.txtpb", "name: \"p\"\nwat: 1\n");
  CommandResult unknown = RunCli({"inspect", dir + "/unknown.txtpb"});
  ExpectCleanFailure(unknown, dir + "/unknown.txtpb");
  EXPECT_THAT(unknown.err, HasSubstr("line 2"));
  WriteTestFile(dir + "/dangling.txtpb",
                "buffers { id: 1 name: \"x\" size: 8 }\ninstructions { id: 0 operands: 5 }\n");
  CommandResult dangling = RunCli({"inspect", dir + "/dangling.txtpb"});
  ExpectCleanFailure(dangling, dir + "/dangling.txtpb");
  EXPECT_THAT(dangling.err, HasSubstr("reads buffer 5, which does not exist"));
  WriteTestFile(dir + "/early.txtpb",
                "buffers { id: 1 name: \"x\" size: 8 }\n"
                "instructions { id: 0 name: \"a\" operands: 1 }\n"
                "instructions { id: 1 name: \"b\" outputs: 1 }\n");
  ExpectCleanFailure(RunCli({"inspect", dir + "/early.txtpb"}), dir + "/early.txtpb");
}

TEST(CliTest, BadCsvFilesFailCleanly) {
  const std::string dir = MakeTempDir();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"missing_column.8.csv", "id,lower,size\nb,0,4\n"},
      {"non_numeric.8.csv", "id,lower,upper,size\nb,0,five,4\n"},
      {"reversed.8.csv", "id,lower,upper,size\nb,6,2,4\n"},
      {"duplicate.8.csv", "id,lower,upper,size\nb,0,2,4\nb,0,2,4\n"},
      {"empty.8.csv", ""},
      {"negative_size.8.csv", "id,lower,upper,size\nb,0,2,-4\n"},
  };
  for (const auto& [name, contents] : cases) {
    WriteTestFile(dir + "/" + name, contents);
    ExpectCleanFailure(RunCli({"import", "csv", dir + "/" + name, "-o", dir + "/p.pb"}),
                       dir + "/" + name);
  }
  WriteTestFile(dir + "/nocap.csv", "id,lower,upper,size\nb,0,2,4\n");
  CommandResult nocap = RunCli({"import", "csv", dir + "/nocap.csv", "-o", dir + "/p.pb"});
  ExpectCleanFailure(nocap, dir + "/nocap.csv");
  EXPECT_THAT(nocap.err, HasSubstr("--capacity"));
  EXPECT_EQ(RunCli({"import", "csv", dir + "/nocap.csv", "--capacity", "8", "-o", dir + "/p.pb"})
                .exit_code,
            0);
  // Export with an assignment that misses a buffer.
  WriteTestFile(dir + "/a.txtpb", "placements { buffer_id: 0 offset: 0 }\n");
  WriteTestFile(dir + "/two.8.csv", "id,lower,upper,size\nb,0,2,4\nc,1,3,4\n");
  ASSERT_EQ(RunCli({"import", "csv", dir + "/two.8.csv", "-o", dir + "/two.pb"}).exit_code, 0);
  ExpectCleanFailure(RunCli({"export", "csv", dir + "/two.pb", dir + "/a.txtpb"}),
                     dir + "/a.txtpb");
}

}  // namespace
}  // namespace mmap_opt
