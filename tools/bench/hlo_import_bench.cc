// Speed of `import hlo`: the real Llama-3 dump when ../shared/data is beside the checkout (run
// from the repository root), and always a synthetic scheduled module of N dot+add layers.
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "mmap_opt/io/hlo.h"

namespace {

// A chain of `layers` matmul + bias + tanh layers, printed with inline operand shapes.
std::string SyntheticModule(int layers) {
  std::string text = "HloModule synthetic, is_scheduled=true\n\nENTRY %main {\n";
  absl::StrAppend(&text, "  %h0 = bf16[256,1024]{1,0} parameter(0)\n");
  for (int i = 0; i < layers; ++i) {
    absl::StrAppend(&text, "  %w", i, " = bf16[1024,1024]{1,0} parameter(", i + 1, ")\n", "  %d", i,
                    " = bf16[256,1024]{1,0} dot(bf16[256,1024]{1,0} %h", i,
                    ", bf16[1024,1024]{1,0} %w", i,
                    "), lhs_contracting_dims={1}, rhs_contracting_dims={0}, "
                    "metadata={op_name=\"layer/dot\" source_file=\"model.py\" source_line=",
                    i, "}\n", "  %a", i, " = bf16[256,1024]{1,0} add(bf16[256,1024]{1,0} %d", i,
                    ", bf16[256,1024]{1,0} %d", i, ")\n", "  %h", i + 1,
                    " = bf16[256,1024]{1,0} tanh(bf16[256,1024]{1,0} %a", i, ")\n");
  }
  absl::StrAppend(&text, "  ROOT %out = bf16[256,1024]{1,0} copy(bf16[256,1024]{1,0} %h", layers,
                  ")\n}\n");
  return text;
}

void BM_ImportSynthetic(benchmark::State& state) {
  const std::string text = SyntheticModule(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<mmap_opt::proto::Program> program = mmap_opt::ImportHlo("synthetic", text);
    if (!program.ok()) state.SkipWithError(std::string(program.status().message()).c_str());
    benchmark::DoNotOptimize(program);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ImportSynthetic)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_ImportLlama3(benchmark::State& state) {
  const std::string path = "../shared/data/hlo/hlo_llama3_8b_cp_bf16_1x4.hlo";
  std::ifstream in(path);
  if (!in) {
    state.SkipWithError("../shared/data is absent (run from the repository root)");
    return;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  for (auto _ : state) {
    absl::StatusOr<mmap_opt::proto::Program> program = mmap_opt::ImportHlo(path, text);
    if (!program.ok()) state.SkipWithError(std::string(program.status().message()).c_str());
    benchmark::DoNotOptimize(program);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ImportLlama3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
