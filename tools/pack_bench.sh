#!/usr/bin/env bash
# Times `mmap-opt pack` on the MiniMalloc challenging files (capacity 1048576) and the idealloc
# traces (no capacity, stop within 1.001x of the lower bound): the median of 3 runs per file,
# one line per file, then the sum of the challenging files' medians. Wall seconds of the whole
# process (its start-up included); the summary's last figure is Pack's own time.
# Usage: tools/pack_bench.sh [BUILD_DIR] [TIME_LIMIT_S]
set -euo pipefail
build=${1:-build}
limit=${2:-60}
data=$(cd "$(dirname "$0")/.." && pwd)/../shared/data
bin=$build/mmap-opt
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
total=0
run() {  # file, extra args...: prints "| file | answer | median s | summary |"
  local file=$1; shift
  local times=()
  local last=""
  for _ in 1 2 3; do
    local start end rc=0
    start=$(date +%s.%N)
    last=$("$bin" pack "$file" -o "$out/out.csv" --time-limit "$limit" "$@" 2>&1) || rc=$?
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
  total=$(echo "$total + $median" | bc)
  printf '| %s | %s | %.2f | %s |\n' "$(basename "$file" .csv)" "${last%% *}" "$median" "${last#*: }"
}
echo "| file | answer | median s | summary |"
echo "|---|---|---|---|"
for f in "$data"/minimalloc/challenging/*.1048576.csv; do run "$f" --capacity 1048576; done
printf '| challenging total | | %.2f | |\n' "$total"
for f in resnet50 G_1 S_1; do run "$data/idealloc/$f.csv" --tolerance 0.001; done
