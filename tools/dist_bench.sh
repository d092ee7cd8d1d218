#!/usr/bin/env bash
# Scale-out benchmark (issue 15): `train` on the smoke corpus alone and over 2 and 3 processes
# on this machine (127.0.0.1), one run each: self-play games/s, training steps/s and the TCP
# bytes rank 0 sends per training step (the kernel's counters of its sockets, see
# src/train/tcp_traffic.cc), read from rank 0's progress lines. Writes
# data/results/scale/README.md. Usage: tools/dist_bench.sh [ITERATIONS] [GAMES_PER_RANK]
# [REPEATS] (the three world sizes run one after another, REPEATS times).
set -euo pipefail
cd "$(dirname "$0")/.."
ITERATIONS=${1:-8}
GAMES=${2:-8}
REPEATS=${3:-3}
BIN=${BIN:-build/mmap-opt}
OUT=data/results/scale
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# Six copies of one program: every rank's share costs the same to play whatever the world
# size (the smoke corpus's programs differ in size, so shares of it would not).
PROGRAM=${PROGRAM:-data/corpus/smoke/dlrm-small.training.b256.bf16.edge-npu.pb}
mkdir -p "$WORK/corpus"
for i in 0 1 2 3 4 5; do cp "$PROGRAM" "$WORK/corpus/copy$i.pb"; done
ARGS=(train --corpus "$WORK/corpus" --iterations "$ITERATIONS" --time-limit 3600
      --imitation-steps 20 --games "$GAMES" --simulations 8 --seed 1 --heldout-every 0
      --threads 1)

# Runs `train` over $1 ranks; rank 0's progress lines end in $WORK/w$1.log.
run() {
  local world=$1 port=$((20000 + RANDOM % 30000))
  if [[ $world == 1 ]]; then
    "$BIN" "${ARGS[@]}" -o "$WORK/w1.pt" 2> "$WORK/w1.log" > /dev/null
    return
  fi
  local pids=()
  for ((r = 0; r < world; r++)); do
    "$BIN" "${ARGS[@]}" -o "$WORK/w$world.pt" --world-size "$world" --rank "$r" \
      --master "127.0.0.1:$port" 2> "$WORK/w$world.r$r.log" > /dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  cp "$WORK/w$world.r0.log" "$WORK/w$world.log"
}

# Medians over the self-play iterations (1..) of rank 0's progress lines:
# "games/s steps/s bytes/step".
# "games/s games-per-CPU-s steps/s steps-per-CPU-s bytes/step" for $2 ranks: medians over
# the self-play iterations (1..) of the progress lines in $1. Per CPU-second: rank 0's share
# of the games (games / ranks) and its steps over the CPU time rank 0's process used on them.
medians() {
  sed -nE 's/^train: iteration ([0-9]+) .*play ([0-9]+) games ([0-9.]+) s, ([0-9.]+) s CPU; learn ([0-9]+) steps ([0-9.]+) s, ([0-9.]+) s CPU(, ([0-9]+) B sent per step)?.*/\1 \2 \3 \4 \5 \6 \7 \9/p' "$1" |
    awk -v world="$2" 'BEGIN { n = 0 }
      $1 > 0 { g[n] = $2 / $3; gc[n] = $2 / world / $4; s[n] = $5 / $6; sc[n] = $5 / $7; b[n] = $8 + 0; n++ }
      function median(a,   i, j, t) {
        for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2
      }
      END { printf "%.2f %.2f %.1f %.1f %.0f\n", median(g), median(gc), median(s), median(sc), median(b) }'
}

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for ((repeat = 1; repeat <= REPEATS; repeat++)); do
  for world in 1 2 3; do
    echo "dist_bench: $world rank(s), run $repeat of $REPEATS" >&2
    run "$world"
    cat "$WORK/w$world.log" >> "$WORK/all$world.log"
  done
done

# A rank lost mid-train: rank 1 of 2 killed (SIGKILL) once iteration 1 is on disk; how long
# rank 0 takes to stop, and what it says.
KILL_TIMEOUT=10
kill_port=$((20000 + RANDOM % 30000))
mkdir -p "$WORK/kill"
kill_pids=()
for r in 0 1; do
  "$BIN" "${ARGS[@]}" -o "$WORK/kill/m.pt" --world-size 2 --rank "$r" -q \
    --master "127.0.0.1:$kill_port" --dist-timeout "$KILL_TIMEOUT" 2> "$WORK/kill/r$r.log" &
  kill_pids+=($!)
done
until [[ -f $WORK/kill/m.pt.run/metrics.csv && $(wc -l < "$WORK/kill/m.pt.run/metrics.csv") -ge 3 ]]; do
  sleep 0.05
done
kill -9 "${kill_pids[1]}"
killed_at=$(date +%s.%N)
kill_rc=0
wait "${kill_pids[0]}" || kill_rc=$?
stop_s=$(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
wait "${kill_pids[1]}" 2> /dev/null || true
kill_message=$(tail -1 "$WORK/kill/r0.log")

read -r g1 gc1 s1 sc1 b1 < <(medians "$WORK/all1.log" 1)
read -r g2 gc2 s2 sc2 b2 < <(medians "$WORK/all2.log" 2)
read -r g3 gc3 s3 sc3 b3 < <(medians "$WORK/all3.log" 3)
# Gloo's ring all-reduce sends 2(N-1)/N of the payload per rank per step; the payload from the
# 2-rank measurement (where that factor is 1).
per_rank() { awk -v p="$b2" -v n="$1" 'BEGIN { printf "%.0f", 2 * (n - 1) / n * p }'; }

{
  cat <<EOF
# Scale-out on c10d + Gloo: measured throughput and traffic

Regenerate: \`tools/dist_bench.sh $ITERATIONS $GAMES $REPEATS\` (this file). Machine: $(nproc) cores
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), shared with other
work (load average $LOAD when the runs started), so the rates are noisy; all runs below are
from one invocation, $(date -u +%Y-%m-%d), at commit $(git rev-parse --short HEAD).

The corpus: six copies of \`$PROGRAM\` (so that every rank's share costs the same to play).
Each run: \`mmap-opt ${ARGS[*]//$WORK/WORK}\` with
\`--world-size N --rank R --master 127.0.0.1:PORT\` for N > 1 (all ranks on this machine).
The world sizes 1, 2, 3 ran one after another, $REPEATS times over. Figures are medians over
the $ITERATIONS self-play iterations of those $REPEATS runs, from rank 0's progress lines:
games/s = games of all ranks / time until the last rank finished playing; steps/s = training
steps (each averages the N ranks' gradients, so a step trains on N x 128 positions) / their
time, all-reduces included; per CPU-second: rank 0's share of the games (games / N) and its
steps over the CPU time its process used for them (all threads: on a machine this loaded a
rank gets a fraction of a core, so these say what distribution costs in work, the wall-clock
rates what a rank's share of the CPU bought); bytes = TCP payload bytes rank 0 sent and had acknowledged during
the steps (tcpi_bytes_acked of all its sockets, Gloo's and the store's; IP and TCP headers not
counted), divided by the steps.

| ranks | self-play games/s | games per CPU-s of a rank | training steps/s | steps per CPU-s of a rank | positions/s | bytes sent per step by rank 0 |
| --: | --: | --: | --: | --: | --: | --: |
| 1 | $g1 | $gc1 | $s1 | $sc1 | $(awk -v s="$s1" 'BEGIN { printf "%.0f", s * 128 }') | (no traffic) |
| 2 | $g2 | $gc2 | $s2 | $sc2 | $(awk -v s="$s2" 'BEGIN { printf "%.0f", s * 256 }') | $b2 |
| 3 | $g3 | $gc3 | $s3 | $sc3 | $(awk -v s="$s3" 'BEGIN { printf "%.0f", s * 384 }') | $b3 |

Ratios 2 ranks / 1: games/s x$(awk -v a="$g2" -v b="$g1" 'BEGIN { printf "%.2f", a / b }'),
positions/s x$(awk -v a="$s2" -v b="$s1" 'BEGIN { printf "%.2f", 2 * a / b }') of wall-clock rate; per CPU-second of a rank, games
x$(awk -v a="$gc2" -v b="$gc1" 'BEGIN { printf "%.2f", a / b }') and steps x$(awk -v a="$sc2" -v b="$sc1" 'BEGIN { printf "%.2f", a / b }') (what a rank of 2 does with the CPU it gets,
against one process alone: below 1 is the cost of the barriers, all-reduces and checksums).
Wall-clock speedups need the cores to be free: at this load each process got a fraction of
one. On 2 cores the third rank has no core of its own: its row shows the traffic.

What N machines would move per step: the gradient all-reduce is Gloo's ring, in which each rank
sends 2(N-1)/N of the payload (all gradients as float32 plus the loss), so rank 0's measured
$b2 B at N = 2 is the payload itself, and N = 3 predicts $(per_rank 3) B against the $b3 B
measured. Per rank per step, then: N = 4: $(per_rank 4) B, N = 8: $(per_rank 8) B, N = 16:
$(per_rank 16) B (each machine sends that much and receives as much, whatever N; the total
across the group is N times it). At 1 Gbit/s, $b2 B take $(awk -v b="$b2" 'BEGIN { printf "%.2f", b * 8 / 1e9 * 1000 }') ms per step.
A rank lost: with \`--dist-timeout $KILL_TIMEOUT\`, rank 1 of 2 was killed (SIGKILL) after iteration 1;
rank 0 stopped $stop_s s later with exit code $kill_rc and \`$kill_message\` (a rank is
lost after timeout / 4 without a heartbeat, which its own thread ticks in the store every
0.2 s; the test \`DistributedCliTest.AKilledRankStopsTheOthersAndResumeLosesNothing\` then
resumes the run and checks it against an uninterrupted one).

Besides the steps, once per iteration: a barrier and a few small all-reduces through the store
and Gloo, a parameter checksum every 20 steps, and each rank's replay buffer and generator
gathered to rank 0 for the checkpoint (the whole buffer, up to --replay-capacity moves).

## How it is built

- \`src/train/process_group.{h,cc}\`: a torch-free \`ProcessGroup\` (all-reduce, all-gather,
  gather, broadcast, barrier) on c10d: rank 0's \`TCPStore\` for the rendezvous, and
  \`ProcessGroupGloo\` for the collectives (Debian's libtorch 1.13 ships both; its
  \`ProcessGroupGloo.hpp\` needs libgloo-dev's headers). Gloo reports a dead peer as a closed
  connection without its rank and waits its whole timeout for a slow one, so every rank also
  ticks a counter in the store from a thread of its own: barriers (after uneven work: games,
  held-out games, rank 0's writes) wait as long as the ranks they wait for tick, and a failed
  collective names the rank whose counter stopped; a rank that fails for its own reason
  leaves its error in the store for the others to quote; rank 0's store gone means rank 0 is.
- \`src/train/data_parallel.{h,cc}\`: the gradient all-reduce (one buffer: every gradient and
  the loss) that \`TrainStep\` calls between backward and the optimizer step, the parameter
  checksum (FNV-1a of the bytes) compared across ranks, the shard of a corpus.
- \`src/train/trainer.cc\`: each rank imitates and plays on its share of the programs, with
  its own generator (rank 0's is the single-process one) and replay; rank 0's checkpoint holds
  every rank's generator and replay, and on \`--resume\` rank 0 reads it and broadcasts it, so
  only rank 0 needs the run folder. Same seed and world size, same metrics: the killed and
  resumed run of the test equals an uninterrupted one row for row, checksums included.
- \`src/train/distributed_solve.{h,cc}\`: \`solve --agent muzero|hybrid\` with a world size:
  every rank plays on the program with its own seed, rounds end together (a vote), learning
  averages gradients, and the best assignment of all ranks is gathered (rank 0 writes it).
- \`src/agents/bench/bench_wire.cc\`: bench rows as bytes (doubles as their bits); each rank
  runs programs rank, rank + N, ...; rank 0 merges them in corpus order, so \`--no-timings\`
  reports are byte for byte a single process's (tested at 2 and 3 ranks).

## Limits

- LibTorch 1.13's TCPStore has no bind address: the store's port listens on all interfaces
  (\`ss -ltn\` shows \`*:PORT\`) even when every rank is on this machine; Gloo's own sockets
  bind 127.0.0.1 unless a non-loopback master is named.
- Each rank's whole replay buffer travels to rank 0 at every checkpoint, not only its new games.
- Only one machine was available: two hosts were stood in for by naming this machine's eth0
  address (\`--master 192.0.2.2:PORT\`, \`GLOO_SOCKET_IFNAME=eth0\`), which bench and train ran.
- A world size changes what is learned (each step averages N batches, N x the games per
  iteration): metrics are reproducible per seed and world size, not equal across world sizes.
EOF
} > "$OUT/README.md"
echo "dist_bench: wrote $OUT/README.md" >&2
