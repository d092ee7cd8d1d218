#!/usr/bin/env bash
# What learning on the program adds (issue 14, items 1 and 4): the same Gumbel search at the
# same wall-clock budget per program with no network (--model uniform), with the bundled model
# as loaded (--no-learn), and with the bundled model trained on the program between rounds of
# games (the default). One `solve --agent muzero --time-limit S --json` per program, seed and
# configuration, run one at a time so that every configuration gets the same machine. Prints
# a markdown table: each configuration's gain over the heuristic (heuristic latency / agent
# latency - 1) per program as the mean over the seeds with its min..max, and the mean over
# the programs.
# Usage: [SEARCH="flags"] tools/learning_ablation.sh [BUILD_DIR] [SECONDS] [SEEDS] [PROGRAM...]
#   defaults: build, 20 s, "0 1 2", four programs of data/corpus/test with room left over the
#   heuristic (capacity bound 9-16%), and SEARCH="--simulations 4 --rollout-steps 16
#   --games-per-round 4": a cheaper search than solve's default, so that a 20 s budget holds
#   several rounds of games to learn from (with the default 16 simulations and 64-move
#   rollouts, one game of lstm-seq2seq-large takes 9 s and no round ends before the limit).
set -euo pipefail
build=${1:-build}
seconds=${2:-20}
seeds=${3:-"0 1 2"}
shift $(($# < 3 ? $# : 3))
programs=("$@")
if ((${#programs[@]} == 0)); then
  programs=(data/corpus/test/lstm-seq2seq-large.training.b16.16.bf16.tpuv4i.pb
            data/corpus/test/dlrm-base.training.b2048.bf16.tpuv4i.pb
            data/corpus/test/mobilenetv2-1.4.inference.b32.224.bf16.tpuv4i-vmem.pb
            data/corpus/test/alexnet-base.training.b64.224.bf16.tpuv4i.pb)
fi
bin=$build/mmap-opt
search=${SEARCH-"--simulations 4 --rollout-steps 16 --games-per-round 4"}
configs=("uniform|--model uniform" "no-learn|--no-learn" "learn|")

latency() {  # The simulated latency from one `solve --json` line.
  sed -n 's/.*"latency_s":\([0-9.eE+-]*\).*/\1/p' | head -n 1
}

table=$(mktemp)
trap 'rm -f "$table"' EXIT
for program in "${programs[@]}"; do
  base=$("$bin" solve "$program" --agent heuristic --json | latency)
  for config in "${configs[@]}"; do
    name=${config%%|*}
    flags=${config#*|}
    for seed in $seeds; do
      # shellcheck disable=SC2086  # flags are words.
      agent=$("$bin" solve "$program" --agent muzero --time-limit "$seconds" --seed "$seed" \
                $search $flags --json | latency)
      echo "$(basename "$program" .pb) $name $seed $base $agent" >>"$table"
    done
  done
done

echo "Gain over the heuristic, \`solve --agent muzero --time-limit $seconds $search\`, seeds $seeds"
echo "(mean over the seeds, min..max)"
echo
awk -v configs="uniform no-learn learn" '
  { gain = 100 * ($4 / $5 - 1); key = $1 SUBSEP $2
    sum[key] += gain; n[key]++
    if (!(key in lo) || gain < lo[key]) lo[key] = gain
    if (!(key in hi) || gain > hi[key]) hi[key] = gain
    if (!($1 in seen)) { seen[$1] = 1; order[++programs] = $1 } }
  END {
    split(configs, c, " ")
    printf "| program |"; for (i = 1; i <= 3; ++i) printf " %s |", c[i]; printf "\n"
    printf "|---|--:|--:|--:|\n"
    for (p = 1; p <= programs; ++p) {
      printf "| %s |", order[p]
      for (i = 1; i <= 3; ++i) {
        key = order[p] SUBSEP c[i]; mean = sum[key] / n[key]; total[i] += mean
        printf " %+.3f%% (%+.3f..%+.3f) |", mean, lo[key], hi[key]
      }
      printf "\n"
    }
    printf "| mean |"; for (i = 1; i <= 3; ++i) printf " %+.3f%% |", total[i] / programs
    printf "\n"
  }' "$table"
