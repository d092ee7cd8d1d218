#!/usr/bin/env bash
# heuristic-tuned's order search speed (issue 16): order steps per CPU second on every
# data/corpus/test program (build/agents_bench: BM_TunedOrderSteps, 50 steps after the base run,
# no knob grid), re-running the whole heuristic each step (the way before issue 16, still
# HeuristicTuning::incremental = false) against re-planning from the first buffer whose place
# changed, in one run, run by run interleaved. With BASELINE_LIB=DIR (a folder holding an older
# build's libmmap_opt_core.so; its full re-run or, from c0a6281 on, its incremental mode: both
# give the same results) the same benchmark runs against that library too (BASELINE_NAME: its
# name), and likewise BASELINE2_LIB / BASELINE2_NAME. Every variant must reach the same
# latency on every program (the same search, step for step).
# Writes data/results/speed/replan.md and regenerates data/results/speed/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
BENCH=build/agents_bench
[[ -x $BENCH ]] || { echo "tuned_speed_bench: build $BENCH first (needs libbenchmark-dev)" >&2; exit 1; }
python3 - "$BENCH" "$RUNS" "${BASELINE_LIB:-}" "${BASELINE_NAME:-${BASELINE_LIB:-}}" \
  "${BASELINE2_LIB:-}" "${BASELINE2_NAME:-${BASELINE2_LIB:-}}" <<'PY'
import json, os, statistics, subprocess, sys, time
bench, runs = sys.argv[1], int(sys.argv[2])
baselines = [(sys.argv[i + 1], sys.argv[i]) for i in (3, 5) if sys.argv[i]]  # (name, lib)
def run(lib, modes):
    env = dict(os.environ)
    if lib:
        env["LD_LIBRARY_PATH"] = lib
    out = subprocess.run([bench, f"--benchmark_filter=BM_TunedOrderSteps/.*/({modes})$",
                          "--benchmark_min_time=0.2", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True, env=env).stdout
    found = {}
    for b in json.loads(out)["benchmarks"]:
        _, program, mode = b["name"].split("/")
        found[(program, mode)] = (b["items_per_second"], b["latency_s"], b["planned_share"])
    return found
variants = [("full re-run (incremental = false)", "", "0"), ("incremental (this build)", "", "1")]
variants += [(f"full re-run, {name}", lib, "0") for name, lib in baselines]
per = {name: {} for name, _, _ in variants}
latency, planned = {}, {}
for _ in range(runs):
    for name, lib, mode in variants:
        for (program, _), (steps, lat, share) in run(lib, mode).items():
            per[name].setdefault(program, []).append(steps)
            latency.setdefault((name, program), set()).add(lat)
            planned[(name, program)] = share
programs = sorted(per[variants[0][0]])
full, incr = variants[0][0], variants[1][0]
mismatch = [(name, p) for name, _, _ in variants for p in programs
            if len(latency[(name, p)]) != 1 or latency[(name, p)] != latency[(incr, p)]]
if mismatch:
    sys.exit(f"tuned_speed_bench: different latencies (variant, program): {mismatch}")
def med(name, p): return statistics.median(per[name][p])
lines = ["## heuristic-tuned's order search (tools/tuned_speed_bench.sh)", "",
         f"`RUNS={runs}" + "".join(f" BASELINE{'' if i == 0 else i + 1}_LIB={lib}"
                                   for i, (_, lib) in enumerate(baselines)) +
         " tools/tuned_speed_bench.sh`,"
         f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average"
         f" {os.getloadavg()[0]:.1f}; order steps per CPU second (Google Benchmark,"
         " `BM_TunedOrderSteps`: 50 steps after the base run, no knob grid, seed 0), medians of"
         " the runs, run by run interleaved. Every column reached the same latency on every"
         " program (the same search, step for step).",
         " *Planned*: the share of the buffers a full re-run would plan that the incremental steps"
         " planned (the rest kept from the plan before).",
         "", "| program | " + " | ".join(name for name, _, _ in variants) + " | incremental / full | planned |",
         "|---|" + "--:|" * (len(variants) + 2)]
ratios = []
for p in programs:
    ratio = med(incr, p) / med(full, p)
    ratios.append(ratio)
    lines.append(f"| {p.removesuffix('.pb')} | " +
                 " | ".join(f"{med(name, p):.1f}" for name, _, _ in variants) +
                 f" | {ratio:.2f}x | {100 * planned[(incr, p)]:.1f}% |")
lines.append("| **median over the 16 test programs** | " +
             " | ".join(f"**{statistics.median(med(name, p) for p in programs):.1f}**" for name, _, _ in variants) +
             f" | **{statistics.median(ratios):.2f}x** | |")
for i, (name, _) in enumerate(baselines):
    base = variants[2 + i][0]
    vs = [med(incr, p) / med(base, p) for p in programs]
    lines += ["", f"This build's incremental search against the {name} library: median"
              f" {statistics.median(vs):.2f}x the steps per second (range {min(vs):.2f}x to {max(vs):.2f}x)."]
with open("data/results/speed/replan.md.tmp", "w") as f:
    f.write("\n".join(lines) + "\n")
os.replace("data/results/speed/replan.md.tmp", "data/results/speed/replan.md")
print("\n".join(lines))
PY
tools/speed_report.sh
