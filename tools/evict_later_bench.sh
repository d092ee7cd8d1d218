#!/usr/bin/env bash
# Eviction moves (evict later, issue 14): muzero against heuristic-tuned at the same time limit
# per program, without eviction moves (--eviction-deviations 0: muzero as before the lever)
# and with them (the default), one `bench --jobs 1` run each, one after the other.
# Usage: tools/evict_later_bench.sh [BUILD_DIR] [SECONDS] [OUT_DIR] PROGRAM...
#   OUT_DIR gets before/ and after/ (bench's results.md/.csv/.json and plots) and their logs.
set -euo pipefail
build=${1:-build}
seconds=${2:-20}
out=${3:-bench-results/evict-later}
shift $(($# < 3 ? $# : 3))
if (($# == 0)); then
  echo "usage: $0 [BUILD_DIR] [SECONDS] [OUT_DIR] PROGRAM..." >&2
  exit 2
fi
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
for program in "$@"; do ln -s "$(realpath "$program")" "$corpus/"; done
mkdir -p "$out"
run() {  # NAME, extra bench flags...
  local name=$1
  shift
  "$build/mmap-opt" bench --corpus "$corpus" --agents heuristic-tuned,muzero \
    --time-limit "$seconds" --jobs 1 --out "$out/$name" "$@" >"$out/$name.log" 2>&1
}
run before --eviction-deviations 0
run after
grep -hE '^\| (heuristic-tuned|muzero) \| [0-9]+ \| [0-9]+ \| [0-9]+ \|' "$out/before/results.md" "$out/after/results.md"
