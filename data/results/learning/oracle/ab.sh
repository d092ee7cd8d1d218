#!/bin/bash
# Gains over the heuristic at a fixed game budget (load-independent), one line per program,
# configuration and seed: "program config seed heuristic_latency agent_latency".
#   [GAMES=400] [PROGS="name ..."] [SEEDS="0 1 2"] [CFGS="uniform learn nolearn"] [FLAGS=...] ab.sh
# Run from anywhere; summ.sh turns the lines into gains and means.
cd "$(dirname "$0")/../../../.."
games=${GAMES:-400}
progs=${PROGS:-"lstm-seq2seq-large.training.b16.16.bf16.tpuv4i dlrm-base.training.b2048.bf16.tpuv4i alexnet-base.training.b64.224.bf16.tpuv4i"}
lat() { sed -n 's/.*"latency_s":\([0-9.eE+-]*\).*/\1/p' | head -1; }
for p in $progs; do
  f=data/corpus/test/$p.pb; [ -f $f ] || f=$p
  h=$(./build/mmap-opt solve $f --agent heuristic --json | lat)
  for seed in ${SEEDS:-0 1 2}; do
    for cfg in ${CFGS:-uniform learn}; do
      case $cfg in uniform) m="--model uniform";; learn) m="";; nolearn) m="--no-learn";; esac
      a=$(./build/mmap-opt solve $f --agent muzero $m --max-games $games --simulations 4 --rollout-steps 16 --games-per-round 8 --deviations 0.0001 --seed $seed $FLAGS --json | lat)
      echo "$(basename $f .pb) $cfg $seed $h $a"
    done
  done
done
