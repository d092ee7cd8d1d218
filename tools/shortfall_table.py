#!/usr/bin/env python3
"""Where a bench run falls short of the capacity bound, program by program: the bound's cap
on any agent's speedup over the heuristic (heuristic latency / capacity bound - 1; no valid
assignment gets past it, data/results/exact says how loose it is), each agent's speedup, and
the share of the cap the best of them reached. Issue 14 asks for this table beside every
target it could not meet.
Usage: shortfall_table.py RESULTS.json [TITLE]  (bench --out's results.json); prints markdown."""
import json
import sys


def pct(x):
    return f"{x:+.2f}%"


results = json.load(open(sys.argv[1]))
title = sys.argv[2] if len(sys.argv) > 2 else results["corpus"]
agents = [a for a in results["agents"] if a != "heuristic"]
budget = results["time_limit_s"]
print(f"**{title}** ({len(results['programs'])} programs; "
      + (f"{budget:g} s per program for the search agents" if budget else "each agent's default step budget")
      + ")\n")
print("| program | capacity-bound cap | " + " | ".join(agents) + " | best / cap |")
print("| --- | --: | " + " | ".join("--:" for _ in agents) + " | --: |")
caps, speedups = [], {a: [] for a in agents}
for p in results["programs"]:
    by_agent = {a["agent"]: a for a in p["agents"]}
    heuristic = by_agent["heuristic"]["latency_s"]
    cap = 100 * (heuristic / p["capacity_bound_s"] - 1)
    caps.append(cap)
    row = []
    for a in agents:
        s = by_agent[a]["speedup_percent"] if by_agent[a]["valid"] else float("nan")
        speedups[a].append(s)
        row.append(pct(s))
    best = max(speedups[a][-1] for a in agents)
    share = f"{100 * best / cap:.0f}%" if cap >= 0.005 else "(no room)"
    print(f"| {p['name']} | {pct(cap)} | " + " | ".join(row) + f" | {share} |")
mean = lambda xs: sum(xs) / len(xs)
best_mean = mean([max(speedups[a][i] for a in agents) for i in range(len(caps))])
print(f"| **mean** | {pct(mean(caps))} | " + " | ".join(pct(mean(speedups[a])) for a in agents)
      + f" | {100 * best_mean / mean(caps):.0f}% |")
