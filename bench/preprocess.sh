#!/usr/bin/env bash
# Benchmarks `charnn preprocess` end to end (process start to exit, fsync of the
# .h5 included) under /usr/bin/time -v, one summary line per run.
#
#   bench/preprocess.sh                                  # data/linux/linux-6.1.txt
#   bench/preprocess.sh data/linux/linux-6.1.txt data/linux/linux-6.1-474M.txt \
#       data/tinyshakespeare/input.txt                   # several corpora
#   bench/preprocess.sh --encoding bytes --runs 3 --cold FILE
#
# Missing data/linux/linux-6.1.txt or data/linux/linux-6.1-<N>M.txt are built
# with scripts/make-linux-corpus.sh (--max-bytes N000000 for the latter).
# Targets (1 GB Linux corpus): >= 100 MB/s end to end, <= 256 MB peak RSS.
# MB/s is input bytes / 1e6 / wall seconds; RSS is in MiB (1024^2 bytes), and
# includes the shared libraries the binary maps (libtorch etc.).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CHARNN="${CHARNN:-$ROOT/build/charnn}"
runs=1 encoding=utf-8 cold=0 files=()
while (($#)); do
  case "$1" in
    --runs) runs="${2:?}"; shift 2 ;;
    --encoding) encoding="${2:?}"; shift 2 ;;
    --cold) cold=1; shift ;;  # evict the input from the page cache before each run
    -h|--help) sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    -*) echo "preprocess.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
((${#files[@]})) || files=("$ROOT/data/linux/linux-6.1.txt")
[[ -x "$CHARNN" ]] || { echo "preprocess.sh: $CHARNN not built" >&2; exit 1; }
if [[ ! -x /usr/bin/time ]]; then  # GNU time, for peak RSS
  apt-get install -y -qq time >&2 || { apt-get update -qq >&2 && apt-get install -y -qq time >&2; }
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/charnn-bench.XXXXXX")"
trap 'rm -rf -- "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

status=0
for f in "${files[@]}"; do
  if [[ ! -f "$f" && "$f" =~ data/linux/linux-6\.1(-([0-9]+)M)?\.txt$ ]]; then
    mb="${BASH_REMATCH[2]}"
    "$ROOT/scripts/make-linux-corpus.sh" --output "$f" ${mb:+--max-bytes "${mb}000000"} >&2
  fi
  bytes="$(stat -c %s "$f")"
  for ((r = 1; r <= runs; r++)); do
    # dd with iflag=nocache and count=0 drops the whole file from the page cache.
    ((cold)) && dd if="$f" iflag=nocache count=0 status=none
    rc=0
    /usr/bin/time -v -o "$work/time" "$CHARNN" preprocess --input "$f" --output "$work/out.h5" \
      --encoding "$encoding" > "$work/log" 2>&1 || rc=$?
    rm -f "$work/out.h5"
    # /usr/bin/time prints wall time as [h:]mm:ss.ss
    secs="$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
      for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$work/time")"
    rss_kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")"
    cpu="$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u " s user + " s " s sys"}' "$work/time")"
    if ((rc == 0)); then
      # charnn: "OUT: N tokens (train ...), vocabulary V (enc), SIZE in S s (X MB/s), sha256 H"
      summary="$(sed -nE 's/^.*: ([0-9]+ tokens .*vocabulary [0-9]+ \([^)]*\)), .* \(([0-9.]+ MB\/s)\).*$/\1, charnn-internal \2/p' "$work/log")"
    else
      summary="FAILED (exit $rc): $(tail -n1 "$work/log")"
      status=1
    fi
    awk -v f="${f#"$ROOT"/}" -v e="$encoding" -v c="$( ((cold)) && echo cold || echo warm)" -v r="$r" \
        -v b="$bytes" -v s="$secs" -v k="$rss_kib" -v u="$cpu" -v m="$summary" 'BEGIN {
      printf "%s [%s, %s cache, run %d]: %d bytes, %.2f s (%s), %.1f MB/s, peak RSS %.1f MiB | %s\n",
             f, e, c, r, b, s, u, b / 1e6 / (s > 0 ? s : 1e-9), k / 1024, m }'
  done
done
exit $status
