// Forward latency of the MuZero networks (src/nn/muzero_net.h) against batch size, on 1 and 2
// intra-op threads. The default NetConfig (hidden 128, latent 64) over the default game's
// observation and 1 + 2K actions; weights are seeded random (latency does not depend on them).
// Run from anywhere:
//   build/net_nnbench [--benchmark_filter=RepresentPredict]
// Per batch: the benchmark's Time column; per sample: sec_per_sample (and items_per_second),
// both in wall-clock time (the CPU column counts the calling thread only). On a 2-core machine
// that is busy with anything else, 2 threads can be orders of magnitude slower than 1: the
// second OpenMP worker waits for a core.
//   RepresentPredict: what the search asks of the network for every simulation (new leaves).
//   DynamicsPredict:  one step of the learned model (latent, action -> latent, policy, value).
//   Evaluate:         RepresentPredict through the Evaluator interface the search calls,
//                     copies from and into the caller's float arrays included.
#include <benchmark/benchmark.h>

#include <vector>

#include "mmap_opt/game/malloc_game.h"
#include "nn/evaluator.h"
#include "nn/muzero_net.h"

namespace mmap_opt {
namespace {

NetConfig DefaultConfig() {
  const GameOptions game;
  NetConfig config;
  config.observation_size = MallocGame::ObservationSize(game);
  config.num_actions = MallocGame::NumActions(game);
  return config;
}

MuZeroNet SeededNet() {
  torch::manual_seed(0);
  MuZeroNet net(DefaultConfig());
  net->eval();
  return net;
}

void SetCounters(benchmark::State& state, int batch) {
  const double samples = static_cast<double>(state.iterations()) * batch;
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.counters["sec_per_sample"] =
      benchmark::Counter(samples, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_RepresentPredict(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  at::set_num_threads(static_cast<int>(state.range(1)));
  MuZeroNet net = SeededNet();
  c10::InferenceMode guard;
  const torch::Tensor observations = torch::rand({batch, net->config().observation_size});
  for (auto _ : state) {
    auto [logits, value] = net->Predict(net->Represent(observations));
    benchmark::DoNotOptimize(logits.data_ptr<float>());
    benchmark::DoNotOptimize(value.data_ptr<float>());
  }
  SetCounters(state, batch);
}

void BM_DynamicsPredict(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  at::set_num_threads(static_cast<int>(state.range(1)));
  MuZeroNet net = SeededNet();
  c10::InferenceMode guard;
  const torch::Tensor latent =
      net->Represent(torch::rand({batch, net->config().observation_size}));
  const torch::Tensor actions = torch::randint(net->config().num_actions, {batch}, torch::kInt64);
  for (auto _ : state) {
    auto [next, reward] = net->Dynamics(latent, actions);
    auto [logits, value] = net->Predict(next);
    benchmark::DoNotOptimize(reward.data_ptr<float>());
    benchmark::DoNotOptimize(logits.data_ptr<float>());
    benchmark::DoNotOptimize(value.data_ptr<float>());
  }
  SetCounters(state, batch);
}

void BM_Evaluate(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  std::unique_ptr<Evaluator> evaluator = MakeNetEvaluator(SeededNet(), threads);
  const torch::Tensor random = torch::rand({batch, evaluator->observation_size()});
  std::vector<float> observations(random.data_ptr<float>(),
                                  random.data_ptr<float>() + random.numel());
  std::vector<float> logits(static_cast<size_t>(batch) * evaluator->num_actions());
  std::vector<float> values(batch);
  for (auto _ : state) {
    evaluator->Evaluate(observations.data(), batch, logits.data(), values.data());
    benchmark::DoNotOptimize(logits.data());
    benchmark::DoNotOptimize(values.data());
  }
  SetCounters(state, batch);
}

void BatchesAndThreads(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "threads"})
      ->ArgsProduct({{1, 8, 32, 64, 128, 256}, {1, 2}})
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
}
BENCHMARK(BM_RepresentPredict)->Apply(BatchesAndThreads);
BENCHMARK(BM_DynamicsPredict)->Apply(BatchesAndThreads);
BENCHMARK(BM_Evaluate)->Apply(BatchesAndThreads);

}  // namespace
}  // namespace mmap_opt

BENCHMARK_MAIN();
