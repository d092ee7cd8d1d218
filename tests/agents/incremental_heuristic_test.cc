// heuristic-tuned's incremental re-planning (issue 16): IncrementalMsaHeuristic re-plans only
// from the first buffer whose place in the order changed, and must give exactly the assignment
// of a full RunMsaHeuristic run; the order search must make the same moves either way.
// Properties over random programs, generated ones (gen's seeds) and every corpus program.
#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/io/gen.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::mmap_opt::testing::DecimalHardware;
using ::mmap_opt::testing::RandomProgram;
using ::mmap_opt::testing::SourcePath;

std::vector<std::string> EveryCorpusProgram() {
  std::vector<std::string> files;
  for (const char* split : {"smoke", "train", "test", "real"}) {
    const std::string dir = SourcePath(std::string("data/corpus/") + split);
    DIR* folder = opendir(dir.c_str());
    if (folder == nullptr) continue;
    while (dirent* entry = readdir(folder)) {
      const std::string name = entry->d_name;
      if (name.size() > 3 && name.substr(name.size() - 3) == ".pb") files.push_back(dir + "/" + name);
    }
    closedir(folder);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The order search's moves: most steps perturb a fraction of the priorities of the order
// planned before (as heuristic-tuned does), some repeat it, some start from another one.
// Each plan is compared with a full run of the heuristic.
void ExpectIncrementalEqualsFull(const CostModel& cost, const HeuristicOptions& options,
                                 int steps, uint64_t seed, const std::string& label) {
  absl::StatusOr<IncrementalMsaHeuristic> incremental =
      IncrementalMsaHeuristic::Create(cost, options);
  ASSERT_TRUE(incremental.ok()) << incremental.status();
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<double> priority = cost.MemoryBoundedness();
  int kept_some = 0;
  for (int step = 0; step < steps; ++step) {
    std::vector<double> next = priority;
    const double kind = unit(rng);
    if (kind < 0.1) {
      for (double& p : next) p = unit(rng);  // Another order altogether.
    } else if (kind < 0.8) {
      for (double& p : next) {
        if (unit(rng) < 0.1) p *= std::exp(noise(rng));
      }
    } else if (kind < 0.9 && next.size() > 1) {  // Move one buffer only.
      next[rng() % next.size()] *= std::exp(3 * noise(rng));
    }  // else: the same order again.
    HeuristicOptions full_options = options;
    full_options.priority = next;
    HeuristicStats full_stats, incremental_stats;
    absl::StatusOr<proto::Assignment> full = RunMsaHeuristic(cost, full_options, &full_stats);
    absl::StatusOr<proto::Assignment> planned = incremental->Plan(next, &incremental_stats);
    ASSERT_TRUE(full.ok()) << label << ": " << full.status();
    ASSERT_TRUE(planned.ok()) << label << ": " << planned.status();
    EXPECT_TRUE(MessageDifferencer::Equals(*full, *planned)) << label << " step " << step;
    EXPECT_EQ(full_stats.repacks_tried, incremental_stats.repacks_tried) << label;
    EXPECT_EQ(full_stats.repacks_applied, incremental_stats.repacks_applied) << label;
    EXPECT_EQ(full_stats.buffers_improved, incremental_stats.buffers_improved) << label;
    kept_some += incremental->replanned() < cost.program().num_buffers();
    priority = next;
  }
  // The property is only tested when some plans did keep a prefix.
  if (steps >= 8) EXPECT_GT(kept_some, 0) << label;
}

TEST(IncrementalHeuristicTest, EqualsFullRunsOnRandomPrograms) {
  std::mt19937 rng(16);
  for (int trial = 0; trial < 40; ++trial) {
    const Program program = *Program::Create(RandomProgram(rng, 10 + rng() % 60));
    proto::Hardware hw = DecimalHardware();
    hw.set_fast_capacity(150 + rng() % 1000);
    const CostModel cost = *CostModel::Create(program, hw);
    HeuristicOptions options;
    options.max_retries = 1 + trial % 3;
    if (trial % 4 == 1) options.max_repacks = 3;  // Repacks move placements: rolled back too.
    if (trial % 4 == 2) options.order = HeuristicOptions::Order::kSpatial;
    if (trial % 4 == 3) options.inefficient_use_to_copy_ratio = 0.5;
    ExpectIncrementalEqualsFull(cost, options, 12, trial, "random trial " + std::to_string(trial));
  }
}

TEST(IncrementalHeuristicTest, EqualsFullRunsOnGeneratedPrograms) {
  for (const char* family : {"bert", "resnet", "mobilenetv2"}) {
    for (uint64_t seed : {1, 2}) {
      GenOptions gen;
      gen.family = family;
      gen.mode = GenMode::kTraining;
      gen.size = std::string(family) == "resnet" ? "18" : std::string(family) == "bert" ? "tiny" : "0.5";
      gen.batch = 2;
      gen.seed = seed;
      const proto::Program proto = *GenerateProgram(gen);
      const Program program = *Program::Create(proto);
      const CostModel cost = *CostModel::Create(program, *HardwareFor(proto, ""));
      ExpectIncrementalEqualsFull(cost, {}, 8, seed, std::string(family) + " seed " + std::to_string(seed));
    }
  }
}

TEST(IncrementalHeuristicTest, EqualsFullRunsOnEveryCorpusProgram) {
  const std::vector<std::string> files = EveryCorpusProgram();
  ASSERT_GE(files.size(), 50u);
  for (const std::string& path : files) {
    const proto::Program proto = *ReadProgram(path);
    const Program program = *Program::Create(proto);
    const CostModel cost = *CostModel::Create(program, *HardwareFor(proto, ""));
    ExpectIncrementalEqualsFull(cost, {}, 3, 7, path);
  }
}

// The whole order search, incremental or not: the same moves kept, the same result.
void ExpectSameSearch(const CostModel& cost, const HeuristicTuning& tuning,
                      const std::string& label) {
  HeuristicTuning full_tuning = tuning;
  full_tuning.incremental = false;
  absl::StatusOr<TunedHeuristic> full = RunTunedHeuristic(cost, {}, full_tuning);
  absl::StatusOr<TunedHeuristic> incremental = RunTunedHeuristic(cost, {}, tuning);
  ASSERT_TRUE(full.ok()) << label << ": " << full.status();
  ASSERT_TRUE(incremental.ok()) << label << ": " << incremental.status();
  EXPECT_TRUE(MessageDifferencer::Equals(full->assignment, incremental->assignment)) << label;
  EXPECT_EQ(full->latency_s, incremental->latency_s) << label;
  EXPECT_EQ(full->options.priority, incremental->options.priority) << label;
  EXPECT_EQ(full->options.max_retries, incremental->options.max_retries) << label;
  EXPECT_EQ(full->runs, incremental->runs) << label;
  EXPECT_EQ(full->order_steps_run, incremental->order_steps_run) << label;
  EXPECT_EQ(full->order_steps_kept, incremental->order_steps_kept) << label;
}

TEST(IncrementalHeuristicTest, OrderSearchIsTheSameOnRandomPrograms) {
  std::mt19937 rng(61);
  for (int trial = 0; trial < 15; ++trial) {
    const Program program = *Program::Create(RandomProgram(rng, 10 + rng() % 40));
    proto::Hardware hw = DecimalHardware();
    hw.set_fast_capacity(150 + rng() % 1000);
    const CostModel cost = *CostModel::Create(program, hw);
    HeuristicTuning tuning;
    tuning.order_steps = 60;
    tuning.seed = trial;
    tuning.knobs = trial % 3 == 0;
    ExpectSameSearch(cost, tuning, "random trial " + std::to_string(trial));
  }
}

TEST(IncrementalHeuristicTest, OrderSearchIsTheSameOnTheSmokeCorpus) {
  for (const std::string& path : EveryCorpusProgram()) {
    if (path.find("/smoke/") == std::string::npos) continue;
    const proto::Program proto = *ReadProgram(path);
    const Program program = *Program::Create(proto);
    const CostModel cost = *CostModel::Create(program, *HardwareFor(proto, ""));
    for (uint64_t seed : {0, 1}) {
      HeuristicTuning tuning;
      tuning.knobs = false;
      tuning.order_steps = 25;
      tuning.seed = seed;
      ExpectSameSearch(cost, tuning, path + " seed " + std::to_string(seed));
    }
  }
}

}  // namespace
}  // namespace mmap_opt
