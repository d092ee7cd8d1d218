// Throughput of the batched Gumbel search (src/search/gumbel_search.h) in simulations per
// second of wall-clock time (items_per_second), over B games of one corpus program, 16 simulations per move, with
// the bundled model (nn::DefaultModelPath(): $MMAP_OPT_MODEL, else data/models/default.pt of
// the source tree) on 1 or 2 intra-op threads, and with the UniformEvaluator (no network: the
// search and the game alone). Run from the repository root (the program path is relative):
//   build/search_nnbench [--benchmark_filter=Model/games:64]
// One iteration is one move of every game: one Search() over the B games, then each game
// plays its chosen action. The games start spread over the whole game (game g after
// g * L / B moves of the heuristic, whose game lasts L moves) and restart there when they finish, so the mix of early
// and late positions stays the same for every B and every iteration.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mmap_opt/agents/policy.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "nn/evaluator.h"
#include "search/gumbel_search.h"

namespace mmap_opt {
namespace {

constexpr char kProgram[] = "data/corpus/train/resnet-18.training.b32.224.bf16.tpuv4i-vmem.pb";
constexpr int kSimulations = 16;

struct Loaded {
  std::unique_ptr<Program> program;
  std::unique_ptr<CostModel> cost;
  std::string error;
};

const Loaded& Corpus() {
  static const Loaded loaded = [] {
    Loaded result;
    absl::StatusOr<proto::Program> proto = ReadProgram(kProgram);
    if (!proto.ok()) {
      result.error = std::string(proto.status().message());
      return result;
    }
    absl::StatusOr<proto::Hardware> hardware = HardwareFor(*proto, "");
    absl::StatusOr<Program> program = Program::Create(*proto);
    if (!hardware.ok() || !program.ok()) {
      result.error = std::string(kProgram) + ": invalid program or hardware";
      return result;
    }
    result.program = std::make_unique<Program>(*std::move(program));
    absl::StatusOr<CostModel> cost = CostModel::Create(*result.program, *hardware);
    if (!cost.ok()) {
      result.error = std::string(cost.status().message());
      return result;
    }
    result.cost = std::make_unique<CostModel>(*std::move(cost));
    return result;
  }();
  return loaded;
}

// The bundled model on `threads` intra-op threads, loaded once per thread count.
absl::StatusOr<Evaluator*> Model(int threads) {
  static std::map<int, std::unique_ptr<Evaluator>> models;
  auto it = models.find(threads);
  if (it == models.end()) {
    absl::StatusOr<std::unique_ptr<Evaluator>> model =
        LoadModelEvaluator(DefaultModelPath(), threads);
    if (!model.ok()) return model.status();
    it = models.emplace(threads, *std::move(model)).first;
  }
  return it->second.get();
}

void RunSearch(benchmark::State& state, Evaluator& evaluator) {
  const Loaded& loaded = Corpus();
  if (!loaded.error.empty()) return state.SkipWithError(loaded.error.c_str());
  const GameOptions game_options;
  if (evaluator.observation_size() != MallocGame::ObservationSize(game_options) ||
      evaluator.num_actions() != MallocGame::NumActions(game_options)) {
    return state.SkipWithError("the model does not match the default game options");
  }
  // The heuristic's game length in moves (fewer than segments: a placement may serve several
  // later uses, whose segments are then skipped).
  int length = 0;
  {
    absl::StatusOr<MallocGame> game = MallocGame::Create(*loaded.cost, game_options);
    if (!game.ok()) return state.SkipWithError(std::string(game.status().message()).c_str());
    HeuristicPolicy policy;
    for (; !game->done(); ++length) game->Step(policy.Choose(*game));
  }
  const int batch = static_cast<int>(state.range(0));
  std::vector<MallocGame> games;
  games.reserve(batch);
  for (int g = 0; g < batch; ++g) {
    absl::StatusOr<MallocGame> game = MallocGame::Create(*loaded.cost, game_options);
    if (!game.ok()) return state.SkipWithError(std::string(game.status().message()).c_str());
    const int moves = static_cast<int>(static_cast<int64_t>(g) * length / batch);
    HeuristicPolicy policy;
    for (int i = 0; i < moves && !game->done(); ++i) game->Step(policy.Choose(*game));
    if (game->done()) return state.SkipWithError("a game ended before its start position");
    games.push_back(*std::move(game));
  }
  std::vector<MallocGame::Snapshot> starts;
  std::vector<MallocGame*> pointers;
  for (MallocGame& game : games) {
    starts.push_back(game.Save());
    pointers.push_back(&game);
  }

  SearchOptions options;
  options.simulations = kSimulations;
  BatchedGumbelSearch search(evaluator, options, /*seed=*/1);
  for (auto _ : state) {
    const std::vector<SearchResult> results = search.Search(pointers);
    for (int g = 0; g < batch; ++g) {
      games[g].Step(results[g].action);
      if (games[g].done()) games[g].Restore(starts[g]);
    }
  }
  state.SetItemsProcessed(search.total_simulations());
  state.counters["moves_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * batch, benchmark::Counter::kIsRate);
  state.counters["game_moves"] = length;
}

void BM_SearchModel(benchmark::State& state) {
  absl::StatusOr<Evaluator*> model = Model(static_cast<int>(state.range(1)));
  if (!model.ok()) return state.SkipWithError(std::string(model.status().message()).c_str());
  RunSearch(state, **model);
}
BENCHMARK(BM_SearchModel)
    ->ArgNames({"games", "threads"})
    ->ArgsProduct({{1, 8, 32, 64}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_SearchUniform(benchmark::State& state) {
  UniformEvaluator uniform{GameOptions{}};
  RunSearch(state, uniform);
}
BENCHMARK(BM_SearchUniform)->ArgName("games")->Arg(1)->Arg(8)->Arg(32)->Arg(64)->Unit(
    benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace mmap_opt

BENCHMARK_MAIN();
