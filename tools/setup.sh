#!/usr/bin/env bash
# Installs what mmap-opt needs from Debian's packages (only what is missing) and builds it
# (Release) into build/. Safe to rerun: a second run installs nothing and rebuilds nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(libtorch-dev libabsl-dev libprotobuf-dev protobuf-compiler libcli11-dev libgtest-dev
          libgmock-dev libbenchmark-dev libopenblas0-pthread coinor-libcbc-dev pkg-config cmake g++
          make clang-14 libclang-rt-14-dev  # clang + libFuzzer: tools/fuzz.sh
          libgloo-dev  # Gloo headers of c10d's ProcessGroupGloo (scale-out)
          bc python3)  # the benchmark and report scripts in tools/

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$JOBS" >/dev/null
echo "setup: built $BUILD_DIR/mmap-opt"
