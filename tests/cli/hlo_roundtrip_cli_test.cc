// `export hlo` then `import hlo --assignment`: the heuristic's and hybrid's assignments
// written into the user's HLO and read back give the same program and the same latency (the
// real dumps in ../shared/data/hlo, the Llama-3 step with its loops and conditionals too: the
// import's constraints keep every agent within what HLO can say); an assignment made without
// them is refused in one line, and --drop-inexpressible writes what it can; the export's bad
// inputs are one-line errors.
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mmap_opt/io/proto_io.h"
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

std::string PostMsa(const std::string& name) {
  return SourcePath(absl::StrCat("tests/testdata/hlo/post_msa/", name));
}

double LatencyOf(const std::string& program, const std::string& assignment) {
  CommandResult scored = RunCli({"score", program, assignment, "--json"});
  EXPECT_EQ(scored.exit_code, 0) << scored.err;
  const std::string key = "\"latency_s\":";
  size_t at = scored.out.find(key);
  if (at == std::string::npos) return -1;
  at += key.size();
  double latency = -1;
  EXPECT_TRUE(absl::SimpleAtod(scored.out.substr(at, scored.out.find(',', at) - at), &latency));
  return latency;
}

// A program's instructions and buffers by name: what "the same program" means when the
// export printed some parameters earlier (their buffers are numbered in printed order).
std::map<std::string, std::string> ByName(const proto::Program& program) {
  std::map<std::string, std::string> out;
  for (const proto::Buffer& b : program.buffers()) {
    out[absl::StrCat("buffer ", b.name())] = absl::StrCat(
        b.size(), b.has_defined_by() ? program.instructions(b.defined_by()).name() : "input",
        b.is_output());
  }
  for (const proto::Instruction& i : program.instructions()) {
    std::string reads;
    for (int64_t b : i.operands()) absl::StrAppend(&reads, program.buffers(b).name(), ",");
    std::string writes;
    for (int64_t b : i.outputs()) absl::StrAppend(&writes, program.buffers(b).name(), ",");
    out[absl::StrCat("instruction ", i.id(), " ", i.name())] =
        absl::StrCat(i.opcode(), " ", i.flops(), " reads ", reads, " writes ", writes);
  }
  return out;
}

// The hybrid agent with small deterministic budgets: a few tuning steps, one game.
const std::vector<std::string> kHybrid = {"--agent",     "hybrid", "--tune-steps",  "4",
                                          "--max-games", "1",      "--simulations", "4"};

// import `hlo` into `p` and solve it with `agent` into `a`; skips where the agent is a learned
// one and the build (the core-only sanitizer build) has no learned library.
void ImportAndSolve(const std::string& hlo, const std::string& p, const std::string& a,
                    const std::vector<std::string>& agent, bool constraints = true) {
  std::vector<std::string> import = {"import", "hlo", hlo, "-o", p};
  if (!constraints) import.push_back("--no-export-constraints");
  ASSERT_EQ(RunCli(import).exit_code, 0);
  std::vector<std::string> solve = {"solve", p, "-o", a};
  solve.insert(solve.end(), agent.begin(), agent.end());
  CommandResult solved = RunCli(solve);
  if (solved.exit_code != 0 &&
      solved.err.find("this build has no learned agents") != std::string::npos) {
    GTEST_SKIP() << solved.err;
  }
  ASSERT_EQ(solved.exit_code, 0) << solved.err;
}

// import, solve with `agent`, export, import the export with --assignment, score both.
void RoundTrip(const std::string& hlo,
               const std::vector<std::string>& agent = {"--agent", "heuristic"}) {
  const std::string dir = MakeTempDir();
  const std::string p = dir + "/p.pb", a = dir + "/a.pb", out = dir + "/out.hlo",
                    p2 = dir + "/p2.pb", a2 = dir + "/a2.pb";
  ImportAndSolve(hlo, p, a, agent);
  if (::testing::Test::HasFatalFailure() || ::testing::Test::IsSkipped()) return;
  CommandResult exported = RunCli({"export", "hlo", p, a, "--hlo", hlo, "-o", out});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  CommandResult imported = RunCli({"import", "hlo", out, "-o", p2, "--assignment", a2});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  absl::StatusOr<proto::Program> before = ReadProgram(p), after = ReadProgram(p2);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(ByName(*before), ByName(*after));
  const double latency = LatencyOf(p, a), latency2 = LatencyOf(p2, a2);
  EXPECT_GT(latency, 0);
  EXPECT_NEAR(latency2, latency, 1e-6 * latency) << hlo;
}

class RoundTripTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTripTest, HeuristicAssignmentKeepsItsLatency) {
  MMAP_OPT_SKIP_WITHOUT_SHARED_DATA(hlo, "hlo/" + GetParam());
  RoundTrip(hlo);
}

TEST_P(RoundTripTest, HybridAssignmentKeepsItsLatency) {
  MMAP_OPT_SKIP_WITHOUT_SHARED_DATA(hlo, "hlo/" + GetParam());
  RoundTrip(hlo, kHybrid);
}

INSTANTIATE_TEST_SUITE_P(
    RealDumps, RoundTripTest,
    ::testing::Values("hlo_llama3_8b_cp_bf16_1x4.hlo", "pytorch-xla/bert_dp_graph_2.hlo",
                      "pytorch-xla/gpt2_tp1.hlo", "pytorch-xla/linear_model_pp_1_updated.hlo",
                      "pytorch-xla/llama2_dp1_tp8_pp4.hlo", "pytorch-xla/mlp_single_case_2.hlo"));

// The MaxText step imported with --no-export-constraints: the heuristic then places what HLO
// cannot say (loop states and branch results XLA colocates, copies across computations,
// evictions inside a callee). The export refuses that in one line; with --drop-inexpressible it
// leaves them out, says how many and what that costs, and what it writes reads back exactly.
TEST(HloRoundTripCliTest, UnconstrainedLlamaStepRoundTripsWhatHloExpresses) {
  MMAP_OPT_SKIP_WITHOUT_SHARED_DATA(hlo, "hlo/hlo_llama3_8b_cp_bf16_1x4.hlo");
  const std::string dir = MakeTempDir();
  const std::string p = dir + "/p.pb", a = dir + "/a.pb", w = dir + "/w.pb", out = dir + "/o.hlo",
                    p2 = dir + "/p2.pb", a2 = dir + "/a2.pb";
  ImportAndSolve(hlo, p, a, {"--agent", "heuristic"}, /*constraints=*/false);
  if (::testing::Test::HasFatalFailure()) return;
  CommandResult refused = RunCli({"export", "hlo", p, a, "--hlo", hlo, "-o", out});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("not expressible in HLO"));
  EXPECT_EQ(refused.err.find('\n'), refused.err.size() - 1) << refused.err;
  CommandResult exported = RunCli(
      {"export", "hlo", p, a, "--hlo", hlo, "-o", out, "--drop-inexpressible", "--written", w});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("placements HLO cannot express"));
  EXPECT_THAT(exported.out, HasSubstr("as written"));
  CommandResult imported = RunCli({"import", "hlo", out, "-o", p2, "--assignment", a2});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  absl::StatusOr<proto::Program> before = ReadProgram(p), after = ReadProgram(p2);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(ByName(*before), ByName(*after));
  absl::StatusOr<proto::Assignment> given = ReadAssignment(a), written = ReadAssignment(w);
  ASSERT_TRUE(given.ok() && written.ok());
  EXPECT_LT(written->placements_size(), given->placements_size());
  const double latency = LatencyOf(p, w), latency2 = LatencyOf(p2, a2);
  EXPECT_GT(latency, 0);
  EXPECT_NEAR(latency2, latency, 1e-6 * latency);
}

TEST(HloRoundTripCliTest, HandWrittenModulesRoundTrip) {
  RoundTrip(PostMsa("prefetch_stripped.hlo"));
}

TEST(HloRoundTripCliTest, ExportRefusesAnAssignmentForAnotherProgram) {
  const std::string dir = MakeTempDir();
  const std::string hlo = PostMsa("prefetch_stripped.hlo");
  ASSERT_EQ(RunCli({"import", "hlo", hlo, "-o", dir + "/p.pb"}).exit_code, 0);
  ASSERT_EQ(RunCli({"import", "hlo", hlo, "--name", "other", "-o", dir + "/q.pb"}).exit_code, 0);
  ASSERT_EQ(
      RunCli({"solve", dir + "/q.pb", "--agent", "heuristic", "-o", dir + "/q.a.pb"}).exit_code, 0);
  CommandResult result =
      RunCli({"export", "hlo", dir + "/p.pb", dir + "/q.a.pb", "--hlo", hlo, "-o", dir + "/o.hlo"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("the assignment is for program 'other', not 'prefetch'"));
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
  // A module the program was not imported from.
  CommandResult module = RunCli({"export", "hlo", dir + "/q.pb", dir + "/q.a.pb", "--hlo",
                                 PostMsa("tuple.hlo"), "-o", dir + "/o.hlo"});
  EXPECT_EQ(module.exit_code, 1);
  EXPECT_THAT(module.err, HasSubstr("tuple.hlo"));
  // A module that already went through MSA.
  CommandResult done = RunCli({"export", "hlo", dir + "/q.pb", dir + "/q.a.pb", "--hlo",
                               PostMsa("prefetch.hlo"), "-o", dir + "/o.hlo"});
  EXPECT_EQ(done.exit_code, 1);
  EXPECT_THAT(done.err, HasSubstr("already has values in S(n)"));
  EXPECT_EQ(done.err.find('\n'), done.err.size() - 1) << done.err;
}

}  // namespace
}  // namespace mmap_opt
