#!/usr/bin/env python3
"""Turns tools/exact_report.sh's bench results.json into the measured part of
data/results/exact/README.md: per program the exact agent's latency, proven bound, gap and
what it kept, next to the heuristic and the capacity bound; then bench's own table of every
agent's gap to the best proven bound.
Usage: exact_table.py OUT_DIR (results.json, bench.md, run_note.txt and results_before.jsonl
there; the text above the tables from tools/exact_report.md)."""
import json
import os
import sys

FAMILIES = ["bert", "gpt2", "lstm", "alexnet", "mobilenet", "dlrm"]


def family(file):
    return next((f for f in FAMILIES if f in file), "other")

out = sys.argv[1]
results = json.load(open(os.path.join(out, "results.json")))
bench_md = os.path.join(out, "bench.md")
text = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exact_report.md")
note = dict(item.split("=", 1) for item in open(os.path.join(out, "run_note.txt")).read().strip().split("; "))
limit = note["limit"]
print(open(text).read())
# The gaps of the run before this one (the previous report: earlier code, 120 s), by program file.
before_path = os.path.join(out, "results_before.jsonl")
before = {}
if os.path.exists(before_path):
    for line in open(before_path):
        if line.strip():
            r = json.loads(line)
            if "gap_to_proven_bound" in r["exact"]:
                before[r["file"]] = r["exact"]["gap_to_proven_bound"]
print("## Measured: the smoke programs and small generated ones\n")
print(f"`tools/exact_report.sh {limit} build {note['jobs']}`: one `mmap-opt bench --agents "
      f"heuristic-tuned,muzero,hybrid,exact --exact-time-limit {limit} -j {note['jobs']}` over "
      f"{len(results['programs'])} programs ({note['jobs']} at a time, each CBC solve on one "
      f"thread); the limit is wall-clock. This run: {note['wall']} wall on a {note['cores']}-core "
      f"machine shared with other jobs, load average {note['load_before']} at the start and "
      f"{note['load_after']} at the end (so a solve had well under one core). Gap = exact "
      "latency / MIP bound - 1 (the MIP bound holds for every valid assignment). Kept: whose "
      "assignment the exact agent returned (the MIP's plan, the heuristic's, the heuristic "
      "game's or the tuned heuristic's; +repair where the plan repair improved it). Solve s: "
      "the exact agent's wall time. Gap before: the same program in the previous report (earlier code, the same limit, "
      "results_before.jsonl; - where it did not run).\n")
print("| program | heuristic | exact | MIP bound | gap | gap before | capacity bound "
      "| heuristic over MIP bound | heuristic over capacity bound | kept | solve s |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
by_family = {}
met = tighter = above_capacity = solved = 0
over_time = []
for p in results["programs"]:
    agents = {a["agent"]: a for a in p["agents"]}
    h, e = agents["heuristic"], agents.get("exact", {})
    if not e.get("valid") or e.get("proven_bound_s") is None:
        print(f"| {p['file']} | {h['latency_s']*1e6:.3f} us | error: {e.get('error', '')} "
              "| | | | | | | | |")
        continue
    solved += 1
    bound, cap = e["proven_bound_s"], p["capacity_bound_s"]
    gap = e["latency_s"] / bound - 1
    met += gap <= 0.01
    if h["latency_s"] > cap * (1 + 1e-9):
        above_capacity += 1
        tighter += bound > cap * (1 + 1e-9)
    kept = e["note"].split("kept the ", 1)[1].split(" assignment", 1)[0]
    if e["solve_s"] > float(limit) * 1.05:
        over_time.append(f"{p['file']} ({e['solve_s']:.1f} s)")
    was = f"{100*before[p['file']]:.3f}%" if p["file"] in before else "-"
    best_other = min(a["latency_s"] for a in p["agents"] if a["valid"] and a["agent"] != "exact")
    by_family.setdefault(family(p["file"]), []).append(
        (bound / cap - 1, h["latency_s"] / bound - 1, best_other / bound - 1, gap))
    print(f"| {p['file']} | {h['latency_s']*1e6:.3f} us | {e['latency_s']*1e6:.3f} us "
          f"| {bound*1e6:.3f} us | {100*gap:.3f}% | {was} | {cap*1e6:.3f} us "
          f"| {100*(h['latency_s']/bound-1):+.3f}% | {100*(h['latency_s']/cap-1):+.3f}% "
          f"| {kept} | {e['solve_s']:.1f} |")
print()
print(f"- {len(results['programs'])} programs, time limit {limit} s each: gap to the MIP bound "
      f"at most 1% on {met} of {solved}.")
print(f"- The heuristic is above the capacity bound on {above_capacity}; the MIP bound is "
      f"tighter than the capacity bound on {tighter} of those.")
print(f"- Solves over the limit by more than 5%: {', '.join(over_time) if over_time else 'none'}.")
print()
print("Per family (min..max over its programs): how far the MIP bound lies above the capacity "
      "bound, and the heuristic's and the best other agent's (heuristic, heuristic-tuned, muzero, hybrid) "
      "latency over the MIP bound, next to the exact agent's gap.\n")
print("| family | programs | MIP bound over capacity bound | heuristic over MIP bound "
      "| best other agent over MIP bound | exact gap |")
print("|---|--:|---|---|---|---|")
for f in FAMILIES:
    rows = by_family.get(f)
    if not rows:
        continue
    cells = []
    for k in range(4):
        values = [r[k] for r in rows]
        cells.append(f"{100*min(values):+.2f}%..{100*max(values):+.2f}%")
    print(f"| {f} | {len(rows)} | " + " | ".join(cells) + " |")
print()
print("## Every agent's gap to the proven bound (bench)\n")
print("From the same run (the table below is bench's results.md, kept as data/results/exact/"
      "bench.md): heuristic-tuned, muzero and hybrid at their step budgets (400 tuning steps; "
      "muzero's games as `bench` plays them without a time limit).\n")
md = open(bench_md).read()
section = md.split("Gap to the best proven bound", 1)
print(section[1].split("\n## ", 1)[0].strip() if len(section) == 2 else "(no proven bound)")
