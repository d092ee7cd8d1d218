// Whole-command tests of the simulator's verbs: solve, score, render and diff: golden output,
// exit codes, and bad or mismatched assignments that must end in a one-line error.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <string>
#include <vector>

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
using ::mmap_opt::testing::RunProgram;

// A number from a flat JSON object.
double JsonNumber(const std::string& json, const std::string& key) {
  std::smatch match;
  const std::regex pattern("\"" + key + "\":([-0-9.eE+]+)");
  if (!std::regex_search(json, match, pattern)) {
    ADD_FAILURE() << key << " missing from " << json;
    return -1;
  }
  return std::stod(match[1]);
}

const std::string kExample = SourcePath("data/examples/mlp_inference.txtpb");
const std::string kHand = SourcePath("tests/testdata/sim_mlp_inference.assignment.txtpb");

// Maps absolute paths back to the repo-relative ones the goldens were written with.
std::string Relative(const std::string& text) {
  return absl::StrReplaceAll(text, {{kExample, "data/examples/mlp_inference.txtpb"},
                                    {kHand, "tests/testdata/sim_mlp_inference.assignment.txtpb"}});
}

TEST(SimVerbsTest, SolveNoneWritesAnEmptyAssignmentThatScoresAllSlow) {
  const std::string dir = MakeTempDir();
  CommandResult solved = RunCli({"solve", kExample, "--agent", "none", "-o", dir + "/a.pb"});
  ASSERT_EQ(solved.exit_code, 0) << solved.err;
  EXPECT_THAT(solved.out, HasSubstr("headroom closed  0.0%"));
  EXPECT_THAT(solved.out, HasSubstr("wrote            " + dir + "/a.pb"));
  CommandResult scored = RunCli({"score", kExample, dir + "/a.pb", "--json"});
  ASSERT_EQ(scored.exit_code, 0) << scored.err;
  EXPECT_THAT(scored.out, HasSubstr(R"("agent":"none")"));
  EXPECT_THAT(scored.out, HasSubstr(R"("valid":true)"));
  EXPECT_THAT(scored.out, HasSubstr(R"("placements":0)"));
  // Exactly the bound, digit for digit (both print %.17g of the same double).
  EXPECT_EQ(JsonNumber(scored.out, "latency_s"), JsonNumber(scored.out, "all_slow_latency_s"));
  EXPECT_EQ(JsonNumber(scored.out, "headroom_closed"), 0);
  EXPECT_EQ(JsonNumber(scored.out, "copy_bytes"), 0);
}

TEST(SimVerbsTest, ScoreMatchesGolden) {
  CommandResult result = RunCli({"score", kExample, kHand});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Relative(result.out),
            ReadTestFile(SourcePath("tests/testdata/sim_score_mlp_inference.golden")));
}

TEST(SimVerbsTest, ScoreJsonHasTheBoundsAndCopies) {
  CommandResult result = RunCli({"score", kExample, kHand, "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const double latency = JsonNumber(result.out, "latency_s");
  const double all_slow = JsonNumber(result.out, "all_slow_latency_s");
  const double lower = JsonNumber(result.out, "lower_bound_s");
  EXPECT_LT(lower, latency);
  EXPECT_LT(latency, all_slow);
  EXPECT_NEAR(JsonNumber(result.out, "headroom_closed"), (all_slow - latency) / (all_slow - lower),
              1e-12);
  // x (256 KiB) and b1 (4 KiB) prefetched, probs (256 KiB) evicted: 516 KiB of copies.
  EXPECT_EQ(JsonNumber(result.out, "copy_bytes"), 528384);
  // x's copy is issued at its own use and probs' eviction at the end: two synchronous
  // 262144 B copies at 50 GB/s, 5.24288 us each.
  EXPECT_NEAR(JsonNumber(result.out, "stall_s"), 2 * 262144 / 50e9, 1e-15);
}

TEST(SimVerbsTest, ScoreRefusesInvalidAssignments) {
  const std::string dir = MakeTempDir();
  WriteTestFile(dir + "/misaligned.txtpb",
                "placements { buffer_id: 4 offset: 3 start: 0 end: 1 source: PRODUCED }\n"
                "placements { buffer_id: 6 offset: 0 start: 1 end: 1 source: PRODUCED }\n");
  CommandResult result = RunCli({"score", kExample, dir + "/misaligned.txtpb"});
  ExpectCleanFailure(result, dir + "/misaligned.txtpb");
  EXPECT_THAT(result.err, HasSubstr("placement 0 (buffer 4 'h1'): offset 3 is not a multiple"));
  EXPECT_THAT(result.err, HasSubstr("(and 1 more violations)"));
  CommandResult json = RunCli({"score", kExample, dir + "/misaligned.txtpb", "--json"});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_THAT(
      json.out,
      HasSubstr(
          R"({"valid":false,"violations":[{"placement":0,"buffer_id":4,"kind":"misaligned")"));
  EXPECT_THAT(json.out, HasSubstr(R"("kind":"produced_not_at_definition")"));
}

TEST(SimVerbsTest, MismatchedAndBrokenAssignmentsFailCleanly) {
  const std::string dir = MakeTempDir();
  WriteTestFile(dir + "/other.txtpb", "program_name: \"resnet\"\n");
  for (const char* verb : {"score", "render"}) {
    std::vector<std::string> args = {verb, kExample, dir + "/other.txtpb"};
    if (std::string(verb) == "render") args.insert(args.end(), {"-o", dir + "/x.svg"});
    CommandResult result = RunCli(args);
    ExpectCleanFailure(result, dir + "/other.txtpb");
    EXPECT_THAT(result.err, HasSubstr("is for program 'resnet', not 'mlp_inference'"));
  }
  WriteTestFile(dir + "/dangling.txtpb", "placements { buffer_id: 42 source: PRODUCED }\n");
  CommandResult dangling = RunCli({"score", kExample, dir + "/dangling.txtpb"});
  ExpectCleanFailure(dangling, dir + "/dangling.txtpb");
  EXPECT_THAT(dangling.err, HasSubstr("buffer 42 does not exist"));
  WriteTestFile(dir + "/garbage.pb", std::string("\xff\xff\xff\x07garbage", 11));
  ExpectCleanFailure(RunCli({"score", kExample, dir + "/garbage.pb"}), dir + "/garbage.pb");
  ExpectCleanFailure(RunCli({"score", kExample, dir + "/missing.pb"}), dir + "/missing.pb");
  ExpectCleanFailure(RunCli({"diff", kExample, kHand, dir + "/dangling.txtpb"}),
                     dir + "/dangling.txtpb");
}

TEST(SimVerbsTest, UsageErrors) {
  EXPECT_EQ(RunCli({"solve", kExample, "--agent", "alphazero"}).exit_code, 2);
  EXPECT_EQ(RunCli({"score", kExample}).exit_code, 2);
  EXPECT_EQ(RunCli({"render", kExample, kHand}).exit_code, 2);  // No -o.
  EXPECT_EQ(RunCli({"diff", kExample, kHand, kHand, "--fail-if-slower", "-1"}).exit_code, 2);
}

TEST(SimVerbsTest, RenderWritesAnSvgOfThePlacements) {
  const std::string dir = MakeTempDir();
  CommandResult result = RunCli({"render", kExample, kHand, "-o", dir + "/layout.svg"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  const std::string svg = ReadTestFile(dir + "/layout.svg");
  EXPECT_THAT(svg, ::testing::StartsWith("<svg "));
  int rects = 0;
  for (size_t at = svg.find("class=\"placement\""); at != std::string::npos;
       at = svg.find("class=\"placement\"", at + 1)) {
    ++rects;
  }
  EXPECT_EQ(rects, 6);
  EXPECT_THAT(svg, HasSubstr("buffer 4 &apos;h1&apos; (512 KiB) PRODUCED at offset 0 over [0, 1]"));
  EXPECT_THAT(svg, HasSubstr("class=\"prefetch-window\""));  // b1's copy over [0, 1).
  EXPECT_THAT(svg, HasSubstr("class=\"eviction\""));         // probs, the output.
  EXPECT_THAT(svg, HasSubstr("capacity 4 MiB"));
}

TEST(SimVerbsTest, RenderDrawsInvalidAssignmentsWithANote) {
  const std::string dir = MakeTempDir();
  WriteTestFile(dir + "/bad.txtpb",
                "placements { buffer_id: 4 offset: 0 start: 0 end: 1 source: PRODUCED }\n"
                "placements { buffer_id: 5 offset: 64 start: 1 end: 2 source: PRODUCED }\n");
  CommandResult result = RunCli({"render", kExample, dir + "/bad.txtpb", "-o", dir + "/l.svg"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("is invalid (1 violations, outlined in red)"));
  EXPECT_THAT(ReadTestFile(dir + "/l.svg"), HasSubstr("INVALID: bytes [64, 524352)"));
}

TEST(SimVerbsTest, RenderedSvgConvertsToPng) {
  struct stat info;
  const std::string converter = "/usr/bin/rsvg-convert";
  if (::stat(converter.c_str(), &info) != 0) {
    GTEST_SKIP() << converter << " is absent (Debian package librsvg2-bin)";
  }
  const std::string dir = MakeTempDir();
  ASSERT_EQ(RunCli({"render", kExample, kHand, "-o", dir + "/layout.svg"}).exit_code, 0);
  CommandResult png = RunProgram(converter, {dir + "/layout.svg", "-o", dir + "/layout.png"});
  ASSERT_EQ(png.exit_code, 0) << png.err;
  EXPECT_EQ(ReadTestFile(dir + "/layout.png").substr(0, 8), "\x89PNG\r\n\x1a\n");
}

TEST(SimVerbsTest, DiffMatchesGoldenAndGatesOnSlowdown) {
  const std::string dir = MakeTempDir();
  ASSERT_EQ(RunCli({"solve", kExample, "-o", dir + "/none.txtpb"}).exit_code, 0);
  CommandResult diff = RunCli({"diff", kExample, dir + "/none.txtpb", kHand});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_EQ(absl::StrReplaceAll(Relative(diff.out), {{dir, "<tmp>"}}),
            ReadTestFile(SourcePath("tests/testdata/sim_diff_mlp_inference.golden")));
  // The hand assignment is 19.34% faster than none, so none is 23.98% slower than it.
  EXPECT_EQ(
      RunCli({"diff", kExample, dir + "/none.txtpb", kHand, "--fail-if-slower", "0"}).exit_code, 0);
  EXPECT_EQ(
      RunCli({"diff", kExample, kHand, dir + "/none.txtpb", "--fail-if-slower", "30"}).exit_code,
      0);
  CommandResult slower =
      RunCli({"diff", kExample, kHand, dir + "/none.txtpb", "--fail-if-slower", "5", "--json"});
  ExpectCleanFailure(slower, dir + "/none.txtpb");
  EXPECT_THAT(slower.err, HasSubstr("23.98% slower than"));
  EXPECT_NEAR(JsonNumber(slower.out, "delta_percent"), 23.98, 0.005);
  EXPECT_THAT(slower.out, HasSubstr(R"("change":"left")"));
}

}  // namespace
}  // namespace mmap_opt
