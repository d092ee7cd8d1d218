#!/usr/bin/env bash
# Regenerates data/results/exact/: one `mmap-opt bench` over the six smoke programs and small
# generated programs (tens of buffers): the exact agent with a wall-clock limit per program,
# next to the heuristic, heuristic-tuned, muzero and hybrid (at their step budgets) and the
# capacity bound. Writes results.json (bench's), bench.md (bench's tables, the gap to the best
# proven bound among them), run_note.txt (limit, wall time, load) and README.md (the text of
# tools/exact_report.md, then the measured tables).
# Usage: tools/exact_report.sh [TIME_LIMIT_S (120)] [BUILD_DIR (build)] [JOBS (1)]
# JOBS > 1 solves that many programs at once (each CBC solve is single-threaded).
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-120}
bin=${2:-build}/mmap-opt
jobs=${3:-1}
out=data/results/exact
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/corpus"

# Small generated programs: families at small batch / sequence / image sizes, on two targets.
specs=(
  "bert --size tiny --batch 1 --seq 16" "bert --size tiny --batch 1 --seq 32"
  "bert --size tiny --batch 2 --seq 64" "gpt2 --size tiny --mode decode --batch 1 --seq 64"
  "gpt2 --size tiny --mode decode --batch 4 --seq 128" "gpt2 --size tiny --batch 1 --seq 16"
  "lstm-seq2seq --size small --batch 4 --seq 4" "lstm-seq2seq --size small --batch 8 --seq 8"
  "alexnet --batch 1 --seq 64" "alexnet --batch 2 --seq 96"
  "dlrm --batch 32" "dlrm --batch 128"
)
cp data/corpus/smoke/*.pb "$work/corpus/"
i=0
for spec in "${specs[@]}"; do
  for hw in edge-npu tpuv4i-vmem; do
    i=$((i + 1))
    file="$work/corpus/gen$(printf %02d $i).$(echo "$spec" | tr -s ' -' '_.').$hw.pb"
    # shellcheck disable=SC2086
    "$bin" gen $spec --hardware "$hw" -o "$file" >/dev/null
  done
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
# bench fails the run when heuristic-tuned or hybrid is slower than the heuristic (its
# --never-worse gate) after writing its tables: they are reported all the same.
rc=0
"$bin" bench --corpus "$work/corpus" --agents heuristic-tuned,muzero,hybrid,exact \
  --exact-time-limit "$limit" -j "$jobs" --out "$work/bench" || rc=$?
[ -f "$work/bench/results.json" ] || exit "$rc"
wall=$(($(date +%s) - started))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cp "$work/bench/results.json" "$out/results.json"
cp "$work/bench/results.md" "$out/bench.md"
rm -f "$out/results.jsonl"
echo "limit=$limit; jobs=$jobs; wall=${wall}s; load_before=$load_before; load_after=$load_after; cores=$(nproc)" >"$out/run_note.txt"
# The README alone (after editing tools/exact_report.md or exact_table.py) is regenerated from
# the committed results by: python3 tools/exact_table.py data/results/exact >data/results/exact/README.md
python3 tools/exact_table.py "$out" >"$out/README.md"
tail -n 6 "$out/README.md"
