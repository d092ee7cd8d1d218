// The baseline on real-shaped programs: every corpus program (and the Llama-3 HLO import when
// ../shared is present) gets a valid heuristic assignment no slower than all-slow, the
// heuristic beats greedy on most programs, and the heuristic played through the MallocGame
// gives exactly its latency (issue 14: search starts where the baseline is), on every corpus
// program, the Llama-3 import and the five PyTorch/XLA programs.
#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mmap_opt/agents/registry.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/sim/score.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::mmap_opt::testing::ReadTestFile;
using ::mmap_opt::testing::SourcePath;

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  for (const char* split : {"smoke", "train", "test"}) {
    const std::string dir = SourcePath(std::string("data/corpus/") + split);
    DIR* folder = opendir(dir.c_str());
    if (folder == nullptr) continue;
    while (dirent* entry = readdir(folder)) {
      std::string name = entry->d_name;
      if (name.size() > 3 && name.substr(name.size() - 3) == ".pb")
        files.push_back(dir + "/" + name);
    }
    closedir(folder);
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Latencies {
  double all_slow = 0, lower_bound = 0, greedy = 0, heuristic = 0, heuristic_game = 0;
};

Latencies Measure(const proto::Program& proto, const std::string& label) {
  Latencies out;
  absl::StatusOr<Program> program = Program::Create(proto);
  EXPECT_TRUE(program.ok()) << label << ": " << program.status();
  absl::StatusOr<proto::Hardware> hardware = HardwareFor(proto, "");
  EXPECT_TRUE(hardware.ok()) << label;
  absl::StatusOr<CostModel> cost = CostModel::Create(*program, *hardware);
  EXPECT_TRUE(cost.ok()) << label;
  const Bounds bounds = ComputeBounds(*cost);
  out.all_slow = bounds.all_slow_s;
  out.lower_bound = bounds.lower_bound_s;
  for (const char* agent : {"greedy", "heuristic", "heuristic-game"}) {
    absl::StatusOr<AgentRun> run = RunAgent(agent, *cost, {});
    EXPECT_TRUE(run.ok()) << label << " " << agent << ": " << run.status();
    absl::StatusOr<Score> score = ScoreAssignment(*cost, run->assignment);
    EXPECT_TRUE(score.ok()) << label << " " << agent << ": " << score.status();
    const double latency = score->simulation.latency_s;
    EXPECT_GE(latency, bounds.lower_bound_s * (1 - 1e-9)) << label << " " << agent;
    EXPECT_GE(latency, bounds.capacity_bound_s * (1 - 1e-9)) << label << " " << agent;
    EXPECT_LE(latency, bounds.all_slow_s * (1 + 1e-9)) << label << " " << agent;
    (std::string(agent) == "greedy"      ? out.greedy
     : std::string(agent) == "heuristic" ? out.heuristic
                                         : out.heuristic_game) = latency;
  }
  return out;
}

TEST(CorpusAgentsTest, HeuristicIsValidNeverSlowerAndBeatsGreedyMostly) {
  const std::vector<std::string> files = CorpusFiles();
  ASSERT_GE(files.size(), 6u) << "data/corpus is missing";
  int better_than_greedy = 0, worse_than_greedy = 0;
  for (const std::string& path : files) {
    absl::StatusOr<proto::Program> proto = ReadProgram(path);
    ASSERT_TRUE(proto.ok()) << proto.status();
    const Latencies l = Measure(*proto, path);
    better_than_greedy += l.heuristic < l.greedy * (1 - 1e-9);
    worse_than_greedy += l.heuristic > l.greedy * (1 + 1e-9);
    EXPECT_NEAR(l.heuristic_game, l.heuristic, 1e-9 * l.heuristic) << path;
  }
  const int n = static_cast<int>(files.size());
  // Measured on the 66 programs when this was written: better on 55, worse on 11 (by 0.4-6.4
  // points of headroom: greedy packs big long-lived activations tighter; XLA's order, by
  // memory boundedness / sqrt(size), fragments more).
  EXPECT_GE(better_than_greedy, n * 2 / 3) << better_than_greedy << " of " << n;
  EXPECT_LE(worse_than_greedy, n / 5) << worse_than_greedy << " of " << n;
}

TEST(CorpusAgentsTest, LlamaImport) {
  MMAP_OPT_SKIP_WITHOUT_SHARED_DATA(path, "hlo/hlo_llama3_8b_cp_bf16_1x4.hlo");
  absl::StatusOr<proto::Program> proto = ImportHlo(path, ReadTestFile(path), {});
  ASSERT_TRUE(proto.ok()) << proto.status();
  const Latencies l = Measure(*proto, path);
  EXPECT_LT(l.heuristic, l.all_slow);
  EXPECT_LE(l.heuristic, l.greedy);
  EXPECT_NEAR(l.heuristic_game, l.heuristic, 1e-9 * l.heuristic);
}

class PytorchXlaTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PytorchXlaTest, HeuristicGameEqualsTheHeuristic) {
  MMAP_OPT_SKIP_WITHOUT_SHARED_DATA(path, std::string("hlo/pytorch-xla/") + GetParam());
  absl::StatusOr<proto::Program> proto = ImportHlo(path, ReadTestFile(path), {});
  ASSERT_TRUE(proto.ok()) << proto.status();
  const Latencies l = Measure(*proto, path);
  EXPECT_LT(l.heuristic, l.all_slow);
  EXPECT_NEAR(l.heuristic_game, l.heuristic, 1e-9 * l.heuristic);
}

INSTANTIATE_TEST_SUITE_P(Programs, PytorchXlaTest,
                         ::testing::Values("bert_dp_graph_2.hlo", "gpt2_tp1.hlo",
                                           "linear_model_pp_1_updated.hlo",
                                           "llama2_dp1_tp8_pp4.hlo", "mlp_single_case_2.hlo"));

}  // namespace
}  // namespace mmap_opt
