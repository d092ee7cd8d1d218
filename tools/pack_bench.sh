#!/usr/bin/env bash
# Times `mmap-opt pack`, one run of this script for all the figures:
# - the MiniMalloc challenging files (capacity 1048576): median of 3 runs per file, then the
#   sum of the medians;
# - the idealloc traces (no capacity, stop within 1.001x of the lower bound): median of 3;
# - generated training traces (`mmap-opt gen training-trace`, 20k buffers, seeds 1-3, 2 and
#   8 extra cuts, no capacity, no tolerance): one run each of TRACE_S seconds, the peak
#   against the bound.
# Wall and CPU (user + sys) seconds of the whole process, start-up included; on a shared
# machine the CPU time is the steadier figure. Prints a markdown block; with README set, it
# also replaces the block between `<!-- pack_bench:LABEL begin/end -->` in that file (the
# markers are added at its end if missing).
# Usage: [README=data/results/packing/README.md] [LABEL=current] \
#        tools/pack_bench.sh [BUILD_DIR] [TIME_LIMIT_S] [TRACE_S]
# BUILD_DIR holds mmap-opt (and its libmmap_opt_core.so, for a copied baseline build);
# GEN_BIN (default: that mmap-opt) generates the traces, for a baseline without the generator;
# COMMIT (default: this checkout's HEAD) names the build's commit in the block.
set -euo pipefail
build=${1:-build}
limit=${2:-60}
trace_s=${3:-60}
label=${LABEL:-current}
root=$(cd "$(dirname "$0")/.." && pwd)
data=$root/../shared/data
bin=$build/mmap-opt
gen_bin=${GEN_BIN:-$bin}
export LD_LIBRARY_PATH="$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ -d "$data/minimalloc" ] || { echo "pack_bench: $data/minimalloc is missing" >&2; exit 1; }

# Runs pack once: sets wall, cpu and summary (its report line).
pack_once() {
  local TIMEFORMAT='%R %U %S' t
  t=$( { time "$bin" pack "$@" -o "$out/out.csv" >"$out/summary" 2>&1 || true; } 2>&1 )
  read -r wall user sys <<<"$t"
  cpu=$(echo "$user + $sys" | bc)
  summary=$(cat "$out/summary")
}
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

block=$out/block.md
{
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at ${COMMIT:-$(git -C "$root" rev-parse --short HEAD)}" \
    "($label), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start."
  echo
  echo "| file | answer | median wall s | median CPU s | summary (last run) |"
  echo "|---|---|---|---|---|"
} >"$block"
total_wall=0
total_cpu=0
run3() {  # file, extra args...
  local file=$1; shift
  local walls=() cpus=()
  for _ in 1 2 3; do
    pack_once "$file" --time-limit "$limit" "$@"
    walls+=("$wall"); cpus+=("$cpu")
  done
  mw=$(median3 "${walls[@]}"); mc=$(median3 "${cpus[@]}")
  printf '| %s | %s | %.2f | %.2f | %s |\n' "$(basename "$file" .csv)" "${summary%% *}" "$mw" \
    "$mc" "${summary#*: }" >>"$block"
}
for f in "$data"/minimalloc/challenging/*.1048576.csv; do
  run3 "$f" --capacity 1048576
  total_wall=$(echo "$total_wall + $mw" | bc); total_cpu=$(echo "$total_cpu + $mc" | bc)
done
printf '| challenging total | | %.2f | %.2f | |\n' "$total_wall" "$total_cpu" >>"$block"
for f in resnet50 G_1 S_1; do run3 "$data/idealloc/$f.csv" --tolerance 0.001; done
# S_1 once more without the tolerance: how close ruin and recreate gets in the whole limit.
pack_once "$data/idealloc/S_1.csv" --time-limit "$limit"
printf '| S_1, no tolerance, one run | %s | %.2f | %.2f | %s |\n' "${summary%% *}" "$wall" "$cpu" \
  "${summary#*: }" >>"$block"

{
  echo
  echo "Generated training traces (\`mmap-opt gen training-trace --seed S --extra-cuts K\`, 20k"
  echo "buffers, tight at K + 1 busy times; K = 8 is the default), no capacity, no tolerance,"
  echo "\`--time-limit $trace_s\`, one run each:"
  echo
  echo "| extra cuts | seed | buffers | peak / lower bound | wall s | CPU s | by |"
  echo "|---|---|---|---|---|---|---|"
} >>"$block"
for cuts in 2 8; do
  ratios=()
  for seed in 1 2 3; do
    LD_LIBRARY_PATH=$(dirname "$gen_bin") "$gen_bin" gen training-trace --seed "$seed" --extra-cuts "$cuts" -o "$out/trace.csv" >/dev/null
    pack_once "$out/trace.csv" --time-limit "$trace_s"
    ratio=$(sed -n 's/.*(\([0-9.]*\)x.*/\1/p' <<<"$summary")
    buffers=$(sed -n 's/.*(\([0-9]*\) buffers.*/\1/p' <<<"$summary")
    by=$(sed -n 's/.*, by \([^,]*\),.*/\1/p' <<<"$summary")
    ratios+=("$ratio")
    printf '| %s | %s | %s | %sx | %.1f | %.1f | %s |\n' "$cuts" "$seed" "$buffers" "$ratio" \
      "$wall" "$cpu" "$by" >>"$block"
  done
  printf '| %s | median | | %sx | | | |\n' "$cuts" "$(median3 "${ratios[@]}")" >>"$block"
done

cat "$block"
if [ -n "${README:-}" ]; then
  begin="<!-- pack_bench:$label begin -->"
  end="<!-- pack_bench:$label end -->"
  grep -qF "$begin" "$README" || printf '\n%s\n%s\n' "$begin" "$end" >>"$README"
  python3 - "$README" "$begin" "$end" "$block" <<'EOF'
import os, sys
path, begin, end, block = sys.argv[1:]
text = open(path).read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
new = head + begin + "\n" + open(block).read() + end + tail
tmp = path + ".tmp"
open(tmp, "w").write(new)
os.replace(tmp, path)
EOF
fi
