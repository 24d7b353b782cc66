#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz in the sanitizer build, build-asan/
# (scripts/sanitizer-build.sh: clang, ASan + UBSan), and runs each for SECONDS
# (default 30) on a copy of its seed corpus, so the repository is never modified;
# CHARNN_FUZZ_JOBS harnesses at a time (default: one per core). Exits non-zero on any
# finding (a crash, a sanitizer report, an escaped non-charnn::Error exception, a
# failed property, a timeout or running out of memory); the input is kept in
# build-asan/findings/<harness>/ with the command that replays it.
#   scripts/fuzz.sh [SECONDS] [HARNESS ...]    (default: every harness in tests/fuzz/CMakeLists.txt)
# Prints per harness, in the list's order: name, executions, executions/s, coverage
# (cov: edges, ft: features) from libFuzzer's final statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
case $seconds in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [HARNESS ...]" >&2; exit 2 ;; esac

build=build-asan
scripts/sanitizer-build.sh fuzz

harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || mapfile -t harnesses < $build/tests/fuzz/harnesses.txt

work=$(mktemp -d "${TMPDIR:-/tmp}/charnn-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
# One of libFuzzer's final statistics (-print_final_stats=1) from a log.
final_stat() { sed -n "s/^stat::$2: *//p" "$1" | tail -1; }
# fuzz_one H: runs harness H; its line goes to $work/H/line, what explains a finding
# to $work/H/detail, and $work/H/failed marks one. Runs in the background, so every
# result is a file, printed in the list's order once all have ended.
fuzz_one() {
  local h=$1 bin=$build/tests/fuzz/fuzz_$1 rc=0
  rm -rf "$build/findings/$h"  # what an earlier run found is not this run's
  mkdir -p "$work/$h/corpus" "$work/$h/tmp" "$work/$h/findings"
  if [ -d tests/fuzz/corpus/$h ]; then cp -R tests/fuzz/corpus/$h/. "$work/$h/corpus/"; fi
  local args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
              -artifact_prefix="$work/$h/findings/")
  if [ -f tests/fuzz/dict/$h.dict ]; then args+=(-dict=tests/fuzz/dict/$h.dict); fi
  TMPDIR="$work/$h/tmp" ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$bin" "${args[@]}" "$work/$h/corpus" >"$work/$h/log" 2>&1 || rc=$?
  local last cov ft corp verdict=ok
  last=$(grep -E '^#[0-9]+.*cov: ' "$work/$h/log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  # A timeout alone is confirmed by replaying its input (same limit): on a
  # shared machine a stalled process times out too. One that replays within
  # the limit is reported and kept, but is no finding; a real hang replays as one.
  local stall other
  stall=$(compgen -G "$work/$h/findings/timeout-*" | head -1 || true)
  other=$(compgen -G "$work/$h/findings/crash-*" || compgen -G "$work/$h/findings/leak-*" ||
          compgen -G "$work/$h/findings/oom-*" || true)
  if [ $rc -ne 0 ] && [ -n "$stall" ] && [ -z "$other" ]; then
    if TMPDIR="$work/$h/tmp" "$bin" -timeout=10 -rss_limit_mb=2048 "$stall" >"$work/$h/replay.log" 2>&1; then
      mkdir -p $build/findings/$h && cp "$stall" "$work/$h/log" $build/findings/$h/
      echo "fuzz: $h: a timeout that did not replay (the input ran within 10 s again; a stalled machine?)," \
        "kept in $build/findings/$h/" >>"$work/$h/detail"
      rc=0 verdict="ok (a timeout did not replay)"
    fi
  fi
  if [ $rc -ne 0 ]; then
    verdict="FINDING (exit $rc)"
    : >"$work/$h/failed"
    mkdir -p $build/findings/$h
    cp "$work/$h/log" $build/findings/$h/log
    cp "$work/$h/findings/"* $build/findings/$h/ 2>/dev/null || true
    { grep -E '^==fuzz finding|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error:|SUMMARY:' \
        $build/findings/$h/log | head -5 | sed 's/^/    /' || true
      local f
      for f in $build/findings/$h/crash-* $build/findings/$h/leak-* $build/findings/$h/timeout-* $build/findings/$h/oom-*; do
        if [ -f "$f" ]; then echo "    replay: $bin $f"; fi
      done
      echo "    log: $build/findings/$h/log"; } >>"$work/$h/detail"
  fi
  printf 'fuzz: %-16s execs %10s  exec/s %7s  cov %5s  ft %6s  corpus %5s  %ss  %s\n' \
    "$h" "$(final_stat "$work/$h/log" number_of_executed_units)" \
    "$(final_stat "$work/$h/log" average_exec_per_sec)" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
    "$seconds" "$verdict" >"$work/$h/line"
}

for h in "${harnesses[@]}"; do
  [ -x "$build/tests/fuzz/fuzz_$h" ] || { echo "fuzz: no harness '$h' (see tests/fuzz/CMakeLists.txt)" >&2; exit 2; }
done
# Each harness is one process on one core: one per core at a time.
jobs=${CHARNN_FUZZ_JOBS:-$(nproc)}
for h in "${harnesses[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$h" &
done
wait
failed=()
for h in "${harnesses[@]}"; do
  cat "$work/$h/line" 2>/dev/null || echo "fuzz: $h: ended without a result (see above)"
  [ ! -f "$work/$h/detail" ] || cat "$work/$h/detail" >&2
  if [ -f "$work/$h/failed" ] || [ ! -f "$work/$h/line" ]; then failed+=("$h"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
