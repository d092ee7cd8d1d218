#!/usr/bin/env bash
# The README's result tables: `mmap-opt bench` on the test and real splits of data/corpus with
# the heuristic (the reference, our re-implementation of XLA's MSA), heuristic-tuned and hybrid
# at step budgets (deterministic: no time limit, no timings), written to
# data/results/readme-bench/{test,real}/, then spliced into README.md between its
# `<!-- bench:SPLIT:begin -->` / `<!-- bench:SPLIT:end -->` markers: the summary against the
# heuristic for each split, and the latency of every program for the six real ones (the test
# split's sixteen stay in data/results/readme-bench/test/results.md).
# About 10 minutes on 2 cores (the test split's hybrid runs dominate); --tables-only splices
# the outputs already in data/results/readme-bench/ without running bench again.
# SPLITS="real" runs bench on those splits only (the others' outputs are spliced as they are).
# Usage: tools/readme_bench.sh [BUILD_DIR] [--tables-only]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
cli="$build/mmap-opt"
[[ -x "$cli" ]] || { echo "readme_bench.sh: $cli not built (cmake --build $build)" >&2; exit 1; }
out=data/results/readme-bench
for split in ${SPLITS:-test real}; do
  [[ "${2:-}" == --tables-only ]] && break
  "$cli" bench --corpus "data/corpus/$split" --agents heuristic-tuned,hybrid --tune-steps 100 \
    --max-games 8 --jobs 2 --no-timings --quiet --out "$out/$split"
done
python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]

def section(md, title):
    """The table under `## title` in a bench results.md."""
    body = md.split(f"## {title}\n", 1)[1]
    return "\n".join(l for l in body.split("\n## ", 1)[0].strip().splitlines() if l.startswith("|"))

readme = open("README.md").read()
for split in ("test", "real"):
    md = open(f"{out}/{split}/results.md").read()
    tables = section(md, "Summary against the heuristic")
    if split == "real":
        tables += "\n\n" + section(md, "Latency per program (ms)")
    begin, end = f"<!-- bench:{split}:begin (tools/readme_bench.sh) -->\n", f"<!-- bench:{split}:end -->"
    pattern = re.escape(begin) + ".*?" + re.escape(end)
    if not re.search(pattern, readme, re.S):
        sys.exit(f"readme_bench.sh: README.md has no {begin.strip()} ... {end} markers")
    readme = re.sub(pattern, lambda _: begin + tables + "\n" + end, readme, flags=re.S)
open("README.md", "w").write(readme)
PY
echo "README.md: bench tables of test and real updated from $out"
