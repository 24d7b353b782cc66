#!/usr/bin/env bash
# Configure and build build-asan/: the one sanitizer build. clang, ASan + UBSan
# (-DCHARNN_SANITIZE=ON), and the libFuzzer harnesses (-DCHARNN_FUZZ=ON) beside charnn
# and its unit tests, on one instrumented copy of the libraries. scripts/sanitize.sh
# runs the tests in it, scripts/fuzz.sh the harnesses.
#   scripts/sanitizer-build.sh [TARGET ...]     (default: everything)
# CHARNN_BUILD_JOBS as for scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-asan
# A build-asan/ configured otherwise (by GCC, or before the harnesses moved into it)
# is made anew rather than half-reused.
if [ -f $build/CMakeCache.txt ] && ! grep -q '^CHARNN_FUZZ:BOOL=ON' $build/CMakeCache.txt; then
  rm -rf $build
fi
[ -f $build/build.ninja ] ||
  CC=clang CXX=clang++ cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCHARNN_SANITIZE=ON -DCHARNN_FUZZ=ON >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build $build -j "${CHARNN_BUILD_JOBS:-2}" "${targets[@]}"
