#!/usr/bin/env bash
# Sets up, then maps the memory of a bundled program with XLA's heuristic (the baseline) and
# with the hybrid agent (the bundled MuZero model's search and the heuristic, the faster by
# the simulator), each printed next to the all-slow latency and the lower bound.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
program=data/corpus/smoke/bert-tiny.inference.b8.128.bf16.edge-npu.pb
build/mmap-opt inspect data/examples/mlp_inference.txtpb
echo
build/mmap-opt solve "$program" --agent heuristic -o /tmp/mmap-opt-demo.heuristic.pb
echo
if build/mmap-opt solve --help | grep -q hybrid; then
  build/mmap-opt solve "$program" --agent hybrid -o /tmp/mmap-opt-demo.hybrid.pb
else
  echo "(this build has no LibTorch, so no learned agents: skipping solve --agent hybrid)"
fi
