#!/usr/bin/env bash
# Kill-soak of `mmap-opt train` (issue 18): one uninterrupted run, then the same run killed
# with SIGKILL at KILLS random moments (seeded) and resumed with --resume each time, then
# resumed to the end. Passes when both end with byte-identical models and the same metrics
# (every column of metrics.csv but elapsed_s, which is wall time).
#
# Usage: tools/train_soak.sh [KILLS] [SEED]      (defaults: 20 kills, seed 1)
#   MMAP_OPT=binary (default build/mmap-opt); SOAK_DIR=folder to keep the runs in.
# A tiny corpus (two smoke programs) and few iterations: about a minute on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-20}
SEED=${2:-1}
BIN=$(realpath "${MMAP_OPT:-build/mmap-opt}")
WORK=${SOAK_DIR:-$(mktemp -d)}
[[ -z "${SOAK_DIR:-}" ]] && trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/corpus" "$WORK/straight" "$WORK/killed"
cp data/corpus/smoke/gpt2-tiny.*.pb data/corpus/smoke/bert-tiny.*.pb "$WORK/corpus/"
ARGS=(train --corpus ../corpus --seed 7 --iterations 6 --imitation-steps 30 --games 2
      --simulations 2 --heldout-every 0 --time-limit 100000 -q -o model.pt)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
start_ms=$(now_ms)
(cd "$WORK/straight" && "$BIN" "${ARGS[@]}" >/dev/null)
span_ms=$(($(now_ms) - start_ms))

# Kill moments uniform over (0.2 s, the straight run's duration): before the first checkpoint,
# inside iterations and inside the writes of the model, checkpoint and metrics.
RANDOM=$SEED
killed=0 finished_early=0
for ((k = 1; k <= KILLS; ++k)); do
  delay_ms=$((200 + (RANDOM * 32768 + RANDOM) % (span_ms > 200 ? span_ms - 200 : 1)))
  (cd "$WORK/killed" && exec "$BIN" "${ARGS[@]}" --resume >/dev/null 2>&1) &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -KILL "$pid" 2>/dev/null; then
    killed=$((killed + 1))
  else
    finished_early=$((finished_early + 1))
  fi
  wait "$pid" 2>/dev/null || true
  iteration=$(tail -n +2 "$WORK/killed/model.pt.run/metrics.csv" 2>/dev/null | tail -1 | cut -d, -f1)
  echo "train_soak: kill $k at ${delay_ms} ms: last finished iteration ${iteration:-none}"
done
(cd "$WORK/killed" && "$BIN" "${ARGS[@]}" --resume >/dev/null)

status=0
if cmp -s "$WORK/straight/model.pt" "$WORK/killed/model.pt"; then
  echo "train_soak: models identical ($(stat -c %s "$WORK/straight/model.pt") bytes)"
else
  echo "train_soak: FAIL: the models differ" >&2
  status=1
fi
metrics() { cut -d, -f1-7 "$1/model.pt.run/metrics.csv"; }
if diff <(metrics "$WORK/straight") <(metrics "$WORK/killed") >/dev/null; then
  echo "train_soak: metrics identical ($(($(metrics "$WORK/straight" | wc -l) - 1)) iterations)"
else
  echo "train_soak: FAIL: the metrics differ:" >&2
  diff <(metrics "$WORK/straight") <(metrics "$WORK/killed") >&2 || true
  status=1
fi
echo "train_soak: $killed runs killed, $finished_early finished before their kill;" \
     "straight run ${span_ms} ms"
exit $status
