#!/usr/bin/env bash
# Steps per second of the MallocGame (random policy, whole games) and the heuristic's time on
# ResNet-101 training (build/agents_bench: BM_GameSteps, BM_HeuristicCorpus), CPU time.
# With BASELINE_LIB=DIR (a folder holding an older build's libmmap_opt_core.so) the same
# benchmark binary runs against that library too, interleaved run by run (BASELINE_NAME: how
# the report names it).
# Writes data/results/speed/game.md and regenerates data/results/speed/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
BENCH=build/agents_bench
[[ -x $BENCH ]] || { echo "game_speed_bench: build $BENCH first (needs libbenchmark-dev)" >&2; exit 1; }
python3 - "$BENCH" "${BASELINE_LIB:-}" "$RUNS" "${BASELINE_NAME:-${BASELINE_LIB:-}}" <<'PY'
import json, os, statistics, subprocess, sys, time
bench, baseline_lib, runs, baseline_name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def run(lib):
    env = dict(os.environ)
    if lib:
        env["LD_LIBRARY_PATH"] = lib
    out = subprocess.run([bench, "--benchmark_filter=BM_GameSteps|BM_HeuristicCorpus",
                          "--benchmark_min_time=2", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True, env=env).stdout
    found = {b["name"]: b for b in json.loads(out)["benchmarks"]}
    return found["BM_GameSteps"]["items_per_second"], found["BM_HeuristicCorpus"]["cpu_time"]
variants = [("this build", "")] + ([("baseline", baseline_lib)] if baseline_lib else [])
results = {name: [] for name, _ in variants}
for _ in range(runs):
    for name, lib in variants:
        results[name].append(run(lib))
lines = ["## The game and the heuristic (tools/game_speed_bench.sh)", "",
         f"`RUNS={runs}{' BASELINE_LIB=' + baseline_lib if baseline_lib else ''} tools/game_speed_bench.sh`,"
         f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average"
         f" {os.getloadavg()[0]:.1f}; ResNet-101 training (data/corpus/test), medians, CPU time"
         " (Google Benchmark), run by run interleaved.", "",
         "| core library | game steps/s (random policy) | heuristic run, ms CPU |", "|---|---|---|"]
for name, lib in variants:
    steps = statistics.median(r[0] for r in results[name])
    heuristic = statistics.median(r[1] for r in results[name])
    lines.append(f"| {name}{' (' + baseline_name + ')' if lib else ''} | {steps / 1000:.1f}k | {heuristic:.2f} |")
with open("data/results/speed/game.md.tmp", "w") as f:
    f.write("\n".join(lines) + "\n")
os.replace("data/results/speed/game.md.tmp", "data/results/speed/game.md")
print("\n".join(lines))
PY
tools/speed_report.sh
