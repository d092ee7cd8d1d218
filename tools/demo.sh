#!/usr/bin/env bash
# Sets up, then maps the memory of a bundled program with XLA's heuristic (the baseline) and
# prints the result next to the all-slow latency and the lower bound.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
build/mmap-opt inspect data/examples/mlp_inference.txtpb
echo
build/mmap-opt solve data/corpus/smoke/bert-tiny.inference.b8.128.bf16.edge-npu.pb \
  --agent heuristic -o /tmp/mmap-opt-demo.pb
