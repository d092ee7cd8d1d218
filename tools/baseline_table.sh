#!/usr/bin/env bash
# Prints the baseline table of the README: for every program of a corpus folder, the all-slow
# latency, greedy, the heuristic and the lower bound (ms), with the share of headroom each
# agent closes. Usage: tools/baseline_table.sh [CORPUS_DIR...] (default: data/corpus/test)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MMAP_OPT:-build/mmap-opt}
dirs=("$@")
((${#dirs[@]})) || dirs=(data/corpus/test)

field() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2; }

echo "| program | hardware | all-slow (ms) | greedy (ms) | heuristic (ms) | lower bound (ms) | greedy closes | heuristic closes |"
echo "|---|---|--:|--:|--:|--:|--:|--:|"
for dir in "${dirs[@]}"; do
  for program in "$dir"/*.pb; do
    greedy=$("$BIN" solve "$program" --agent greedy --json)
    heuristic=$("$BIN" solve "$program" --agent heuristic --json)
    awk -v name="$(basename "$program" .pb)" \
        -v hw="$(field hardware <<<"$heuristic" | tr -d '"')" \
        -v slow="$(field all_slow_latency_s <<<"$heuristic")" \
        -v g="$(field latency_s <<<"$greedy")" \
        -v h="$(field latency_s <<<"$heuristic")" \
        -v lb="$(field lower_bound_s <<<"$heuristic")" \
        -v gc="$(field headroom_closed <<<"$greedy")" \
        -v hc="$(field headroom_closed <<<"$heuristic")" \
        'BEGIN { printf "| %s | %s | %.4f | %.4f | %.4f | %.4f | %.1f%% | %.1f%% |\n",
                 name, hw, slow * 1e3, g * 1e3, h * 1e3, lb * 1e3, gc * 100, hc * 100 }'
  done
done
