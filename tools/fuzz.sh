#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang++-14 with ASan and UBSan) into build-fuzz/ and runs
# every one of them for SECONDS each (default 60), FUZZ_JOBS at a time (default 2).
#
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]
#   FUZZ_REPORT=FILE   also write the per-target figures as a Markdown table to FILE
#   FUZZ_BUILD=DIR     build folder (default build-fuzz)
#   FUZZ_WORKERS=N     libFuzzer processes per target, sharing its corpus (default 1)
#
# Corpora: each target starts from fuzz/seeds/<target>/ (a small checked-in set),
# fuzz/regressions/<target>/ (every crash found so far), the matching files of data/ and
# tests/testdata/ and, when present, ../shared/data; what it grows is kept in
# $FUZZ_BUILD/corpus/<target>/ (never committed). A crash or hang leaves its input in
# $FUZZ_BUILD/artifacts/<target>/ and makes the script exit 1: minimise it
# (<target>_fuzzer -minimize_crash=1 -runs=10000 FILE), check it in under
# fuzz/regressions/<target>/ and fix the bug; tests/fuzz/fuzz_regression_test.cc replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${FUZZ_JOBS:-2}
ALL_TARGETS=(hlo_import minimalloc_csv proto_binary proto_text proto_json schedule)
TARGETS=("${@:-${ALL_TARGETS[@]}}")
[[ $# -eq 0 ]] && TARGETS=("${ALL_TARGETS[@]}")
SHARED=../shared/data

if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  CXX=${FUZZ_CXX:-clang++-14} cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMMAP_OPT_FUZZ=ON -DMMAP_OPT_WITH_TORCH=OFF -DMMAP_OPT_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" -j "${JOBS}" --target fuzzers >/dev/null

# Seeds: a target's own folders plus the repository's (and shared) files it reads.
seed_files() {
  local target=$1
  case $target in
    hlo_import) find tests/testdata data "$SHARED/hlo" -name '*.hlo' -size -2M 2>/dev/null ;;
    minimalloc_csv) find tests/testdata data "$SHARED/minimalloc" "$SHARED/idealloc" \
                      -name '*.csv' -size -256k 2>/dev/null ;;
    proto_binary) find tests/testdata data/corpus/smoke -name '*.pb' -size -64k 2>/dev/null ;;
    proto_text) find tests/testdata data/examples -name '*.txtpb' -size -64k 2>/dev/null ;;
    proto_json) find tests/testdata data/examples -name '*.json' -size -64k 2>/dev/null ;;
    schedule) ;;
  esac
}

# One libFuzzer process on a target for SECONDS_EACH seconds of wall time. A crash or hang
# stops libFuzzer; the input is kept in the artifacts folder and fuzzing goes on from the grown
# corpus for the rest of the time, so one shallow bug does not end a campaign. Writes
# $BUILD/logs/<target>.w<worker>.stats: executions, CPU seconds, cov, ft, crashes.
run_worker() {
  local target=$1 worker=$2
  local corpus=$BUILD/corpus/$target seeds=$BUILD/seeds/$target
  local artifacts=$BUILD/artifacts/$target logs=$BUILD/logs
  local dict=()
  [[ -f fuzz/dict/$target.dict ]] && dict=(-dict="fuzz/dict/$target.dict")
  local deadline=$(($(date +%s) + SECONDS_EACH)) execs=0 cpu=0 crashes=0 run=0 cov=0 ft=0
  while (($(date +%s) < deadline)); do
    run=$((run + 1))
    local log=$logs/$target.w$worker.$run.log
    # -malloc_limit_mb: no input may make the code allocate more than this (bounded memory).
    # -timeout is wall time: 60 s, since a starved fuzzer on a shared machine gets 3% of a core.
    /usr/bin/time -f "%U %S" -o "$log.time" \
      "$BUILD/fuzz/${target}_fuzzer" -max_total_time=$((deadline - $(date +%s))) -timeout=60 \
      -rss_limit_mb=2560 -malloc_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      "${dict[@]}" -artifact_prefix="$artifacts/" "$corpus" "$seeds" >"$log" 2>&1 || true
    local e
    e=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    execs=$((execs + ${e:-0}))
    cpu=$(awk -v c="$cpu" 'NR == 1 {printf "%.1f", c + $1 + $2}' "$log.time" 2>/dev/null || echo "$cpu")
    local last c f
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    c=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
    f=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
    ((${c:-0} > cov)) && cov=$c
    ((${f:-0} > ft)) && ft=$f
    if grep -q -E '^==[0-9]+==ERROR|fuzz check failed|runtime error|ERROR: libFuzzer' "$log"; then
      crashes=$((crashes + 1))
    fi
  done
  echo "$execs $cpu $cov $ft $crashes $run" >"$logs/$target.w$worker.stats"
}

# FUZZ_WORKERS processes on one target sharing its corpus (libFuzzer picks up what the others
# add); their figures summed into $BUILD/logs/<target>.stats (cov and ft: the best worker's).
run_target() {
  local target=$1
  local corpus=$BUILD/corpus/$target seeds=$BUILD/seeds/$target
  local artifacts=$BUILD/artifacts/$target logs=$BUILD/logs
  mkdir -p "$corpus" "$seeds" "$artifacts" "$logs"
  rm -f "$seeds"/* "$artifacts"/* "$logs/$target".*
  for dir in fuzz/seeds/$target fuzz/regressions/$target; do
    [[ -d $dir ]] && cp -f "$dir"/* "$seeds"/ 2>/dev/null || true
  done
  local n=0
  while IFS= read -r file; do
    cp -f "$file" "$seeds/repo-$n-$(basename "$file")"
    n=$((n + 1))
  done < <(seed_files "$target")
  local worker
  for ((worker = 1; worker <= ${FUZZ_WORKERS:-1}; ++worker)); do
    run_worker "$target" "$worker" &
  done
  wait
  cat "$logs/$target".w*.stats | awk '{e += $1; c += $2; if ($3 > v) v = $3; if ($4 > f) f = $4;
    x += $5; r += $6} END {printf "%d %.1f %d %d %d %d\n", e, c, v, f, x, r}' >"$logs/$target.stats"
}

status=0
pids=()
declare -A pid_of
for target in "${TARGETS[@]}"; do
  while (($(jobs -rp | wc -l) >= JOBS)); do wait -n || true; done
  run_target "$target" &
  pid_of[$target]=$!
done
for target in "${TARGETS[@]}"; do
  wait "${pid_of[$target]}" || true
done

# Per target: executions, coverage (cov = edges, ft = features), corpus size, CPU seconds.
table="| target | wall s | CPU s | executions | exec/CPU s | cov | ft | corpus | crashes/hangs |
|---|---:|---:|---:|---:|---:|---:|---:|---|"
for target in "${TARGETS[@]}"; do
  read -r execs cpu cov ft crashes runs <"$BUILD/logs/$target.stats"
  rate=$(awk -v e="$execs" -v c="$cpu" 'BEGIN {printf "%.0f", (c > 0 ? e / c : 0)}')
  files=$(find "$BUILD/corpus/$target" -type f | wc -l)
  verdict=none
  if ((crashes > 0)); then
    verdict="$crashes FOUND: $(find "$BUILD/artifacts/$target" -type f -printf '%f ' | head -c 200)"
    status=1
  fi
  table+="
| $target | $SECONDS_EACH | $cpu | $execs | $rate | $cov | $ft | $files | $verdict |"
done
echo "$table"
if [[ -n "${FUZZ_REPORT:-}" ]]; then
  echo "$table" >"$FUZZ_REPORT"
fi
if ((status != 0)); then
  echo "fuzz: a target found a crash or hang; see $BUILD/logs/ and $BUILD/artifacts/" >&2
fi
exit $status
