// Reading XLA's memory-space assignment from post-MSA HLO (tests/testdata/hlo/post_msa/): the
// placements of each module worked out by hand, and the one-line errors of bad input.
//
// Times are program instruction indices: the copies are not program work, so a copy-start or
// copy-done "sits at" the index of the first program instruction printed after it.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/model/program.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::SourcePath;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string PostMsa(const std::string& name) {
  return SourcePath(absl::StrCat("tests/testdata/hlo/post_msa/", name));
}

HloImportWithAssignment Import(const std::string& name) {
  absl::StatusOr<HloImportWithAssignment> imported =
      ImportHloWithAssignment(name, ReadTestFile(PostMsa(name)));
  EXPECT_TRUE(imported.ok()) << imported.status();
  if (!imported.ok()) return {};
  absl::Status valid = ValidateProgram(imported->program);
  EXPECT_TRUE(valid.ok()) << valid;
  return *imported;
}

// "PRODUCED neg [0, 1]", "PREFETCHED p1 from 0 [2, 3]".
std::vector<std::string> Placements(const HloImportWithAssignment& imported) {
  std::vector<std::string> out;
  for (const proto::Placement& p : imported.assignment.placements()) {
    const std::string& name = imported.program.buffers(p.buffer_id()).name();
    out.push_back(p.source() == proto::Placement::PRODUCED
                      ? absl::StrCat("PRODUCED ", name, " [", p.start(), ", ", p.end(), "]")
                      : absl::StrCat("PREFETCHED ", name, " from ", p.copy_start(), " [", p.start(),
                                     ", ", p.end(), "]"));
  }
  return out;
}

std::vector<std::string> InstructionNames(const proto::Program& program) {
  std::vector<std::string> names;
  for (const proto::Instruction& i : program.instructions()) names.push_back(i.name());
  return names;
}

TEST(HloAssignmentTest, Prefetch) {
  // Program: t0 neg, t1 exp, t2 add, t3 mul (the copies are gone).
  // - neg is defined in S(1) and read from S(1) by exp at t1: PRODUCED [0, 1].
  // - exp likewise, read by add at t2: PRODUCED [1, 2].
  // - p1 is prefetched: the copy-start sits before neg (t0), the copy-done before add (t2),
  //   and its S(1) value is read by add (t2) and mul (t3): PREFETCHED from 0 [2, 3].
  // - add and mul are in S(0). Placements are listed by buffer (p1 is buffer 1, neg 2).
  HloImportWithAssignment imported = Import("prefetch.hlo");
  EXPECT_THAT(InstructionNames(imported.program), ElementsAre("neg", "exp", "add", "mul"));
  EXPECT_THAT(Placements(imported), ElementsAre("PREFETCHED p1 from 0 [2, 3]",
                                                "PRODUCED neg [0, 1]", "PRODUCED exp [1, 2]"));
  EXPECT_EQ(imported.assignment.program_name(), "prefetch");
  EXPECT_THAT(imported.notes, IsEmpty());
}

TEST(HloAssignmentTest, TheProgramIsTheOneWithoutCopiesOrMemorySpaces) {
  // The same module as XLA saw it before MSA: the copy-done's users read p1 itself.
  HloImportWithAssignment imported = Import("prefetch.hlo");
  absl::StatusOr<proto::Program> before =
      ImportHlo("stripped", ReadTestFile(PostMsa("prefetch_stripped.hlo")));
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(imported.program.instructions_size(), before->instructions_size());
  for (int i = 0; i < before->instructions_size(); ++i) {
    EXPECT_EQ(imported.program.instructions(i).DebugString(),
              before->instructions(i).DebugString());
  }
  ASSERT_EQ(imported.program.buffers_size(), before->buffers_size());
  for (int b = 0; b < before->buffers_size(); ++b) {
    EXPECT_EQ(imported.program.buffers(b).DebugString(), before->buffers(b).DebugString());
  }
  // And the plain import of the post-MSA module is that same program.
  absl::StatusOr<proto::Program> plain =
      ImportHlo("prefetch.hlo", ReadTestFile(PostMsa("prefetch.hlo")));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->DebugString(), imported.program.DebugString());
}

TEST(HloAssignmentTest, EvictionAndPrefetchBack) {
  // Program: t0 a, t1 b, t2 c, t3 d, t4 e, t5 f.
  // - a is defined in S(1), read from S(1) by b (t1); its eviction's copy-start sits at t2 and
  //   its copy-done at t3, so a holds fast memory through t2: PRODUCED [0, 2].
  // - b is read from S(1) by c (t2): PRODUCED [1, 2].
  // - the evicted a is prefetched back: copy-start at t4 (after its eviction ends at t2),
  //   copy-done at t5, read by f at t5: PREFETCHED a from 4 [5, 5].
  HloImportWithAssignment imported = Import("evict_prefetch.hlo");
  EXPECT_THAT(InstructionNames(imported.program), ElementsAre("a", "b", "c", "d", "e", "f"));
  EXPECT_THAT(Placements(imported),
              ElementsAre("PRODUCED a [0, 2]", "PREFETCHED a from 4 [5, 5]", "PRODUCED b [1, 2]"));
}

TEST(HloAssignmentTest, ValueKeptAcrossAWhileLoop) {
  // Program: t0 x, t1 acc, t2 init (the tuple's table), t3 lt (condition), t4 next, t5 y,
  // t6 bt (body), t7 s. The loop's state is (i, acc, x): the body passes x through and
  // writes y = -x into acc's place; after the loop s = y + x.
  // - x stays in S(1) across the loop: read by y (t5) and s (t7): PRODUCED [0, 7].
  // - acc is defined in S(1) but nothing reads it: PRODUCED [1, 1].
  // - y, written in S(1) by the body, is read by s (t7) through the loop's result:
  //   PRODUCED [5, 7].
  HloImportWithAssignment imported = Import("while_kept.hlo");
  EXPECT_THAT(InstructionNames(imported.program),
              ElementsAre("x", "acc", "init", "lt", "next", "y", "bt", "s"));
  EXPECT_THAT(Placements(imported),
              ElementsAre("PRODUCED x [0, 7]", "PRODUCED acc [1, 1]", "PRODUCED y [5, 7]"));
}

TEST(HloAssignmentTest, TupleElementsHaveTheirOwnSpaces) {
  // Program: t0 pair (the fusion: table, pair{0} in S(1), pair{1} in S(0)), t1 m, t2 n,
  // t3 out.
  // - pair{0} is read from S(1) by m (t1) and n (t2): PRODUCED [0, 2]; pair{1} and the
  //   table stay in S(0).
  // - p0 is prefetched: copy-start at t0, copy-done at t1, read by m (t1):
  //   PREFETCHED from 0 [1, 1]. (The fusion at t0 reads p0 from S(0), as its operand says.)
  HloImportWithAssignment imported = Import("tuple.hlo");
  EXPECT_THAT(InstructionNames(imported.program), ElementsAre("pair", "m", "n", "out"));
  EXPECT_THAT(Placements(imported),
              ElementsAre("PREFETCHED p0 from 0 [1, 1]", "PRODUCED pair{0} [0, 2]"));
}

TEST(HloAssignmentTest, CopyStartWithoutCopyDoneIsAOneLineError) {
  const std::string text = ReadTestFile(PostMsa("no_copy_done.hlo"));
  absl::StatusOr<HloImportWithAssignment> imported = ImportHloWithAssignment("bad.hlo", text);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().message(), "bad.hlo:5: 'copy-start': copy-start has no copy-done");
  // The program alone is refused too: its copies are not program work, and this one is cut.
  absl::StatusOr<proto::Program> plain = ImportHlo("bad.hlo", text);
  ASSERT_FALSE(plain.ok());
  EXPECT_THAT(plain.status().message(), HasSubstr("bad.hlo:5:"));
}

TEST(HloAssignmentTest, MemorySpaceTwoIsAOneLineError) {
  const std::string text = ReadTestFile(PostMsa("space_2.hlo"));
  absl::StatusOr<HloImportWithAssignment> imported = ImportHloWithAssignment("bad.hlo", text);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(imported.status().message(), HasSubstr("bad.hlo:"));
  EXPECT_THAT(imported.status().message(), HasSubstr("memory space S(2)"));
  EXPECT_THAT(imported.status().message(), Not(HasSubstr("\n")));
  // Without --assignment the layouts' spaces do not matter.
  EXPECT_TRUE(ImportHlo("bad.hlo", text).ok());
}

TEST(HloAssignmentTest, AProgramInputInFastMemoryIsAnError) {
  const std::string text = R"(HloModule input_fast, is_scheduled=true

ENTRY %main (p0: f32[256]) -> f32[256] {
  %p0 = f32[256]{0:S(1)} parameter(0)
  ROOT %neg = f32[256]{0} negate(f32[256]{0:S(1)} %p0)
}
)";
  absl::StatusOr<HloImportWithAssignment> imported = ImportHloWithAssignment("in.hlo", text);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(imported.status().message(), HasSubstr("in.hlo:4: 'p0': a program input"));
}

TEST(HloAssignmentTest, LayoutsThatDisagreeAreAnError) {
  // The fusion writes its element {1} in S(0), but a get-tuple-element says S(1), and no copy
  // puts it there.
  const std::string text = R"(HloModule disagree, is_scheduled=true

%fused (fp: f32[256]) -> (f32[256], f32[256]) {
  %fp = f32[256]{0} parameter(0)
  %fn = f32[256]{0} negate(f32[256]{0} %fp)
  ROOT %ft = (f32[256]{0}, f32[256]{0}) tuple(f32[256]{0} %fn, f32[256]{0} %fp)
}

ENTRY %main (p0: f32[256]) -> f32[256] {
  %p0 = f32[256]{0} parameter(0)
  %pair = (f32[256]{0}, f32[256]{0}) fusion(f32[256]{0} %p0), kind=kLoop, calls=%fused
  %g1 = f32[256]{0:S(1)} get-tuple-element((f32[256]{0}, f32[256]{0}) %pair), index=1
  ROOT %exp = f32[256]{0} exponential(f32[256]{0:S(1)} %g1)
}
)";
  absl::StatusOr<HloImportWithAssignment> imported = ImportHloWithAssignment("d.hlo", text);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(imported.status().message(),
              HasSubstr("d.hlo:13: 'exp': reads 'pair{1}' from S(1), but neither"));
}

}  // namespace
}  // namespace mmap_opt
