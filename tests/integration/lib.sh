# Shared helpers for the integration tests: the real binary on real files.
set -euo pipefail
: "${CHARNN:?set CHARNN to the charnn binary}"
: "${CHARNN_SOURCE_DIR:?set CHARNN_SOURCE_DIR to the source tree}"
# Debian's python3 with h5py; elsewhere (scripts/gpu/build.sh) one that has h5py and numpy.
PY=${CHARNN_PYTHON:-/usr/bin/python3}
WORK=$(mktemp -d /tmp/charnn-it-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export OPENBLAS_NUM_THREADS=1
SHAKESPEARE="$CHARNN_SOURCE_DIR/data/tinyshakespeare/input.txt"
# A tiny model that trains in well under a second per few iterations.
# --device cpu: these tests pin the CPU and MPI paths (bitwise repeatability, N-rank
# exactness); on a GPU machine the GPU has its own tests (tests/gpu/, label gpu).
TINY=(--device cpu --rnn_size 32 --embedding_size 16 --num_layers 2 --batch_size 8 --seq_length 16 --progress lines
      --print_every 1 --val_max_batches 4 --threads 1)
PASSED=0

pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
die() { echo "FAIL - $*" >&2; exit 1; }

# expect_error PATTERN CMD...: CMD must exit non-zero with PATTERN on its one-line error.
expect_error() {
  local pattern=$1; shift
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  [ "$rc" -ne 0 ] || die "expected failure of: $* (got exit 0)"
  ! grep -qE ': runtime error: |^SUMMARY: [A-Za-z]+Sanitizer' <<<"$out" || die "sanitizer report from: $*: $out"
  grep -qF -- "$pattern" <<<"$out" || die "expected '$pattern' in the error of: $*; got: $out"
  grep -q '^charnn: error: ' <<<"$out" || die "no 'charnn: error:' line from: $*; got: $out"
}

shakespeare_h5() {  # preprocess tiny-shakespeare once into $WORK/ts.h5
  [ -f ts.h5 ] || "$CHARNN" preprocess --input "$SHAKESPEARE" --output ts.h5 >/dev/null
  echo ts.h5
}

mpirun_n() {  # mpirun_n N CMD...
  local n=$1; shift
  mpirun --oversubscribe -np "$n" --bind-to none -x OPENBLAS_NUM_THREADS "$@"
}

# charnn processes started by this test (their working directory is $WORK):
# other tests, or another checkout's, may run charnn with the same arguments.
my_charnn_pids() {
  local p
  for p in $(pgrep -x charnn); do
    if [ "$(readlink /proc/"$p"/cwd)" = "$WORK" ]; then echo "$p"; fi
  done
  return 0
}

# left_after SECONDS CMD...: what CMD (a list of pids) still prints after up to SECONDS.
# A launcher that returned has signalled its ranks, but on a loaded machine a rank can
# take a moment to exit (seen under ctest -j2: the list empty 0.1 s after the check);
# one still there after SECONDS was left behind.
left_after() {
  local deadline=$((SECONDS + $1)) left; shift
  while left=$("$@") && [ -n "$left" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  echo "$left"
}

# The MPI rank of a running rank process (from the environment mpirun gave it).
rank_of() { tr '\0' '\n' </proc/"$1"/environ | sed -n 's/^OMPI_COMM_WORLD_RANK=//p'; }

# Compare two checkpoints' model and optimizer arrays bit for bit.
same_weights() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = [f"model/{k}" for k in a["model"]] + [f"optimizer/{k}" for k in a["optimizer"]]
bad = [n for n in names if not np.array_equal(a[n][()], b[n][()])]
if bad:
    sys.exit("differ: " + ", ".join(bad))
PYEOF
}

# Train losses of a run, space-separated, from its metrics.jsonl.
losses() { "$PY" -c 'import json,sys; print(" ".join(repr(j["loss"]) for j in map(json.loads, open(sys.argv[1])) if j["event"] == "train"))' "$1"; }

finish() { echo "$PASSED passed, 0 failed"; }

# ts.h5 (the first 100 kB of tiny-shakespeare) and, in run-lstm, run-gru and run-rnn,
# a 2 x 128 model of each cell trained for 40 iterations: past the uniform start (its
# argmax text is words, not one letter). For the tests that hold charnn's output against
# another runtime's (export_html, export_onnx).
train_every_cell() {
  head -c 100000 "$SHAKESPEARE" > ts.txt
  "$CHARNN" preprocess --input ts.txt --output ts.h5 >/dev/null
  local cell
  for cell in lstm gru rnn; do
    "$CHARNN" train --data ts.h5 "${TINY[@]}" --model "$cell" --rnn_size 128 --embedding_size 32 --seq_length 32 \
      --max_iters 40 --eval_val_every 40 --checkpoint_dir "run-$cell" >/dev/null 2>&1 || die "train $cell"
  done
  pass "trained 2x128 LSTM, GRU and RNN models"
}
