#!/usr/bin/env bash
# The test command of README.md: install dependencies, build, run every test;
# then the same unit and single-process tests under ASan + UBSan (scripts/sanitize.sh,
# its own build in build-asan/; CHARNN_SKIP_SANITIZE=1 leaves it out); then each
# fuzz harness for 30 s (tests/fuzz, docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # CI runs as root
(cd build && ctest --output-on-failure --timeout 900 "$@")
[ "${CHARNN_SKIP_SANITIZE:-0}" = 1 ] || scripts/sanitize.sh "$@"
scripts/fuzz.sh 30
