# Shared by the GPU tests (ctest label `gpu`): the integration helpers, plus a
# skip (exit 77, reason printed) where this charnn has no CUDA or sees no GPU.
source "$(dirname "$0")/../integration/lib.sh"
runtime=$("$CHARNN" --version)
if ! grep -qE '[1-9][0-9]* GPUs? visible' <<<"$runtime"; then
  echo "SKIP: no GPU for this charnn ($runtime)"
  exit 77
fi
echo "# $runtime"
# A small LSTM on tiny-shakespeare that the GPU runs in seconds.
SMALL=(--model lstm --rnn_size 128 --num_layers 2 --embedding_size 64 --batch_size 32 --seq_length 64
       --progress lines --print_every 1 --val_max_batches 4 --eval_val_every 1000000)

# loss_at RUN_DIR ITER: the train loss logged at iteration ITER.
loss_at() {
  "$PY" -c 'import json,sys
for j in map(json.loads, open(sys.argv[1] + "/metrics.jsonl")):
    if j["event"] == "train" and j["iter"] == int(sys.argv[2]): print(j["loss"])' "$1" "$2"
}
# close A B TOL: |A - B| <= TOL.
close() { "$PY" -c 'import sys; a, b, t = map(float, sys.argv[1:]); sys.exit(0 if abs(a - b) <= t else 1)' "$@"; }
# same_losses RUN_A RUN_B FROM TO TOL: train losses FROM..TO agree within TOL.
same_losses() {
  "$PY" - "$@" <<'PYEOF'
import json, sys
a, b, lo, hi, tol = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
def losses(d):
    return {j["iter"]: j["loss"] for j in map(json.loads, open(d + "/metrics.jsonl")) if j["event"] == "train"}
la, lb = losses(a), losses(b)
bad = [(i, la.get(i), lb.get(i)) for i in range(lo, hi + 1) if i not in la or i not in lb or abs(la[i] - lb[i]) > tol]
if bad:
    sys.exit(f"losses differ beyond {tol} at {len(bad)} iterations, first: {bad[:3]}")
print(f"max diff {max(abs(la[i] - lb[i]) for i in range(lo, hi + 1)):.2e} over iterations {lo}..{hi}")
PYEOF
}
