# Sourced by the benchmarks: timing one command on a shared machine.
# Needs $tmp (a scratch directory) and $QUIET_WAIT (seconds; 0 = do not wait).

busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

wait_quiet() {  # up to QUIET_WAIT seconds, until other processes use < 0.1 core over 2 s
  local end=$(($(date +%s) + QUIET_WAIT)) a b
  while [ "$(date +%s)" -lt "$end" ]; do
    a=$(busy_jiffies); sleep 2; b=$(busy_jiffies)
    [ $((b - a)) -lt $((2 * $(getconf CLK_TCK) / 10)) ] && return 0
  done
  echo "$(basename "$0"): machine still busy after ${QUIET_WAIT}s; measuring anyway" >&2
}

# measure OUT cmd...: runs cmd (stdout to OUT) and prints "seconds other_cores": its wall
# time, and the CPU other processes used meanwhile (/proc/stat busy time minus the
# command's own user+sys time), so a disturbed measurement can be spotted.
measure() {
  local out=$1 b0 b1 t0 t1 u s
  shift
  [ "$QUIET_WAIT" -gt 0 ] && wait_quiet
  b0=$(busy_jiffies) t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$tmp/time" "$@" >"$out" 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
  b1=$(busy_jiffies) t1=$(date +%s.%N)
  read -r u s <"$tmp/time"
  awk -v b="$((b1 - b0))" -v hz="$(getconf CLK_TCK)" -v u="$u" -v s="$s" -v t0="$t0" -v t1="$t1" \
    'BEGIN { o = (b / hz - u - s) / (t1 - t0); printf "%.3f %.2f", t1 - t0, o < 0 ? 0 : o }'
}
