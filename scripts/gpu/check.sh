#!/usr/bin/env bash
# The one call on a lent GPU machine: build (scripts/gpu/build.sh), the GPU tests
# (ctest -L gpu), the GPU benchmark against PyTorch (bench/gpu.sh), then as much of the
# rest of the suite as the time left allows — the second platform (the image's compiler,
# glibc and LibTorch 2.x) for everything else. Ends within CHECK_BUDGET seconds (default
# 480), prints a short table last and leaves the logs in $OUT (at most 8 files).
#
#   bash scripts/gpu/check.sh            (from the repository root, after bundle.sh here)
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
BUDGET=${CHECK_BUDGET:-480}
T0=$(date +%s)
elapsed() { echo $(( $(date +%s) - T0 )); }
left() { echo $(( BUDGET - $(elapsed) )); }
LOG=$OUT/check.log
exec > >(tee -a "$LOG") 2>&1
rows=()
row() { rows+=("| $1 | $2 | $3 |"); echo "check: $1: $2 ($3)"; }

echo "check: $(date -u +%FT%TZ) on $(hostname); budget ${BUDGET}s"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.mem --format=csv 2>&1 | head -3

# 1. Build (and nothing else: the tests below are chosen and timed here).
t=$(elapsed)
if CHARNN_SKIP_TESTS=1 timeout $(( $(left) - 60 )) bash scripts/gpu/build.sh >"$OUT/build.log" 2>&1; then
  row build ok "$(( $(elapsed) - t )) s"
else
  tail -40 "$OUT/build.log"
  row build FAILED "$(( $(elapsed) - t )) s; see build.log"
  printf '%s\n' "| step | result | detail |" "|---|---|---|" "${rows[@]}"
  exit 1
fi
# shellcheck disable=SC1091
source build-gpu/env.sh
build-gpu/charnn --version

# 2. The GPU tests.
t=$(elapsed)
(cd build-gpu && timeout $(( $(left) - 30 )) ctest -L gpu --output-on-failure) >"$OUT/tests.log" 2>&1
rc=$?
# The figures the tests print (losses compared, distances) are in ctest's own log: keep them.
cat build-gpu/Testing/Temporary/LastTest.log >>"$OUT/tests.log" 2>/dev/null
grep -E "tests passed|Passed|Failed|\*\*\*|SKIP" "$OUT/tests.log" | tail -8
row "gpu tests" "$([ $rc -eq 0 ] && echo ok || echo "FAILED (rc $rc)")" \
  "$(grep -E '^[0-9]+% tests passed' "$OUT/tests.log" | tail -1); $(( $(elapsed) - t )) s"

# 3. The benchmark: charnn against PyTorch on this GPU.
t=$(elapsed)
bl=$(( $(left) - 90 ))
if [ "$bl" -gt 60 ]; then
  CHARNN=build-gpu/charnn PYTHON=${CHARNN_PYTHON:-python3} OUT="$OUT" SOFT_DEADLINE=$(( bl * 6 / 10 )) \
    HARD_DEADLINE=$bl COMPILE_MODES=${COMPILE_MODES:-compile} timeout $(( bl + 30 )) bash bench/gpu.sh >/dev/null 2>&1
  row bench "$([ -s "$OUT/gpu-bench.md" ] && echo ok || echo FAILED)" "$(( $(elapsed) - t )) s; gpu-bench.md"
else
  row bench SKIPPED "no time left"
fi

# 4. The rest of the suite (CPU paths on this platform), in the time left.
t=$(elapsed)
sl=$(( $(left) - 10 ))
if [ "$sl" -gt 30 ]; then
  # Unit tests in parallel; the integration tests one at a time (they start mpirun jobs of
  # up to 4 ranks and time failures; run side by side they time each other out).
  (cd build-gpu && timeout "$sl" ctest -LE gpu -E '^integration' -j "$(nproc)" --output-on-failure &&
    timeout $(( sl - 20 )) ctest -R '^integration' --timeout 300 --output-on-failure) >>"$OUT/tests.log" 2>&1
  rc=$?
  row "whole suite (-LE gpu)" "$([ $rc -eq 0 ] && echo ok || echo "rc $rc")" \
    "$(grep -E '^[0-9]+% tests passed' "$OUT/tests.log" | tail -1); $(( $(elapsed) - t )) s"
else
  row "whole suite (-LE gpu)" SKIPPED "no time left"
fi

echo
[ -s "$OUT/gpu-bench.md" ] && cat "$OUT/gpu-bench.md"
echo
printf '%s\n' "| step | result | detail |" "|---|---|---|" "${rows[@]}"
echo "check: done in $(elapsed) s"
