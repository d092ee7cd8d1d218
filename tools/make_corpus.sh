#!/usr/bin/env bash
# Regenerates data/corpus/ (train/, test/, smoke/) with `mmap-opt gen`, then the program table
# in data/corpus/README.md, then checks the pressure rules. Deterministic: the same binary
# writes the same bytes. Usage: tools/make_corpus.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
gen="$build/mmap-opt"
io_test="$build/tests/io_test"
for f in "$gen" "$io_test"; do
  [[ -x "$f" ]] || { echo "make_corpus.sh: $f not built (cmake --build $build)" >&2; exit 1; }
done

# split family mode size batch seq dtype hardware [seed]; seq "-" for families without one.
# train/: bert, gpt2, resnet, mobilenetv2, vgg, lstm-seq2seq, dlrm at their smaller sizes.
# test/:  whole families held out (vit, unet, alexnet) and held-out sizes of the others
#         (bert large, gpt2 medium, resnet-101, mobilenetv2 1.4, lstm-seq2seq large, dlrm base).
# smoke/: tiny programs (< 300 instructions) for fast CI tests.
programs=(
  "train bert inference base 8 128 bf16 tpuv4i"
  "train bert training base 8 128 bf16 tpuv4i"
  "train bert inference base 2 384 bf16 tpuv4i-vmem"
  "train bert training base 2 256 bf16 tpuv4i-vmem"
  "train bert inference base 4 128 f32 tpuv4i-vmem"
  "train bert inference tiny 32 128 bf16 edge-npu"
  "train bert training tiny 16 128 bf16 edge-npu"
  "train gpt2 inference small 4 512 bf16 tpuv4i"
  "train gpt2 training small 4 512 bf16 tpuv4i"
  "train gpt2 training small 2 256 bf16 tpuv4i-vmem"
  "train gpt2 decode small 8 512 bf16 tpuv4i-vmem"
  "train gpt2 decode small 32 1023 bf16 tpuv4i"
  "train gpt2 training tiny 8 256 bf16 edge-npu"
  "train gpt2 decode tiny 16 512 bf16 edge-npu"
  "train resnet inference 50 32 224 bf16 tpuv4i"
  "train resnet training 50 32 224 bf16 tpuv4i"
  "train resnet inference 50 8 224 bf16 tpuv4i-vmem"
  "train resnet inference 50 16 224 s8 edge-npu"
  "train resnet inference 18 16 224 bf16 edge-npu"
  "train resnet training 18 32 224 bf16 tpuv4i-vmem"
  "train resnet inference 34 64 224 bf16 tpuv4i"
  "train resnet training 34 16 224 bf16 tpuv4i"
  "train mobilenetv2 inference 1.0 64 224 bf16 tpuv4i"
  "train mobilenetv2 training 1.0 64 224 bf16 tpuv4i"
  "train mobilenetv2 training 1.0 64 224 bf16 tpuv4i 1"
  "train mobilenetv2 inference 1.0 8 224 bf16 edge-npu"
  "train mobilenetv2 inference 0.5 16 224 bf16 edge-npu"
  "train mobilenetv2 training 0.5 32 224 bf16 tpuv4i-vmem"
  "train mobilenetv2 training 1.0 16 224 bf16 tpuv4i-vmem"
  "train vgg inference 16 32 224 bf16 tpuv4i"
  "train vgg training 16 16 224 bf16 tpuv4i"
  "train vgg inference 11 8 224 bf16 tpuv4i-vmem"
  "train vgg training 11 16 224 bf16 tpuv4i"
  "train vgg inference 16 4 224 bf16 edge-npu"
  "train lstm-seq2seq inference base 64 32 bf16 tpuv4i"
  "train lstm-seq2seq training base 64 32 bf16 tpuv4i"
  "train lstm-seq2seq inference small 32 32 bf16 edge-npu"
  "train lstm-seq2seq training small 64 16 bf16 tpuv4i-vmem"
  "train lstm-seq2seq training base 32 16 bf16 tpuv4i-vmem"
  "train dlrm inference small 2048 - bf16 tpuv4i"
  "train dlrm training small 2048 - bf16 tpuv4i"
  "train dlrm inference small 512 - bf16 edge-npu"
  "train dlrm training small 4096 - bf16 tpuv4i-vmem"
  "train dlrm inference small 8192 - bf16 tpuv4i-vmem"
  "test vit inference base 32 224 bf16 tpuv4i"
  "test vit training base 16 224 bf16 tpuv4i"
  "test vit inference tiny 64 224 bf16 edge-npu"
  "test unet inference base 8 256 bf16 tpuv4i"
  "test unet training base 2 256 bf16 tpuv4i"
  "test unet inference small 1 256 bf16 edge-npu"
  "test alexnet inference base 128 224 bf16 tpuv4i"
  "test alexnet training base 64 224 bf16 tpuv4i"
  "test bert inference large 8 128 bf16 tpuv4i"
  "test bert training large 4 128 bf16 tpuv4i"
  "test gpt2 decode medium 16 1023 bf16 tpuv4i"
  "test gpt2 training medium 2 512 bf16 tpuv4i"
  "test resnet training 101 16 224 bf16 tpuv4i"
  "test mobilenetv2 inference 1.4 32 224 bf16 tpuv4i-vmem"
  "test lstm-seq2seq training large 16 16 bf16 tpuv4i"
  "test dlrm training base 2048 - bf16 tpuv4i"
  "smoke bert inference tiny 8 128 bf16 edge-npu"
  "smoke gpt2 decode tiny 8 256 bf16 edge-npu"
  "smoke mobilenetv2 inference 0.5 8 224 bf16 edge-npu"
  "smoke alexnet training base 16 224 bf16 edge-npu"
  "smoke dlrm training small 256 - bf16 edge-npu"
  "smoke lstm-seq2seq inference small 16 16 bf16 edge-npu"
)

rm -f data/corpus/{train,test,smoke}/*.pb
mkdir -p data/corpus/{train,test,smoke}
for line in "${programs[@]}"; do
  read -r split family mode size batch seq dtype hardware seed <<<"$line"
  args=("$family" --mode "$mode" --size "$size" --batch "$batch" --dtype "$dtype"
        --hardware "$hardware" --seed "${seed:-0}")
  [[ "$seq" == "-" ]] || args+=(--seq "$seq")
  name="$family-$size.$mode.b$batch"
  [[ "$seq" == "-" ]] || name+=".$seq"
  name+=".$dtype.$hardware"
  [[ -z "${seed:-}" ]] || name+=".seed$seed"
  "$gen" gen "${args[@]}" -o "data/corpus/$split/$name.pb" >/dev/null
done

# The table is written by the corpus test itself, so that the figures come from the
# simulator's cost model and ctest notices when the README and the files disagree.
MMAP_OPT_UPDATE_CORPUS_README=1 "$io_test" --gtest_filter='GenCorpusTest.ReadmeTable*' >/dev/null
"$io_test" --gtest_filter='GenCorpusTest.*'
du -sh data/corpus
