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
ITERATIONS=20
ARGS=(train --corpus ../corpus --seed 7 --iterations $ITERATIONS --imitation-steps 30 --games 2
      --simulations 2 --heldout-every 0 --time-limit 100000 -q -o model.pt)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
start_ms=$(now_ms)
(cd "$WORK/straight" && exec "$BIN" "${ARGS[@]}" >/dev/null) &
straight=$!
first_ms=0  # When the first checkpoint (iteration 0) was written.
while kill -0 "$straight" 2>/dev/null; do
  if ((first_ms == 0)) && [[ -f "$WORK/straight/model.pt.run/metrics.csv" ]]; then
    first_ms=$(($(now_ms) - start_ms))
  fi
  sleep 0.05
done
wait "$straight"
span_ms=$(($(now_ms) - start_ms))
((first_ms == 0)) && first_ms=$span_ms

# Kill k interrupts iteration (k - 1) * ITERATIONS / KILLS, so that the kills spread over
# every iteration whatever the machine's load: the resumed run is watched until that iteration
# is under way, then killed after a random (seeded) delay of up to one iteration's time (the
# straight run's mean; for iteration 0, the time to its first checkpoint, start-up included).
# The delays land in the games, the Adam steps and the writes of the model, checkpoint and
# metrics alike. A run that finishes before its kill does not count (at most 2 x KILLS runs).
# After the last kill the run is resumed to the end.
# Start-up (torch, corpus, heuristic, checkpoint): a resume of the finished run, which has
# nothing left to do.
start_ms=$(now_ms)
cp -r "$WORK/straight" "$WORK/startup"
(cd "$WORK/startup" && "$BIN" "${ARGS[@]}" --resume >/dev/null)
startup_ms=$(($(now_ms) - start_ms))
RANDOM=$SEED
iteration_ms=$(((span_ms - first_ms) / ITERATIONS))
last_finished() {
  local last
  last=$( (tail -n +2 "$WORK/killed/model.pt.run/metrics.csv" 2>/dev/null || true) | tail -1 |
         cut -d, -f1)
  echo "${last:--1}"
}
killed=0 finished_early=0 attempt=0
while ((killed < KILLS && attempt < 2 * KILLS)); do
  attempt=$((attempt + 1))
  target=$((killed * ITERATIONS / KILLS))
  window_ms=$((target == 0 ? first_ms : iteration_ms))
  delay_ms=$(((RANDOM * 32768 + RANDOM) % (window_ms > 0 ? window_ms : 1)))
  launched_ms=$(now_ms)
  (cd "$WORK/killed" && exec "$BIN" "${ARGS[@]}" --resume >/dev/null 2>&1) &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && (($(last_finished) < target - 1)); do sleep 0.02; done
  # A run that resumed right into its target iteration is still starting up: wait most of
  # that out (start-up varies with the load; a kill in it is a fine kill too).
  since_ms=$(($(now_ms) - launched_ms))
  if ((target > 0 && since_ms < startup_ms)); then
    delay_ms=$((delay_ms + (startup_ms - since_ms) * 3 / 4))
  fi
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -KILL "$pid" 2>/dev/null; then
    killed=$((killed + 1))
    outcome="killed"
  else
    finished_early=$((finished_early + 1))
    outcome="finished before the kill"
  fi
  wait "$pid" 2>/dev/null || true
  echo "train_soak: run $attempt aimed at iteration $target, ${delay_ms} ms in: $outcome;" \
       "last finished iteration $(last_finished)"
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
((killed < KILLS)) && { echo "train_soak: FAIL: only $killed kills landed" >&2; status=1; }
echo "train_soak: $killed runs killed, $finished_early finished before their kill;" \
     "straight run ${span_ms} ms (first checkpoint at ${first_ms} ms), start-up ${startup_ms} ms"
exit $status
