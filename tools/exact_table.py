#!/usr/bin/env python3
"""Turns tools/exact_report.sh's results.jsonl into the markdown table of data/results/exact."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
limit = sys.argv[2]
print(open(sys.argv[3]).read() if len(sys.argv) > 3 else "")
print("## Measured: the smoke programs and small generated ones\n")
print(f"`tools/exact_report.sh {limit}`: each program solved by `mmap-opt solve --agent exact "
      f"--time-limit {limit}` next to the heuristic. Gap = exact latency / MIP bound - 1 (the MIP bound "
      "holds for every valid assignment). Kept: whose assignment the exact agent returned (its MIP "
      "plan, packed and simulated, or the heuristic's when that is faster).\n")
print(f"| program | heuristic | exact | MIP bound | gap | capacity bound | heuristic over MIP bound | heuristic over capacity bound | kept | solve s |")
print("|---|---|---|---|---|---|---|---|---|---|")
met = tighter = above_capacity = 0
for r in rows:
    h, e = r["heuristic"], r["exact"]
    if "proven_bound_s" not in e:
        print(f"| {r['file']} | {h['latency_s']*1e6:.3f} us | error | | | | | | | |")
        continue
    bound, cap = e["proven_bound_s"], e["capacity_bound_s"]
    gap = e["gap_to_proven_bound"]
    met += gap <= 0.01
    if h["latency_s"] > cap * (1 + 1e-9):
        above_capacity += 1
        tighter += bound > cap * (1 + 1e-9)
    kept = "mip" if "kept the mip" in e["note"] else "heuristic"
    print(f"| {r['file']} | {h['latency_s']*1e6:.3f} us | {e['latency_s']*1e6:.3f} us "
          f"| {bound*1e6:.3f} us | {100*gap:.3f}% | {cap*1e6:.3f} us | {100*(h['latency_s']/bound-1):+.3f}% "
          f"| {100*(h['latency_s']/cap-1):+.3f}% | {kept} | {e['solve_s']:.1f} |")
print()
print(f"- {len(rows)} programs, time limit {limit} s each: gap to the MIP bound at most 1% on {met}.")
print(f"- The heuristic is above the capacity bound on {above_capacity}; the MIP bound is tighter than the "
      f"capacity bound on {tighter} of those.")
