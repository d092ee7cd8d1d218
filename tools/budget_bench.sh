#!/usr/bin/env bash
# The search agents compared at equal wall-clock budgets (issue 14 item 3): one bench at one
# time limit per program on the test split, and a sweep of budgets on the smoke corpus. Writes
# the bench's outputs into data/results/budgets/{test-Ns,smoke-sweep}/ (timings included: the
# figures depend on the machine, so say which one beside them).
# Usage: tools/budget_bench.sh [BUILD_DIR] [TIME_LIMIT] [BUDGETS]
set -euo pipefail
build=${1:-build}
limit=${2:-10}
budgets=${3:-1,10}
agents=heuristic-tuned,mcts,muzero,hybrid
out=data/results/budgets
mkdir -p "$out"
"$build/mmap-opt" bench --corpus data/corpus/test --agents "$agents" --time-limit "$limit" \
  --jobs 2 --quiet --out "$out/test-${limit}s"
"$build/mmap-opt" bench --corpus data/corpus/smoke --agents "$agents" --budgets "$budgets" \
  --jobs 2 --quiet --out "$out/smoke-sweep"
