// `solve` and `bench` with the heuristic's repack step (--heuristic-max-repacks) on the program
// of tests/agents/repack_heuristic_test.cc: 15.6 s without it, 4.8 s with one repack.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::CommandResult;
using ::mmap_opt::testing::MakeTempDir;
using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::RunCli;
using ::mmap_opt::testing::SourcePath;
using ::mmap_opt::testing::WriteTestFile;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kFragmented = SourcePath("tests/testdata/fragmented_heap.txtpb");

TEST(RepackCliTest, SolveRepacksOnlyWhenAsked) {
  CommandResult plain = RunCli({"solve", kFragmented, "--agent", "heuristic"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_THAT(plain.out, HasSubstr("latency          15.600 s\n"));
  EXPECT_THAT(plain.out, Not(HasSubstr("repacks")));
  CommandResult repacked =
      RunCli({"solve", kFragmented, "--agent", "heuristic", "--heuristic-max-repacks", "1"});
  ASSERT_EQ(repacked.exit_code, 0) << repacked.err;
  EXPECT_THAT(repacked.out, HasSubstr("agent            heuristic: 3 placements\n"));
  EXPECT_THAT(repacked.out, HasSubstr("latency          4.800 s\n"));
  EXPECT_THAT(repacked.out,
              HasSubstr("note             repacks: 1 tried, 1 applied, 1 buffers with more fast "
                        "uses\n"));
}

TEST(RepackCliTest, BenchPassesTheKnobToTheHeuristic) {
  const std::string corpus = MakeTempDir(), dir = MakeTempDir();
  WriteTestFile(corpus + "/fragmented.txtpb", ReadTestFile(kFragmented));
  CommandResult bench =
      RunCli({"bench", "--corpus", corpus, "--agents", "heuristic", "--quiet", "--no-timings",
              "--out", dir + "/out", "--heuristic-max-repacks", "2",
              "--heuristic-repack-time-limit", "0.5"});
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  // program, agent, never_worse, valid, latency_s, ...: valid at 4.8 s.
  EXPECT_THAT(ReadTestFile(dir + "/out/results.csv"),
              HasSubstr("fragmented.txtpb,heuristic,0,1,4.80000000000000"));
}

TEST(RepackCliTest, BadValuesAreRejected) {
  EXPECT_EQ(RunCli({"solve", kFragmented, "--heuristic-max-repacks", "-1"}).exit_code, 2);
  EXPECT_EQ(RunCli({"solve", kFragmented, "--heuristic-repack-time-limit", "x"}).exit_code, 2);
  EXPECT_EQ(RunCli({"bench", "--corpus", ".", "--heuristic-max-repacks", "-3"}).exit_code, 2);
}

}  // namespace
}  // namespace mmap_opt
