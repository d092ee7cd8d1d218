#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite with ctest; then rebuilds the torch-free layers
# with AddressSanitizer + UndefinedBehaviorSanitizer and runs their tests again
# (SANITIZE=0 skips that second pass); then a short libFuzzer pass over every fuzz target
# (tools/fuzz.sh, FUZZ_SECONDS each, two at a time; FUZZ=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
JOBS=${JOBS:-$(nproc)}
(cd build && ctest --output-on-failure -j "$JOBS")
tools/ci_gate.sh  # bench on the smoke corpus against data/baselines/ (issue 7)

if [[ "${SANITIZE:-1}" != 0 ]]; then
  echo "test: AddressSanitizer + UndefinedBehaviorSanitizer build of the core tests"
  if [[ ! -f build-asan/CMakeCache.txt ]]; then
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMAP_OPT_SANITIZE=ON >/dev/null
  fi
  cmake --build build-asan -j "$JOBS" >/dev/null
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j "$JOBS" -L core)
fi

if [[ "${FUZZ:-1}" != 0 ]]; then
  echo "test: libFuzzer pass, ${FUZZ_SECONDS:-20} s per target (tools/fuzz.sh)"
  FUZZ_JOBS=2 tools/fuzz.sh "${FUZZ_SECONDS:-20}"
fi
