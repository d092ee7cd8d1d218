// `import hlo --assignment`: XLA's assignment from a post-MSA module, with offsets from the
// repacker, accepted by `score`; bad modules are one-line errors.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::CommandResult;
using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::RunCli;
using ::mmap_opt::testing::SourcePath;
using ::testing::HasSubstr;
using ::testing::Not;

std::string PostMsa(const std::string& name) {
  return SourcePath(absl::StrCat("tests/testdata/hlo/post_msa/", name));
}

class ImportAssignmentTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ImportAssignmentTest, ScoreAcceptsXlasAssignment) {
  const std::string dir = MakeTempDir();
  const std::string program = dir + "/p.pb", assignment = dir + "/a.pb";
  CommandResult imported =
      RunCli({"import", "hlo", PostMsa(GetParam()), "-o", program, "--assignment", assignment});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("offsets come from the repacker"));
  CommandResult scored = RunCli({"score", program, assignment});
  EXPECT_EQ(scored.exit_code, 0) << scored.err;
  EXPECT_THAT(scored.out, HasSubstr("latency"));
}

INSTANTIATE_TEST_SUITE_P(PostMsaModules, ImportAssignmentTest,
                         ::testing::Values("prefetch.hlo", "evict_prefetch.hlo", "while_kept.hlo",
                                           "tuple.hlo"));

TEST(ImportAssignmentCliTest, BadModulesAreOneLineErrors) {
  const std::string dir = MakeTempDir();
  for (const std::string& name : {"no_copy_done.hlo", "space_2.hlo"}) {
    CommandResult result = RunCli(
        {"import", "hlo", PostMsa(name), "-o", dir + "/p.pb", "--assignment", dir + "/a.pb"});
    EXPECT_EQ(result.exit_code, 1) << name;
    EXPECT_THAT(result.err, HasSubstr(absl::StrCat(PostMsa(name), ":"))) << name;
    EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
  }
  CommandResult cut = RunCli({"import", "hlo", PostMsa("no_copy_done.hlo"), "-o", dir + "/p.pb",
                              "--assignment", dir + "/a.pb"});
  EXPECT_THAT(cut.err, HasSubstr("no_copy_done.hlo:5: 'copy-start': copy-start has no copy-done"));
  CommandResult space = RunCli({"import", "hlo", PostMsa("space_2.hlo"), "-o", dir + "/p.pb",
                                "--assignment", dir + "/a.pb"});
  EXPECT_THAT(space.err, HasSubstr("memory space S(2)"));
  EXPECT_THAT(space.err, Not(HasSubstr("Abort")));
}

// --hardware names the program's target (a preset by name, as the corpus's files do), so
// data/corpus/real/ can hold imported programs beside the generated ones.
TEST(ImportHloCliTest, HardwareNamesTheProgramsTarget) {
  const std::string dir = MakeTempDir();
  CommandResult imported = RunCli({"import", "hlo", PostMsa("prefetch_stripped.hlo"), "--hardware",
                                   "edge-npu", "-o", dir + "/p.pb"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  CommandResult inspected = RunCli({"inspect", dir + "/p.pb"});
  EXPECT_THAT(inspected.out, HasSubstr("hardware      edge-npu: fast memory 4.00 MiB"));
  CommandResult bad = RunCli({"import", "hlo", PostMsa("prefetch_stripped.hlo"), "--hardware",
                              "no-such-chip", "-o", dir + "/q.pb"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("no-such-chip"));
  EXPECT_EQ(bad.err.find('\n'), bad.err.size() - 1) << bad.err;
}

}  // namespace
}  // namespace mmap_opt
