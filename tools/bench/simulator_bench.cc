// Scoring speed (issue 4's target: a 100k-instruction program with 50k placements scores in
// under 1 s). Run: build/simulator_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "mmap_opt/model/hardware.h"
#include "mmap_opt/sim/score.h"
#include "mmap_opt/sim/validator.h"

namespace mmap_opt {
namespace {

constexpr int64_t kActivation = 1 << 20;  // 1 MiB activations.
constexpr int64_t kWeight = 2 << 20;      // 2 MiB weights.

// A chain: instruction t reads weight w_t (an input) and activation a_{t-1}, writes a_t;
// every 10th activation is an output. Every 4th activation is produced into fast memory
// (covering its one use at t+1) and the weight of the instruction after it is prefetched one
// instruction ahead: n/4 + n/4 placements (50k for n = 100k), rotating through 4 slots each
// so nothing overlaps, with evictions for the produced outputs.
struct Workload {
  proto::Program program;
  proto::Assignment assignment;
};

Workload MakeWorkload(int n) {
  Workload w;
  proto::Program& p = w.program;
  p.set_name(absl::StrCat("chain", n));
  for (int t = 0; t < n; ++t) {
    proto::Buffer* weight = p.add_buffers();
    weight->set_id(2 * t);
    weight->set_name(absl::StrCat("w", t));
    weight->set_size(kWeight);
    proto::Buffer* act = p.add_buffers();
    act->set_id(2 * t + 1);
    act->set_name(absl::StrCat("a", t));
    act->set_size(kActivation);
    act->set_is_output(t % 10 == 0);
    proto::Instruction* inst = p.add_instructions();
    inst->set_id(t);
    inst->set_name(absl::StrCat("op", t));
    inst->set_flops(2e9 * (1 + t % 3));
    inst->add_operands(2 * t);
    if (t > 0) inst->add_operands(2 * t - 1);
    inst->add_outputs(2 * t + 1);
  }
  w.assignment.set_program_name(p.name());
  for (int t = 0; t + 1 < n; t += 4) {
    proto::Placement* act = w.assignment.add_placements();
    act->set_buffer_id(2 * t + 1);
    act->set_offset(((t / 4) % 4) * kActivation);
    act->set_start(t);
    act->set_end(t + 1);
    act->set_source(proto::Placement::PRODUCED);
    proto::Placement* weight = w.assignment.add_placements();
    weight->set_buffer_id(2 * (t + 1));
    weight->set_offset(4 * kActivation + ((t / 4) % 4) * kWeight);
    weight->set_start(t + 1);
    weight->set_end(t + 1);
    weight->set_copy_start(t);
    weight->set_source(proto::Placement::PREFETCHED);
  }
  return w;
}

proto::Hardware BenchHardware() {
  proto::Hardware h = *HardwarePreset("tpuv4i");
  h.set_max_outstanding_prefetches(-1);
  h.set_max_outstanding_evictions(-1);
  return h;
}

// What `score` does after reading the files: derive the program, validate, simulate, bound.
void BM_ScoreFromProto(benchmark::State& state) {
  const Workload w = MakeWorkload(state.range(0));
  for (auto _ : state) {
    Program program = *Program::Create(w.program);
    CostModel model = *CostModel::Create(program, BenchHardware());
    absl::StatusOr<Score> score = ScoreAssignment(model, w.assignment);
    if (!score.ok()) {
      state.SkipWithError(std::string(score.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(score->simulation.latency_s);
  }
  state.counters["placements"] = w.assignment.placements_size();
}
BENCHMARK(BM_ScoreFromProto)->Arg(100000)->Unit(benchmark::kMillisecond);

// The validator and simulator alone, on a program already derived (the game's use).
void BM_Score(benchmark::State& state) {
  const Workload w = MakeWorkload(state.range(0));
  Program program = *Program::Create(w.program);
  CostModel model = *CostModel::Create(program, BenchHardware());
  for (auto _ : state) {
    absl::StatusOr<Score> score = ScoreAssignment(model, w.assignment);
    benchmark::DoNotOptimize(score->simulation.latency_s);
  }
}
BENCHMARK(BM_Score)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_Validate(benchmark::State& state) {
  const Workload w = MakeWorkload(state.range(0));
  Program program = *Program::Create(w.program);
  const proto::Hardware hardware = BenchHardware();
  for (auto _ : state) {
    std::vector<Violation> violations = FindViolations(program, hardware, w.assignment);
    if (!violations.empty()) {
      state.SkipWithError(violations[0].ToString().c_str());
      return;
    }
  }
}
BENCHMARK(BM_Validate)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mmap_opt

BENCHMARK_MAIN();
