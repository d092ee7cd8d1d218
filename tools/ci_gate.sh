#!/usr/bin/env bash
# The CI gate (DESIGN.md: "diff assignments against the XLA heuristic baseline in CI"): runs
# `mmap-opt bench` with every registered agent on the smoke corpus and fails when
#   - any agent's assignment is invalid (or the agent fails),
#   - the heuristic's latency (or a program's bounds) moved from data/baselines/ by more than a
#     relative 1e-9, or
#   - an agent marked never-worse (bench --never-worse, default: hybrid) is slower than the
#     heuristic on a program; `mmap-opt diff --fail-if-slower 0` prints what it changed.
#
# Usage: tools/ci_gate.sh [BENCH_ARGS...]   extra arguments go to `mmap-opt bench`
#        tools/ci_gate.sh --update           regenerate the baseline after a deliberate change
#                                            of the heuristic or the simulator (commit it with
#                                            the change)
# MMAP_OPT selects the binary (default build/mmap-opt).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MMAP_OPT:-build/mmap-opt}
CORPUS=data/corpus/smoke
BASELINE=data/baselines/heuristic-smoke.csv
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [[ "${1:-}" == --update ]]; then
  shift
  "$BIN" bench --corpus "$CORPUS" --agents heuristic --quiet --no-timings --out "$out" \
    --write-baseline "$BASELINE" "$@" >/dev/null
  echo "ci_gate: wrote $BASELINE"
  exit 0
fi

status=0
"$BIN" bench --corpus "$CORPUS" --agents all --seed 1 --quiet --no-timings --assignments \
  --out "$out" --check-baseline "$BASELINE" "$@" >"$out/bench.log" || status=$?

# The diff report for every never-worse result (results.csv: program, agent, never_worse),
# printed when it is slower.
while IFS=, read -r file agent; do
  stem=${file%.*}
  if ! report=$("$BIN" diff "$CORPUS/$file" "$out/assignments/$stem/heuristic.pb" \
      "$out/assignments/$stem/$agent.pb" --fail-if-slower 0 2>&1); then
    echo "$report"
    status=1
  fi
done < <(awk -F, 'NR > 1 && $3 == 1 { print $1 "," $2 }' "$out/results.csv" 2>/dev/null)

if ((status != 0)); then
  cat "$out/bench.log"
  echo "ci_gate: FAILED (see above)"
  exit 1
fi
grep '^baseline ' "$out/bench.log"
echo "ci_gate: passed ($(awk -F, 'NR > 1' "$out/results.csv" | wc -l) assignments valid)"
