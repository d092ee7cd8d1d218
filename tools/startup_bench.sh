#!/usr/bin/env bash
# Startup cost of a compiler pass, as a user pays it: wall time of `mmap-opt --version`, and of
# `import hlo` of the Llama-3 HLO (../shared/data) followed by `solve --agent heuristic`.
# Medians of RUNS runs (default 5). With BASELINE=/path/to/an/older/mmap-opt the same commands
# run with it too, interleaved run by run, so both see the same machine load.
# Writes data/results/speed/startup.md and regenerates data/results/speed/README.md.
#   tools/startup_bench.sh [BINARY]            (default build/mmap-opt)
set -euo pipefail
cd "$(dirname "$0")/.."
BINARY=${1:-build/mmap-opt}
RUNS=${RUNS:-5}
HLO=../shared/data/hlo/hlo_llama3_8b_cp_bf16_1x4.hlo
[[ -f $HLO ]] || { echo "startup_bench: $HLO not found (../shared/data is beside the checkout)" >&2; exit 1; }
python3 - "$BINARY" "${BASELINE:-}" "$RUNS" "$HLO" <<'PY'
import os, resource, statistics, subprocess, sys, tempfile, time
binary, baseline, runs, hlo = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
tmp = tempfile.mkdtemp()
cpu_total = [0.0]  # CPU seconds (user + system) of the last command, besides its wall time.
def wall(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_total[0] += after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed
def cpu(measure, *args):
    cpu_total[0] = 0.0
    seconds = measure(*args)
    return seconds, cpu_total[0]
def pass_(b):
    prog = os.path.join(tmp, "llama.pb")
    return wall([b, "import", "hlo", hlo, "-o", prog]) + wall(
        [b, "solve", prog, "--agent", "heuristic", "-o", os.path.join(tmp, "a.pb")])
binaries = [("this build", binary)] + ([("baseline", baseline)] if baseline else [])
for _, b in binaries:  # Warm the page cache.
    wall([b, "--version"]); pass_(b)
version = {name: [] for name, _ in binaries}
llama = {name: [] for name, _ in binaries}
for _ in range(runs):
    for name, b in binaries:
        version[name].append(cpu(wall, [b, "--version"]))
        llama[name].append(cpu(pass_, b))
def med(runs_, i):
    return 1000 * statistics.median(r[i] for r in runs_)
def ldd_torch(b):
    out = subprocess.run(["ldd", b], capture_output=True, text=True).stdout
    return sum("torch" in line for line in out.splitlines())
lines = ["## Startup (tools/startup_bench.sh)", "",
         f"`RUNS={runs}{' BASELINE=' + baseline if baseline else ''} tools/startup_bench.sh {binary}`"
         f" on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())};"
         f" load average {os.getloadavg()[0]:.1f} at the end; medians of the runs, run by run"
         " interleaved: wall clock, and in brackets the CPU time (user + system) of the processes,"
         " which a loaded machine inflates less.", "",
         "| binary | torch libraries in `ldd` | `--version` | `import hlo` Llama-3 + `solve --agent heuristic` |",
         "|---|---|---|---|"]
for name, b in binaries:
    lines.append(f"| {name} (`{b}`) | {ldd_torch(b)} | {med(version[name], 0):.1f} ms ({med(version[name], 1):.1f} ms CPU)"
                 f" | {med(llama[name], 0):.1f} ms ({med(llama[name], 1):.1f} ms CPU) |")
lines += ["", "Targets (issue 16): `--version` under 20 ms, import + solve under 100 ms."]
os.makedirs("data/results/speed", exist_ok=True)
with open("data/results/speed/startup.md.tmp", "w") as f:
    f.write("\n".join(lines) + "\n")
os.replace("data/results/speed/startup.md.tmp", "data/results/speed/startup.md")
print("\n".join(lines))
PY
tools/speed_report.sh
