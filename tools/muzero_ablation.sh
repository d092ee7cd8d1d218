#!/usr/bin/env bash
# The learned agent's ablations on a corpus (default: the held-out test split), one
# `mmap-opt bench` run per configuration; prints one markdown row per configuration with the
# bench's summary against the heuristic (mean speedup, programs improved / equal / worse, mean
# solve time). Usage: tools/muzero_ablation.sh [BUILD_DIR] [CORPUS] [MODEL]
set -euo pipefail
build=${1:-build}
corpus=${2:-data/corpus/test}
model=${3:-data/models/default.pt}
bin=$build/mmap-opt
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {  # label, agent, extra bench args...
  local label=$1 agent=$2
  shift 2
  "$bin" bench --corpus "$corpus" --agents "$agent" --model "$model" --never-worse "" \
    --jobs 2 --quiet --out "$out/run" "$@" >/dev/null
  # Summary columns: agent programs invalid improved equal worse mean median best worst
  # headroom drop-backups solve-time.
  awk -F'|' -v agent="$agent" -v label="$label" '
    $2 ~ "^ *" agent " *$" && !done {
      gsub(/ /, "", $5); gsub(/ /, "", $6); gsub(/ /, "", $7); gsub(/ /, "", $8);
      gsub(/ /, "", $9); gsub(/ /, "", $12); gsub(/ /, "", $13); gsub(/ /, "", $14);
      printf "| %s | %s | %s | %s/%s/%s | %s | %s | %s |\n", label, agent, $8, $5, $6, $7, $12, $13, $14
      done = 1
    }' "$out/run/results.md"
}

echo "| configuration | agent | mean speedup | improved/equal/worse | headroom closed | drop-backups | total solve s |"
echo "|---|---|--:|--:|--:|--:|--:|"
run "search off (policy only)" muzero --simulations 0
run "4 simulations" muzero --simulations 4
run "16 simulations (default: rollouts 64, weight 1)" muzero --simulations 16
run "64 simulations" muzero --simulations 64
run "16 simulations, drop-backup off" muzero --simulations 16 --no-drop-backup
run "16 simulations, network values only (no rollouts)" muzero --simulations 16 --rollout-steps 0
run "16 simulations, rollout weight 0.5" muzero --simulations 16 --rollout-weight 0.5
run "16 simulations, learned dynamics (network values)" muzero --simulations 16 --learned-dynamics --rollout-steps 0
run "no network (mcts): rollouts 64, 16 simulations" mcts --simulations 16
run "heuristic-tuned, 400 order steps (no search, no network)" heuristic-tuned
run "hybrid (default): best of heuristic, heuristic-tuned, muzero playing the tuned game" hybrid --simulations 16
run "hybrid, \`--tune-steps 1500\`" hybrid --simulations 16 --tune-steps 1500
