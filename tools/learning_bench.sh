#!/usr/bin/env bash
# Issue 14's equal-budget comparison: heuristic-tuned, muzero (learning on the program) and
# hybrid at the same wall-clock budget per program, in one bench run each on the test split
# and on the five PyTorch/XLA programs of ../shared/data/hlo/pytorch-xla (imported into a
# temporary folder; skipped with a message when ../shared is absent). Writes the bench's
# outputs into data/results/learning/{test,pytorch-xla}-<S>s/ (timings included: say which
# machine made them beside the figures).
# Usage: tools/learning_bench.sh [BUILD_DIR] [SECONDS] [JOBS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-20}
jobs=${3:-1}
agents=heuristic-tuned,muzero,hybrid
out=data/results/learning
mkdir -p "$out"
"$build/mmap-opt" bench --corpus data/corpus/test --agents "$agents" --time-limit "$seconds" \
  --jobs "$jobs" --quiet --out "$out/test-${seconds}s"
shared=../shared/data/hlo/pytorch-xla
if [[ ! -d $shared ]]; then
  echo "learning_bench: $shared is absent; the PyTorch/XLA bench is skipped" >&2
  exit 0
fi
programs=$(mktemp -d)
trap 'rm -rf "$programs"' EXIT
for hlo in "$shared"/*.hlo; do
  "$build/mmap-opt" import hlo "$hlo" -o "$programs/$(basename "$hlo" .hlo).pb" >/dev/null
done
"$build/mmap-opt" bench --corpus "$programs" --agents "$agents" --time-limit "$seconds" \
  --jobs "$jobs" --quiet --out "$out/pytorch-xla-${seconds}s"
