#!/usr/bin/env bash
# Regenerates data/corpus/real/: the real XLA programs of ../shared/data/hlo (the MaxText
# Llama-3-8B training step and the five PyTorch/XLA dumps) imported with `mmap-opt import hlo`
# on the tpuv4i preset, with the licenses and provenance of their sources beside them.
# Deterministic: the same binary writes the same bytes. The `real` split is not generated, so
# make_corpus.sh leaves it alone.
# Usage: tools/make_real_corpus.sh [BUILD_DIR] [SHARED_DATA]   (defaults: build, ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
shared="${2:-../shared/data}"
cli="$build/mmap-opt"
[[ -x "$cli" ]] || { echo "make_real_corpus.sh: $cli not built (cmake --build $build)" >&2; exit 1; }
[[ -d "$shared/hlo" ]] || { echo "make_real_corpus.sh: $shared/hlo is absent" >&2; exit 1; }
out=data/corpus/real
rm -rf "$out"
mkdir -p "$out"
hardware=tpuv4i
import() {  # HLO file, program name
  "$cli" import hlo "$1" --name "$2" --hardware "$hardware" -o "$out/$2.$hardware.pb" >/dev/null
}
import "$shared/hlo/hlo_llama3_8b_cp_bf16_1x4.hlo" llama3-8b.maxtext.training
for name in bert_dp_graph_2 gpt2_tp1 linear_model_pp_1_updated llama2_dp1_tp8_pp4 mlp_single_case_2; do
  import "$shared/hlo/pytorch-xla/$name.hlo" "pytorch-xla.$name"
done
cp "$shared/hlo/SOURCE.txt" "$out/SOURCE.llama3.txt"
cp "$shared/hlo/pytorch-xla/SOURCE.txt" "$out/SOURCE.pytorch-xla.txt"
cp "$shared/hlo/pytorch-xla/LICENSE" "$out/LICENSE.Apache-2.0"
ls -l "$out"
