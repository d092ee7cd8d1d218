// The input limits of include/mmap_opt/model/limits.h (README "Input limits"), each through
// the command line: one line on stderr naming the file and the limit, exit 1, no signal, and
// memory bounded (the inputs are built small: empty messages cost 2 bytes each in binary).
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/model/limits.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::CommandResult;
using ::mmap_opt::testing::ExpectCleanFailure;
using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::RunCli;
using ::mmap_opt::testing::WriteTestFile;
using ::testing::HasSubstr;

// `count` copies of an empty submessage with field number `field` (tag byte, length 0).
std::string EmptyRepeated(int field, int64_t count) {
  const char tag = static_cast<char>(field << 3 | 2);
  std::string bytes;
  bytes.reserve(2 * count);
  for (int64_t i = 0; i < count; ++i) {
    bytes += tag;
    bytes += '\0';
  }
  return bytes;
}

void ExpectError(const CommandResult& result, const std::string& path,
                 const std::string& message) {
  ExpectCleanFailure(result, path);
  EXPECT_THAT(result.err, HasSubstr(message));
}

TEST(LimitsCliTest, FileOverTheSizeLimitIsRefusedUnread) {
  // A sparse file: over the limit in size, no disk or memory spent.
  const std::string path = MakeTempDir() + "/huge.pb";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, kMaxInputFileBytes + 1), 0);
  ::close(fd);
  ExpectError(RunCli({"inspect", path}), path,
              absl::StrCat(path, ": file is over the input limit of 256 MiB"));
  const std::string hlo = MakeTempDir() + "/huge.hlo";
  ASSERT_EQ(::rename(path.c_str(), hlo.c_str()), 0);
  ExpectError(RunCli({"import", "hlo", hlo, "-o", MakeTempDir() + "/p.pb"}), hlo,
              absl::StrCat(hlo, ": file is over the input limit of 256 MiB"));
}

TEST(LimitsCliTest, LineOverTheLengthLimit) {
  const std::string dir = MakeTempDir();
  const std::string long_line(kMaxLineBytes + 1, 'x');
  WriteTestFile(dir + "/long.hlo", absl::StrCat("HloModule m\n", long_line, "\n"));
  ExpectError(RunCli({"import", "hlo", dir + "/long.hlo", "-o", dir + "/p.pb"}), "long.hlo",
              absl::StrCat(dir, "/long.hlo:2: line is 16777217 bytes, over the limit of 16 MiB"));
  WriteTestFile(dir + "/long.csv", absl::StrCat("id,lower,upper,size\n", long_line, "\n"));
  ExpectError(RunCli({"import", "csv", dir + "/long.csv", "-o", dir + "/p.pb"}), "long.csv",
              absl::StrCat(dir, "/long.csv:2: line is 16777217 bytes, over the limit of 16 MiB"));
}

TEST(LimitsCliTest, TooManyInstructions) {
  // Program.instructions is field 2; one buffer (field 3) would not change the verdict.
  const std::string path = MakeTempDir() + "/wide.pb";
  WriteTestFile(path, EmptyRepeated(2, kMaxInstructions + 1));
  ExpectError(RunCli({"inspect", path}), path,
              "has 1048577 instructions, over the limit of 1048576");
}

TEST(LimitsCliTest, TooManyBuffers) {
  const std::string path = MakeTempDir() + "/many.pb";
  WriteTestFile(path, EmptyRepeated(2, 1) + EmptyRepeated(3, kMaxBuffers + 1));
  ExpectError(RunCli({"inspect", path}), path, "has 1048577 buffers, over the limit of 1048576");
}

TEST(LimitsCliTest, TooManyPlacements) {
  const std::string dir = MakeTempDir();
  const std::string program = ::mmap_opt::testing::SourcePath("data/examples/mlp_inference.txtpb");
  WriteTestFile(dir + "/a.pb", EmptyRepeated(3, kMaxPlacements + 1));  // Assignment.placements.
  ExpectError(RunCli({"score", program, dir + "/a.pb"}), "a.pb",
              "4194305 placements, over the limit of 4194304");
}

TEST(LimitsCliTest, TuplesNestedTooDeep) {
  const std::string dir = MakeTempDir();
  std::string shape = "f32[2]";
  for (int i = 0; i <= kMaxNestingDepth; ++i) shape = absl::StrCat("(", shape, ")");
  WriteTestFile(dir + "/deep.hlo",
                absl::StrCat("HloModule m\n\nENTRY %e (p: f32[2]) -> f32[2] {\n  %t = ", shape,
                             " parameter(1)\n  ROOT %p = f32[2] parameter(0)\n}\n"));
  ExpectError(RunCli({"import", "hlo", dir + "/deep.hlo", "-o", dir + "/p.pb"}), "deep.hlo",
              "deep.hlo:4: tuple shapes nest too deep");
}

TEST(LimitsCliTest, CallsNestedTooDeep) {
  // A chain of computations, each calling the next: 66 levels of bodies.
  const std::string dir = MakeTempDir();
  std::string text = "HloModule chain\n\n%c0 (p: f32[4]) -> f32[4] {\n  %p = f32[4] parameter(0)\n"
                     "  ROOT %a = f32[4] add(%p, %p)\n}\n\n";
  constexpr int kLevels = kMaxNestingDepth + 2;
  for (int level = 1; level <= kLevels; ++level) {
    absl::StrAppend(&text, level == kLevels ? "ENTRY " : "", "%c", level,
                    " (p: f32[4]) -> f32[4] {\n  %p = f32[4] parameter(0)\n",
                    "  ROOT %y = f32[4] call(%p), to_apply=%c", level - 1, "\n}\n\n");
  }
  WriteTestFile(dir + "/chain.hlo", text);
  ExpectError(RunCli({"import", "hlo", dir + "/chain.hlo", "-o", dir + "/p.pb"}), "chain.hlo",
              "computations nest deeper than 64");
}

TEST(LimitsCliTest, FlatteningPastTheInstructionLimit) {
  // Each computation calls the next one twice: 2^21 copies of the innermost add, from a file
  // of a few kilobytes. The importer stops at the limit instead of allocating them all.
  const std::string dir = MakeTempDir();
  std::string text = "HloModule blowup\n\n%c0 (p: f32[4]) -> f32[4] {\n  %p = f32[4] parameter(0)\n"
                     "  ROOT %a = f32[4] add(%p, %p)\n}\n\n";
  constexpr int kLevels = 21;
  for (int level = 1; level <= kLevels; ++level) {
    absl::StrAppend(&text, level == kLevels ? "ENTRY " : "", "%c", level,
                    " (p: f32[4]) -> f32[4] {\n  %p = f32[4] parameter(0)\n",
                    "  %x = f32[4] call(%p), to_apply=%c", level - 1, "\n",
                    "  ROOT %y = f32[4] call(%x), to_apply=%c", level - 1, "\n}\n\n");
  }
  WriteTestFile(dir + "/blowup.hlo", text);
  ExpectError(RunCli({"import", "hlo", dir + "/blowup.hlo", "-o", dir + "/p.pb"}), "blowup.hlo",
              "the flattened program reaches the limit of 1048576 instructions or 1048576 buffers");
}

TEST(LimitsCliTest, BytesOfOneInstructionOverflow) {
  // Two reads of a 2^62-byte buffer: the buffer sizes fit together, the bytes read do not.
  const std::string dir = MakeTempDir();
  WriteTestFile(dir + "/p.txtpb",
                "name: \"o\"\n"
                "instructions { id: 0 name: \"a\" outputs: 1 }\n"
                "instructions { id: 1 name: \"b\" operands: 1 outputs: 2 }\n"
                "buffers { id: 1 name: \"x\" size: 4611686018427387904 defined_by: 0 }\n"
                "buffers { id: 2 name: \"y\" size: 1 defined_by: 1 }\n"
                "instructions { id: 2 name: \"c\" operands: 1 operands: 1 }\n");
  ExpectError(RunCli({"inspect", dir + "/p.txtpb"}), "p.txtpb",
              "instruction 2 'c' (t=2) reads and writes more bytes than a 64-bit byte count holds");
}

}  // namespace
}  // namespace mmap_opt
