// Proto files in three encodings, and every way a file can be bad.
#include "mmap_opt/io/proto_io.h"

#include <dirent.h>

#include <random>

#include "absl/strings/match.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/hardware_io.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::ProgramFromText;
using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::SourcePath;
using ::mmap_opt::testing::WriteTestFile;
using ::testing::HasSubstr;
using ::testing::StartsWith;

proto::Program Example() {
  absl::StatusOr<proto::Program> program =
      ReadProgram(SourcePath("data/examples/mlp_inference.txtpb"));
  EXPECT_TRUE(program.ok()) << program.status();
  return *program;
}

// The error contract: one line, starting with the file's path.
void ExpectOneLineErrorNaming(const absl::Status& status, const std::string& path) {
  EXPECT_FALSE(status.ok());
  std::string message(status.message());
  EXPECT_THAT(message, StartsWith(path));
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(ProtoIoTest, FormatFollowsTheExtension) {
  EXPECT_EQ(*ProtoFormatFor("a.pb"), ProtoFormat::kBinary);
  EXPECT_EQ(*ProtoFormatFor("a.binpb"), ProtoFormat::kBinary);
  EXPECT_EQ(*ProtoFormatFor("a.txtpb"), ProtoFormat::kText);
  EXPECT_EQ(*ProtoFormatFor("a.textproto"), ProtoFormat::kText);
  EXPECT_EQ(*ProtoFormatFor("a.json"), ProtoFormat::kJson);
  EXPECT_EQ(*ProtoFormatFor("-"), ProtoFormat::kText);
  EXPECT_THAT(std::string(ProtoFormatFor("a.yaml").status().message()),
              HasSubstr("a.yaml: unknown file extension"));
}

TEST(ProtoIoTest, EveryFormatRoundTrips) {
  const proto::Program program = Example();
  const std::string dir = MakeTempDir();
  for (const char* name : {"p.pb", "p.txtpb", "p.textproto", "p.json"}) {
    const std::string path = dir + "/" + name;
    ASSERT_TRUE(WriteMessage(path, program).ok()) << name;
    absl::StatusOr<proto::Program> back = ReadProgram(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(program, *back)) << name;
  }
}

TEST(ProtoIoTest, AtomicWriteLeavesNoTemporaryFiles) {
  const std::string dir = MakeTempDir();
  ASSERT_TRUE(WriteMessage(dir + "/p.pb", Example()).ok());
  ASSERT_TRUE(WriteMessage(dir + "/p.pb", Example()).ok());  // Overwrite in place.
  int entries = 0;
  DIR* folder = opendir(dir.c_str());
  while (dirent* entry = readdir(folder)) entries += entry->d_name[0] != '.';
  closedir(folder);
  EXPECT_EQ(entries, 1);
}

TEST(ProtoIoTest, WriteIntoMissingFolderFailsCleanly) {
  absl::Status status = WriteMessage("/nonexistent-dir/p.pb", Example());
  ExpectOneLineErrorNaming(status, "/nonexistent-dir/p.pb");
}

TEST(ProtoIoTest, MissingFile) {
  proto::Program program;
  absl::Status status = ReadMessage("/no/such/file.pb", &program);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  ExpectOneLineErrorNaming(status, "/no/such/file.pb");
}

TEST(ProtoIoTest, EmptyFileInEveryFormat) {
  const std::string dir = MakeTempDir();
  for (const char* name : {"e.pb", "e.txtpb", "e.json"}) {
    const std::string path = dir + "/" + name;
    WriteTestFile(path, "");
    proto::Program program;
    absl::Status status = ReadMessage(path, &program);
    ExpectOneLineErrorNaming(status, path);
    EXPECT_THAT(std::string(status.message()), HasSubstr("empty file"));
  }
}

TEST(ProtoIoTest, TruncatedBinary) {
  const std::string dir = MakeTempDir();
  ASSERT_TRUE(WriteMessage(dir + "/p.pb", Example()).ok());
  const std::string whole = ReadTestFile(dir + "/p.pb");
  // Every cut inside the first message field is malformed wire data; a cut at a field boundary
  // may parse, and must then fail validation instead.
  int rejected_by_parser = 0;
  for (size_t cut = 1; cut < whole.size(); cut += 7) {
    WriteTestFile(dir + "/t.pb", whole.substr(0, cut));
    absl::StatusOr<proto::Program> program = ReadProgram(dir + "/t.pb");
    if (program.ok()) continue;  // A clean field boundary that still validates.
    ExpectOneLineErrorNaming(program.status(), dir + "/t.pb");
    rejected_by_parser += absl::StrContains(program.status().message(), "truncated or corrupt");
  }
  EXPECT_GT(rejected_by_parser, 0);
}

TEST(ProtoIoTest, RandomBytesNeverCrash) {
  const std::string dir = MakeTempDir();
  std::mt19937 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    std::string bytes(1 + rng() % 512, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    for (const char* name : {"r.pb", "r.txtpb", "r.json"}) {
      const std::string path = dir + "/" + name;
      WriteTestFile(path, bytes);
      absl::StatusOr<proto::Program> program = ReadProgram(path);
      if (!program.ok()) ExpectOneLineErrorNaming(program.status(), path);
    }
  }
}

TEST(ProtoIoTest, TextErrorsGiveTheLine) {
  const std::string dir = MakeTempDir();
  const std::string path = dir + "/p.txtpb";
  WriteTestFile(path, "name: \"p\"\ninstructions { id: 0 }\nbogus_field: 3\n");
  proto::Program program;
  absl::Status status = ReadMessage(path, &program);
  ExpectOneLineErrorNaming(status, path);
  EXPECT_THAT(std::string(status.message()), HasSubstr("line 3"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("bogus_field"));

  WriteTestFile(path, "name: \"p\"\ninstructions { id: 0\n");  // Unbalanced brace.
  status = ReadMessage(path, &program);
  ExpectOneLineErrorNaming(status, path);
  EXPECT_THAT(std::string(status.message()), HasSubstr("line 3"));
}

TEST(ProtoIoTest, JsonErrors) {
  const std::string dir = MakeTempDir();
  const std::string path = dir + "/p.json";
  WriteTestFile(path, R"({"name": "p", "bogus": 1})");
  proto::Program program;
  absl::Status status = ReadMessage(path, &program);
  ExpectOneLineErrorNaming(status, path);
  EXPECT_THAT(std::string(status.message()), HasSubstr("bogus"));
  WriteTestFile(path, R"({"name": "p", "instructions": [{"id": )");
  ExpectOneLineErrorNaming(ReadMessage(path, &program), path);
}

TEST(ProtoIoTest, ReadProgramValidates) {
  const std::string dir = MakeTempDir();
  const std::string path = dir + "/p.txtpb";
  WriteTestFile(path, "name: \"p\"\nbuffers { id: 1 name: \"x\" size: -3 }\ninstructions {}\n");
  absl::StatusOr<proto::Program> program = ReadProgram(path);
  ExpectOneLineErrorNaming(program.status(), path);
  EXPECT_THAT(std::string(program.status().message()), HasSubstr("buffer 1 'x' has size -3"));
}

TEST(HardwareIoTest, FileOverridesOnlyTheFieldsItSets) {
  const std::string dir = MakeTempDir();
  WriteTestFile(dir + "/hw.txtpb", "name: \"tpuv4i-vmem\"\nfast_capacity: 0\n");
  absl::StatusOr<proto::Hardware> hw = ResolveHardware(dir + "/hw.txtpb");
  ASSERT_TRUE(hw.ok()) << hw.status();
  EXPECT_EQ(hw->fast_capacity(), 0);  // An explicit zero overrides (optional fields).
  EXPECT_DOUBLE_EQ(hw->slow_bandwidth(), 614e9);  // The rest is the named preset's.
  EXPECT_DOUBLE_EQ(hw->fast_read_bandwidth(), 8 * 614e9);
}

TEST(HardwareIoTest, BadFileAndBadValues) {
  const std::string dir = MakeTempDir();
  WriteTestFile(dir + "/hw.txtpb", "slow_bandwidth: -5\n");
  absl::StatusOr<proto::Hardware> hw = ResolveHardware(dir + "/hw.txtpb");
  ExpectOneLineErrorNaming(hw.status(), dir + "/hw.txtpb");
  EXPECT_THAT(std::string(hw.status().message()), HasSubstr("slow_bandwidth = -5"));
  EXPECT_EQ(ResolveHardware("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ResolveHardware(dir + "/missing.txtpb").status().code(), absl::StatusCode::kNotFound);
}

TEST(HardwareIoTest, ProgramHardwareFlagAndDefault) {
  proto::Program program = ProgramFromText(R"pb(hardware { name: "edge-npu" fast_capacity: 1024 })pb");
  absl::StatusOr<proto::Hardware> own = HardwareFor(program, "");
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->name(), "edge-npu");
  EXPECT_EQ(own->fast_capacity(), 1024);
  EXPECT_DOUBLE_EQ(own->slow_bandwidth(), 50e9);
  EXPECT_EQ(HardwareFor(program, "tpuv4i")->name(), "tpuv4i");
  EXPECT_EQ(HardwareFor(proto::Program(), "")->name(), "tpuv4i");
}

}  // namespace
}  // namespace mmap_opt
