#!/usr/bin/env bash
# Configure and build into build/ (Release, Ninja, ccache when present).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# Two jobs: each LibTorch translation unit takes ~1 GB and ~20 s to compile.
cmake --build build -j "${CHARNN_BUILD_JOBS:-2}"
