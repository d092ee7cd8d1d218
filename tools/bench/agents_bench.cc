// Speed of the baseline and of the MallocGame environment. Run from the repository root:
//   build/agents_bench [--benchmark_repetitions=5]
// Programs: a mid-size corpus program and, when ../shared/data is beside the checkout (or
// MMAP_OPT_SHARED_DATA names it), the Llama-3 8B training step imported from XLA HLO.
#include <benchmark/benchmark.h>

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <fstream>
#include <memory>
#include <sstream>

#include "mmap_opt/agents/heuristic.h"
#include "mmap_opt/agents/policy.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/hlo.h"
#include "mmap_opt/io/proto_io.h"

namespace mmap_opt {
namespace {

constexpr char kCorpusProgram[] = "data/corpus/test/resnet-101.training.b16.224.bf16.tpuv4i.pb";

struct Loaded {
  std::unique_ptr<Program> program;
  std::unique_ptr<CostModel> cost;
  std::string error;
};

Loaded Load(absl::StatusOr<proto::Program> proto) {
  Loaded loaded;
  if (!proto.ok()) {
    loaded.error = std::string(proto.status().message());
    return loaded;
  }
  absl::StatusOr<proto::Hardware> hardware = HardwareFor(*proto, "");
  absl::StatusOr<Program> program = Program::Create(*proto);
  if (!hardware.ok() || !program.ok()) {
    loaded.error = "invalid program or hardware";
    return loaded;
  }
  loaded.program = std::make_unique<Program>(*std::move(program));
  loaded.cost = std::make_unique<CostModel>(*CostModel::Create(*loaded.program, *hardware));
  return loaded;
}

const Loaded& Corpus() {
  static const Loaded loaded = Load(ReadProgram(kCorpusProgram));
  return loaded;
}

const Loaded& Llama() {
  static const Loaded loaded = [] {
    const char* shared = std::getenv("MMAP_OPT_SHARED_DATA");
    const std::string path = std::string(shared ? shared : "../shared/data") +
                             "/hlo/hlo_llama3_8b_cp_bf16_1x4.hlo";
    std::ifstream in(path);
    if (!in) return Loaded{nullptr, nullptr, path + " is absent"};
    std::stringstream text;
    text << in.rdbuf();
    return Load(ImportHlo(path, text.str(), {}));
  }();
  return loaded;
}

void Heuristic(benchmark::State& state, const Loaded& loaded) {
  if (!loaded.error.empty()) return state.SkipWithError(loaded.error.c_str());
  for (auto _ : state) benchmark::DoNotOptimize(RunMsaHeuristic(*loaded.cost));
  state.counters["instructions"] = loaded.program->num_instructions();
  state.counters["buffers"] = loaded.program->num_buffers();
}
void BM_HeuristicLlama(benchmark::State& state) { Heuristic(state, Llama()); }
void BM_HeuristicCorpus(benchmark::State& state) { Heuristic(state, Corpus()); }
BENCHMARK(BM_HeuristicLlama)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HeuristicCorpus)->Unit(benchmark::kMillisecond);

// Whole games with the random policy (its choice is cheap): steps per second of the
// environment, no snapshots.
void BM_GameSteps(benchmark::State& state) {
  const Loaded& loaded = Corpus();
  if (!loaded.error.empty()) return state.SkipWithError(loaded.error.c_str());
  int64_t steps = 0;
  for (auto _ : state) {
    RandomPolicy policy(1);
    absl::StatusOr<GameRecord> record = PlayGame(*loaded.cost, policy, "random");
    steps += record->steps;
  }
  state.SetItemsProcessed(steps);
}
BENCHMARK(BM_GameSteps)->Unit(benchmark::kMillisecond);

// Snapshot, one step, restore: what tree search over the real environment pays per node.
void BM_GameSnapshotStepRestore(benchmark::State& state) {
  const Loaded& loaded = Corpus();
  if (!loaded.error.empty()) return state.SkipWithError(loaded.error.c_str());
  MallocGame game = *MallocGame::Create(*loaded.cost);
  RandomPolicy policy(2);
  for (int i = 0; i < game.num_segments() / 2; ++i) game.Step(policy.Choose(game));
  int64_t n = 0;
  for (auto _ : state) {
    const MallocGame::Snapshot snapshot = game.Save();
    game.Step(policy.Choose(game));
    game.Restore(snapshot);
    ++n;
  }
  state.SetItemsProcessed(n);
}
BENCHMARK(BM_GameSnapshotStepRestore);

// heuristic-tuned's order search on each data/corpus/test program (issue 16): `kOrderSteps`
// steps after the base run, no knob grid, re-planning incrementally (/1) or re-running the
// whole heuristic each step (/0); items are order steps. tools/tuned_speed_bench.sh reads it.
constexpr int kOrderSteps = 50;
void TunedOrderSteps(benchmark::State& state, const Loaded& loaded, bool incremental) {
  if (!loaded.error.empty()) return state.SkipWithError(loaded.error.c_str());
  HeuristicTuning tuning;
  tuning.knobs = false;
  tuning.order_steps = kOrderSteps;
  tuning.incremental = incremental;
  int64_t steps = 0;
  for (auto _ : state) {
    absl::StatusOr<TunedHeuristic> tuned = RunTunedHeuristic(*loaded.cost, {}, tuning);
    if (!tuned.ok()) return state.SkipWithError(std::string(tuned.status().message()).c_str());
    steps += tuned->order_steps_run;
    state.counters["latency_s"] = tuned->latency_s;
    state.counters["planned_share"] =
        static_cast<double>(tuned->order_buffers_planned) / std::max<int64_t>(tuned->order_buffers_full, 1);
  }
  state.SetItemsProcessed(steps);
}

// One benchmark per test program and mode, named BM_TunedOrderSteps/<file>/<incremental>.
const bool kTunedRegistered = [] {
  std::vector<std::string> names;
  if (DIR* folder = opendir("data/corpus/test")) {
    while (dirent* entry = readdir(folder)) {
      const std::string name = entry->d_name;
      if (name.size() > 3 && name.substr(name.size() - 3) == ".pb") names.push_back(name);
    }
    closedir(folder);
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    for (bool incremental : {false, true}) {
      benchmark::RegisterBenchmark(
          ("BM_TunedOrderSteps/" + name + "/" + (incremental ? "1" : "0")).c_str(),
          [name, incremental](benchmark::State& state) {
            static std::map<std::string, Loaded> loaded;
            auto it = loaded.find(name);
            if (it == loaded.end()) {
              it = loaded.emplace(name, Load(ReadProgram("data/corpus/test/" + name))).first;
            }
            TunedOrderSteps(state, it->second, incremental);
          })
          ->Unit(benchmark::kMillisecond);
    }
  }
  return true;
}();

}  // namespace
}  // namespace mmap_opt

BENCHMARK_MAIN();
