# charnn export --format onnx, run by a real ONNX runtime: ONNX Runtime from npm
# (onnxruntime-node, installed by scripts/npm-deps.sh into a cache outside the
# repository). For an LSTM, a GRU and an RNN: the file passes onnx.checker's full
# check; over a val batch of 4 streams x 50 characters its logits are torch.nn's
# within 1e-4 and its loss is `charnn eval`'s; its argmax text is
# `charnn sample --argmax`'s.
source "$(dirname "$0")/lib.sh"
NODE_PATH=$(bash "$CHARNN_SOURCE_DIR/scripts/npm-deps.sh" --path)
export NODE_PATH
command -v node >/dev/null && [ -d "$NODE_PATH/onnxruntime-node" ] \
  || { echo "skip: node or onnxruntime-node missing (scripts/install-deps.sh, scripts/npm-deps.sh)"; exit 77; }
HERE="$CHARNN_SOURCE_DIR/tests/integration"

train_every_cell

B=4 T=50 prime='ROMEO:'
for cell in lstm gru rnn; do
  ck=$("$CHARNN" best "run-$cell")
  "$CHARNN" export "$ck" --format onnx -o "$cell.onnx" >/dev/null 2>export.log || die "export $cell: $(cat export.log)"
  "$PY" "$HERE/export_onnx_ref.py" "$ck" "$cell.onnx" ts.h5 $B $T "$cell.case.json" || die "$cell: reference"
  node "$HERE/export_onnx_check.js" "$cell.onnx" "$cell.case.json" "$prime" 300 > "$cell.ort.json" || die "$cell: ONNX Runtime"
  ev=$("$CHARNN" eval "$ck" --data ts.h5 --split val --batch-size $B --seq-length $T --max-batches 1 --json)
  "$CHARNN" sample "$ck" --argmax --primetext "$prime" --length 300 | head -c -1 > "$cell.want"
  "$PY" - "$cell.ort.json" "$ev" "$cell.want" <<'PYEOF' || die "$cell: ONNX Runtime disagrees with charnn"
import json, sys
ort, ev, want = json.load(open(sys.argv[1])), json.loads(sys.argv[2]), open(sys.argv[3], encoding="utf-8").read()
assert ort["max_abs_diff"] < 1e-4, f"logits differ from torch.nn's by {ort['max_abs_diff']}"
assert abs(ort["loss"] - ev["loss"]) < 1e-5, f"loss {ort['loss']} under ONNX Runtime, {ev['loss']} by charnn eval"
assert ort["text"] == want, f"argmax text: ONNX Runtime {ort['text'][:80]!r}, charnn sample {want[:80]!r}"
print(f"  max |logit difference| {ort['max_abs_diff']:.2e}, loss {ort['loss']:.6f} (eval {ev['loss']:.6f})")
PYEOF
done
pass "LSTM, GRU, RNN in ONNX Runtime: logits within 1e-4 of torch.nn, eval's loss, sample --argmax's 300 characters"

ck=$("$CHARNN" best run-gru)
printf 'not a model' > mine.onnx
expect_error "mine.onnx: exists and is not a stepwise ONNX model written by charnn" "$CHARNN" export "$ck" -o mine.onnx
[ "$(cat mine.onnx)" = "not a model" ] || die "a foreign .onnx was overwritten"
"$CHARNN" export "$ck" -o gru.onnx >/dev/null 2>&1 || die "replacing its own ONNX file (format from the name)"
pass "export replaces its own ONNX file, never a foreign one"
finish
