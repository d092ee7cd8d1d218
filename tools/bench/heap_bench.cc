// Occupancy speed on MSA-sized states: a heap filled by best fit with N random intervals
// (horizon 4N, lives up to 64 steps, sizes 1-64 KiB in 16 MiB, alignment 512), then queries.
// Run: build/heap_bench
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "mmap_opt/heap/occupancy.h"

namespace mmap_opt::heap {
namespace {

struct Request {
  int64_t size;
  Time start, end;
};

std::vector<Request> Requests(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  const Time horizon = 4 * static_cast<Time>(n);
  std::vector<Request> requests;
  for (int i = 0; i < n; ++i) {
    const Time start = std::uniform_int_distribution<Time>(0, horizon - 1)(rng);
    const Time end =
        std::min<Time>(horizon - 1, start + std::uniform_int_distribution<Time>(0, 63)(rng));
    requests.push_back({std::uniform_int_distribution<int64_t>(1, 64)(rng) * 1024, start, end});
  }
  return requests;
}

Occupancy Filled(int n, std::vector<Request>* requests) {
  *requests = Requests(n, 1);
  Occupancy heap = *Occupancy::Create(int64_t{16} << 20, 512, 4 * static_cast<Time>(n));
  for (const Request& r : *requests) {
    if (std::optional<Offset> o = heap.BestFit(r.size, r.start, r.end)) {
      (void)heap.Commit({*o, r.size, r.start, r.end});
    }
  }
  return heap;
}

void BM_BestFitQuery(benchmark::State& state) {
  std::vector<Request> requests;
  Occupancy heap = Filled(static_cast<int>(state.range(0)), &requests);
  const std::vector<Request> queries = Requests(1024, 2);
  size_t i = 0;
  for (auto _ : state) {
    const Request& q = queries[i++ & 1023];
    benchmark::DoNotOptimize(heap.BestFit(q.size, q.start, q.end));
  }
  state.counters["chunks"] = heap.num_chunks();
}
BENCHMARK(BM_BestFitQuery)->Arg(20000)->Arg(50000);

void BM_BestFitsK8(benchmark::State& state) {
  std::vector<Request> requests;
  Occupancy heap = Filled(static_cast<int>(state.range(0)), &requests);
  const std::vector<Request> queries = Requests(1024, 3);
  std::vector<Offset> out;
  size_t i = 0;
  for (auto _ : state) {
    const Request& q = queries[i++ & 1023];
    out.clear();
    heap.BestFits(q.size, q.start, q.end, 8, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_BestFitsK8)->Arg(20000)->Arg(50000);

void BM_IsFree(benchmark::State& state) {
  std::vector<Request> requests;
  Occupancy heap = Filled(static_cast<int>(state.range(0)), &requests);
  const std::vector<Request> queries = Requests(1024, 4);
  size_t i = 0;
  for (auto _ : state) {
    const Request& q = queries[i & 1023];
    benchmark::DoNotOptimize(
        heap.IsFree({static_cast<Offset>(i % 32) * 512 * 1024, q.size, q.start, q.end}));
    ++i;
  }
}
BENCHMARK(BM_IsFree)->Arg(20000)->Arg(50000);

// One game step's worth: find the best fit, commit it, undo it.
void BM_CommitUndo(benchmark::State& state) {
  std::vector<Request> requests;
  Occupancy heap = Filled(static_cast<int>(state.range(0)), &requests);
  const std::vector<Request> queries = Requests(1024, 5);
  size_t i = 0;
  for (auto _ : state) {
    const Request& q = queries[i++ & 1023];
    if (std::optional<Offset> o = heap.BestFit(q.size, q.start, q.end)) {
      benchmark::DoNotOptimize(heap.Commit({*o, q.size, q.start, q.end}));
      heap.Undo();
    }
  }
}
BENCHMARK(BM_CommitUndo)->Arg(20000)->Arg(50000);

// Filling the heap from empty: N best-fit placements (XLA's whole heap-simulator pass).
void BM_FillByBestFit(benchmark::State& state) {
  std::vector<Request> requests;
  for (auto _ : state) {
    Occupancy heap = Filled(static_cast<int>(state.range(0)), &requests);
    benchmark::DoNotOptimize(heap.num_chunks());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FillByBestFit)->Arg(20000)->Arg(50000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mmap_opt::heap

BENCHMARK_MAIN();
