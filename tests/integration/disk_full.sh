# Write failures on a real small filesystem (a tmpfs of a few hundred KB) and
# under a file size limit (ulimit -f): one line naming the file and the OS
# reason, exit 1, no temporary left, the previous file intact, no crash.
source "$(dirname "$0")/lib.sh"
DATA=$(shakespeare_h5)

# expect_write_failure REASON FILE-PATTERN DIR CMD...: exit 1 (not a signal), one
# "charnn: error:" line naming FILE-PATTERN and REASON, no temporaries in DIR.
expect_write_failure() {
  local reason=$1 file=$2 dir=$3; shift 3
  local rc=0
  "$@" >out.txt 2>err.txt || rc=$?
  [ "$rc" = 1 ] || die "expected exit 1 from $*, got $rc: $(tail -3 err.txt)"
  [ "$(grep -c '^charnn: error: ' err.txt)" = 1 ] || die "expected one error line from $*: $(cat err.txt)"
  grep '^charnn: error: ' err.txt | grep -q -- "$file.*$reason" || die "error should name $file and '$reason': $(cat err.txt)"
  ! grep -qE 'Segmentation|terminate called|Aborted|frame #' err.txt || die "crash in $*: $(cat err.txt)"
  [ -z "$(find "$dir" -name '.*.tmp.*')" ] || die "temporary left in $dir by $*: $(ls -a "$dir")"
}

# --- file size limit (no privileges needed): the kernel's EFBIG, not a SIGXFSZ kill ---
mkdir lim
cp "$DATA" lim/prev.h5
before=$(sha256sum lim/prev.h5)
expect_write_failure "File too large" "lim/prev.h5" lim \
  bash -c "ulimit -f 200; exec \"$CHARNN\" preprocess --input \"$SHAKESPEARE\" --output lim/prev.h5 --force"
[ "$(sha256sum lim/prev.h5)" = "$before" ] || die "the previous cache changed"
pass "preprocess over ulimit -f: EFBIG named, previous cache intact, no temporary"

if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=64k tmpfs "$WORK/lim" 2>/dev/null; then
  [ "${CI:-}" = true ] && die "CI: cannot mount a tmpfs (needs root)"
  echo "skipping the full-filesystem cases: mounting a tmpfs needs root"
  finish
  exit 0
fi
umount "$WORK/lim"
mounts=()
trap 'for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done; rm -rf "$WORK"' EXIT
small_fs() {  # small_fs DIR KB: a fresh tmpfs of KB kilobytes at DIR
  mkdir -p "$1"
  mount -t tmpfs -o "size=${2}k" tmpfs "$1"
  mounts+=("$WORK/$1")
}

# --- preprocess into a full filesystem: the cache (1.1 MB) does not fit 256 KB ---
small_fs pp 256
echo "keep me" > pp/notes.txt
expect_write_failure "No space left on device" "pp/c.h5" pp \
  "$CHARNN" preprocess --input "$SHAKESPEARE" --output pp/c.h5
[ ! -e pp/c.h5 ] && [ "$(cat pp/notes.txt)" = "keep me" ] || die "preprocess left an output or touched other files"
pass "preprocess on a full filesystem: ENOSPC named, no output, no temporary"

# --- checkpoint save: the first checkpoint fits, the second does not ---
TRAIN=(--data "$DATA" "${TINY[@]}" --rnn_size 96 --eval_val_every 2 --keep_last 0)
"$CHARNN" train "${TRAIN[@]}" --max_iters 2 --checkpoint_dir probe >/dev/null 2>&1 || die "probe run"
size_kb=$(( $(stat -c %s probe/latest -L) / 1024 ))
small_fs ck $(( size_kb * 3 / 2 + 40 ))
expect_write_failure "No space left on device" "ck/lm_lstm_epoch.*\.h5" ck \
  "$CHARNN" train "${TRAIN[@]}" --max_iters 6 --checkpoint_dir ck
[ "$(ls ck/lm_*.h5 | wc -l)" = 1 ] || die "expected the first checkpoint only: $(ls ck)"
"$CHARNN" inspect ck/latest >/dev/null 2>&1 || die "the previous checkpoint does not load after the failed save"
pass "checkpoint save on a full filesystem: ENOSPC named, previous checkpoint and latest intact"

# --- metrics.jsonl: the log grows past the space left (one page) ---
small_fs logs 16
head -c $((8 * 1024)) /dev/zero > logs/filler  # config.yaml takes a page, metrics.jsonl the last
expect_write_failure "No space left on device" "logs/metrics.jsonl" logs \
  "$CHARNN" train "${TRAIN[@]}" --max_iters 200 --eval_val_every 1000 --checkpoint_dir logs
pass "metrics.jsonl on a full filesystem: the run stops with ENOSPC named"

# --- sweep planning: trial directories do not fit ---
cat > sweep.yaml <<EOF
name: full
base:
  data: $WORK/$DATA
  max_iters: 2
sweep:
  method: grid
  parameters:
    learning_rate: [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008]
EOF
small_fs sw 12
expect_write_failure "No space left on device" "sw/" sw "$CHARNN" sweep plan sweep.yaml --dir sw/plan
[ ! -e sw/plan ] || die "a half-planned sweep was left behind: $(ls -R sw)"
pass "sweep plan on a full filesystem: ENOSPC named, no half-planned sweep, no temporary"
finish
