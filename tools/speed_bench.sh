#!/usr/bin/env bash
# The speed figures of data/results/speed/README.md: the Google Benchmark binaries of
# tools/bench/ (simulator, heuristic and game, fast-memory heap, HLO import; with LibTorch the
# network and the batched search), median of repetitions, CPU and wall time. Figures depend
# on the machine and its load: say which beside them.
# Usage: tools/speed_bench.sh [BUILD_DIR]   (default: build; run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
agg=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true)
"$build/simulator_bench" "${agg[@]}"
"$build/agents_bench" "${agg[@]}"
"$build/heap_bench" --benchmark_min_time=0.2
"$build/hlo_import_bench" "${agg[@]}"
if [[ -x "$build/net_nnbench" ]]; then
  OPENBLAS_NUM_THREADS=1 "$build/net_nnbench" --benchmark_filter=threads:1
  OPENBLAS_NUM_THREADS=1 "$build/search_nnbench"
fi
