#!/usr/bin/env bash
# The test command of README.md: install dependencies, build, run every test (ctest,
# CHARNN_TEST_JOBS tests side by side, default one per core; RESOURCE_LOCKs in
# tests/CMakeLists.txt keep apart what must not overlap); then the same unit and
# single-process tests under ASan + UBSan (scripts/sanitize.sh, in build-asan/;
# CHARNN_SKIP_SANITIZE=1 leaves it out); then each fuzz harness for 30 s, built in
# that same sanitizer build (scripts/fuzz.sh, docs/fuzzing.md). Ends with the time of
# each stage (docs/testing.md has the measured table).
set -euo pipefail
cd "$(dirname "$0")/.."
stages=()
stage() {  # stage NAME CMD...: run CMD, note its wall time
  local name=$1 t=$SECONDS; shift
  "$@"
  stages+=("$(printf '%-9s %4d s' "$name" $((SECONDS - t)))")
}
summary() { [ ${#stages[@]} -eq 0 ] || { echo "test.sh: stage times"; printf '  %s\n' "${stages[@]}"; }; }
trap summary EXIT

stage install scripts/install-deps.sh
stage build scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # CI runs as root
jobs=${CHARNN_TEST_JOBS:-$(nproc)}
stage ctest bash -c 'cd build && ctest --output-on-failure --timeout 900 -j "$0" "$@"' "$jobs" "$@"
[ "${CHARNN_SKIP_SANITIZE:-0}" = 1 ] || stage sanitize scripts/sanitize.sh "$@"
stage fuzz scripts/fuzz.sh 30
