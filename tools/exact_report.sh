#!/usr/bin/env bash
# Regenerates data/results/exact/: the exact agent (issue 19) on the six smoke programs and on
# small generated programs (tens of buffers), each with a wall-clock limit, next to the
# heuristic and the capacity bound. Prints progress; writes results.jsonl and README.md (the text of
# tools/exact_report.md, then the measured table).
# Usage: tools/exact_report.sh [TIME_LIMIT_S (120)] [BUILD_DIR (build)]
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-120}
bin=${2:-build}/mmap-opt
out=data/results/exact
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# Small generated programs: families at small batch / sequence / image sizes, on two targets.
specs=(
  "bert --size tiny --batch 1 --seq 16" "bert --size tiny --batch 1 --seq 32"
  "bert --size tiny --batch 2 --seq 64" "gpt2 --size tiny --mode decode --batch 1 --seq 64"
  "gpt2 --size tiny --mode decode --batch 4 --seq 128" "gpt2 --size tiny --batch 1 --seq 16"
  "lstm-seq2seq --size small --batch 4 --seq 4" "lstm-seq2seq --size small --batch 8 --seq 8"
  "alexnet --batch 1 --seq 64" "alexnet --batch 2 --seq 96"
  "dlrm --batch 32" "dlrm --batch 128"
)
programs=(data/corpus/smoke/*.pb)
i=0
for spec in "${specs[@]}"; do
  for hw in edge-npu tpuv4i-vmem; do
    i=$((i + 1))
    file="$work/gen$(printf %02d $i).$(echo "$spec" | tr -s ' -' '_.').$hw.pb"
    # shellcheck disable=SC2086
    "$bin" gen $spec --hardware "$hw" -o "$file" >/dev/null
    programs+=("$file")
  done
done

: >"$work/results.jsonl"
for program in "${programs[@]}"; do
  heuristic=$("$bin" solve "$program" --agent heuristic --json)
  exact=$("$bin" solve "$program" --agent exact --time-limit "$limit" --json) ||
    exact='{"error":"failed"}'
  echo "{\"file\":\"$(basename "$program")\",\"heuristic\":$heuristic,\"exact\":$exact}" |
    tee -a "$work/results.jsonl" | cut -c1-160
done
cp "$work/results.jsonl" "$out/results.jsonl"
python3 tools/exact_table.py "$out/results.jsonl" "$limit" tools/exact_report.md >"$out/README.md"
tail -n 4 "$out/README.md"
