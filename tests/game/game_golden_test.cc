// "A faster game step without changing any game's result" (issue 16), checked against golden
// trajectories recorded with the game as it was before the step was made faster (7e5fb76):
// seeded random games (which play every Copy start, NoCopy offset and Defer the game offers)
// and the heuristic's game on programs of every corpus, each step's legal actions, candidate
// offsets, copy starts, reserve ends, observation and reward folded into one hash, and the
// final reward and simulated latency printed to 17 digits. Every few steps the test also
// snapshots, plays another action and restores, as tree search does.
//
// To re-record after a change that is MEANT to change games:
//   MMAP_OPT_RECORD_GOLDEN=1 build/tests/game_test --gtest_filter='GameGoldenTest.*'
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/sim/simulator.h"
#include "test_util.h"

namespace mmap_opt {
namespace {

constexpr char kGoldenFile[] = "tests/testdata/game_golden.txt";

// FNV-1a over raw bytes: any change of any value, even in its last bit, changes the hash.
class Fnv {
 public:
  template <typename T>
  void Add(const T& value) {
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(&value);
    for (size_t i = 0; i < sizeof(T); ++i) hash_ = (hash_ ^ bytes[i]) * 1099511628211ull;
  }
  uint64_t value() const { return hash_; }

 private:
  uint64_t hash_ = 14695981039346656037ull;
};

// Everything a policy or a search sees of the current state.
void HashState(const MallocGame& game, Fnv& fnv) {
  fnv.Add(game.segment_index());
  for (int a = 0; a < game.num_actions(); ++a) {
    const Action action = game.DecodeAction(a);
    fnv.Add(static_cast<int>(game.legal()[a]));
    fnv.Add(game.candidate_offset(action));
    fnv.Add(game.reserve_end(action));
  }
  for (int k = 0; k <= game.options().num_candidates; ++k) {
    fnv.Add(game.copy_start(k).value_or(-7));
  }
  std::vector<float> features(MallocGame::ObservationSize(game.options()));
  game.Observe(features.data());
  for (float f : features) fnv.Add(f);
}

std::string PlayAndDescribe(const CostModel& cost, int seed) {
  // The Defer scale the golden games were recorded with (the default became e^3 after; the
  // scale changes which buffers a Defer passes, not how a step is computed).
  GameOptions options;
  options.defer_scale = 1;
  MallocGame game = *MallocGame::Create(cost, options);
  RandomPolicy random(seed < 0 ? 0 : seed);
  RandomPolicy side(1000 + seed);
  HeuristicPolicy heuristic;
  Policy& policy = seed < 0 ? static_cast<Policy&>(heuristic) : random;
  Fnv fnv;
  int steps = 0;
  while (!game.done()) {
    HashState(game, fnv);
    if (steps % 5 == 0) {  // A search's detour: snapshot, another action, restore.
      const MallocGame::Snapshot snapshot = game.Save();
      const StepResult detour = game.Step(side.Choose(game));
      fnv.Add(detour.reward);
      if (!game.done()) HashState(game, fnv);
      game.Restore(snapshot);
      HashState(game, fnv);
    }
    const StepResult step = game.Step(policy.Choose(game));
    fnv.Add(step.reward);
    fnv.Add(static_cast<int>(step.drop_backup));
    fnv.Add(game.EncodeAction(step.executed));
    ++steps;
  }
  const SimulationResult run = *Simulate(cost, game.ToAssignment("golden"));
  char line[256];
  std::snprintf(line, sizeof(line), "seed %d steps %d drop_backups %d hash %016llx reward %.17g latency %.17g",
                seed, steps, game.drop_backups(), static_cast<unsigned long long>(fnv.value()),
                game.total_reward(), run.latency_s);
  return line;
}

TEST(GameGoldenTest, GamesAreUnchanged) {
  const std::vector<std::string> programs = {
      "data/corpus/smoke/alexnet-base.training.b16.224.bf16.edge-npu.pb",
      "data/corpus/smoke/bert-tiny.inference.b8.128.bf16.edge-npu.pb",
      "data/corpus/smoke/dlrm-small.training.b256.bf16.edge-npu.pb",
      "data/corpus/smoke/gpt2-tiny.decode.b8.256.bf16.edge-npu.pb",
      "data/corpus/smoke/lstm-seq2seq-small.inference.b16.16.bf16.edge-npu.pb",
      "data/corpus/smoke/mobilenetv2-0.5.inference.b8.224.bf16.edge-npu.pb",
      "data/corpus/test/resnet-101.training.b16.224.bf16.tpuv4i.pb",
      "data/corpus/train/resnet-18.training.b32.224.bf16.tpuv4i-vmem.pb",
      "data/corpus/real/pytorch-xla.gpt2_tp1.tpuv4i.pb",
  };
  std::ostringstream got;
  for (const std::string& relative : programs) {
    const proto::Program proto = *ReadProgram(testing::SourcePath(relative));
    const Program program = *Program::Create(proto);
    const CostModel cost = *CostModel::Create(program, *HardwareFor(proto, ""));
    for (int seed : {-1, 0, 1, 2}) {  // -1: the heuristic's game.
      got << relative << " " << PlayAndDescribe(cost, seed) << "\n";
    }
  }
  const std::string path = testing::SourcePath(kGoldenFile);
  if (const char* record = std::getenv("MMAP_OPT_RECORD_GOLDEN"); record && *record) {
    std::ofstream(path) << got.str();
    GTEST_SKIP() << "recorded " << path;
  }
  EXPECT_EQ(got.str(), testing::ReadTestFile(path));
}

}  // namespace
}  // namespace mmap_opt
