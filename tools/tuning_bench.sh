#!/usr/bin/env bash
# heuristic-tuned at the budgets of data/results/tuning/README.md on the test split (and the
# default budget on the train split): one `mmap-opt bench` per budget, its summary row printed.
# Usage: tools/tuning_bench.sh [BUILD_DIR]   (default: build; about 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {  # label, corpus, extra bench args...
  local label=$1 corpus=$2
  shift 2
  "$build/mmap-opt" bench --corpus "$corpus" --agents heuristic-tuned --jobs 2 --quiet \
    --out "$out/run" "$@" >/dev/null
  echo "$label: $(grep '^| heuristic-tuned ' "$out/run/results.md" | head -1)"
}
run "test, --tune-steps 0" data/corpus/test --tune-steps 0
run "test, default (400 steps)" data/corpus/test
run "test, --tune-steps 1500" data/corpus/test --tune-steps 1500
run "test, --time-limit 10" data/corpus/test --time-limit 10
run "train, default (400 steps)" data/corpus/train
