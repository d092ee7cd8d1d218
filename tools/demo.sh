#!/usr/bin/env bash
# Sets up and runs mmap-opt on a bundled example program.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
build/mmap-opt inspect data/examples/mlp_inference.txtpb
