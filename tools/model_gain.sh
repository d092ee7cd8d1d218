#!/bin/bash
# The gain over the heuristic of a model's own game (no learning on the program, no anchor:
# what `train` measures as the held-out gain, 4 simulations and 16-move rollouts), program by
# program, on every .pb of a folder; the mean last. Compares models on the programs they
# trained on and on held-out ones.
#   tools/model_gain.sh MODEL DIR [BUILD_DIR]
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: tools/model_gain.sh MODEL DIR [BUILD_DIR]" >&2
  exit 2
fi
model=$1 dir=$2 build=${3:-build}
latency() { "$build/mmap-opt" solve "$@" --json | sed -E 's/.*"latency_s":([^,]*),.*/\1/'; }
for program in "$dir"/*.pb; do
  heuristic=$(latency "$program" --agent heuristic)
  agent=$(latency "$program" --agent muzero --model "$model" --simulations 4 --rollout-steps 16)
  echo "$(basename "$program") $heuristic $agent"
done | awk '{ gain = ($2 - $3) / $2 * 100; sum += gain; n++; printf "%s %+.3f%%\n", $1, gain }
            END { printf "mean %+.3f%% over %d programs\n", sum / n, n }'
