#!/usr/bin/env bash
# The measurements of data/results/heuristic/README.md: the baseline table of the test split
# (tools/baseline_table.sh), then the heuristic with and without XLA's repack step on the test
# and train splits (`solve --agent heuristic --json`, latency and solve time per program).
# Usage: tools/heuristic_bench.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
MMAP_OPT="$build/mmap-opt" tools/baseline_table.sh data/corpus/test
field() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2; }
echo
echo "split program latency_s latency_s_with_repacks"
for split in test train; do
  for program in data/corpus/$split/*.pb; do
    plain=$("$build/mmap-opt" solve "$program" --agent heuristic --json)
    repack=$("$build/mmap-opt" solve "$program" --agent heuristic --heuristic-max-repacks 1000 --json)
    echo "$split $(basename "$program" .pb) $(field latency_s <<<"$plain") $(field latency_s <<<"$repack")"
  done
done
