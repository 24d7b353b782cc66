# Sampling and evaluation from checkpoints; bad checkpoints and primetext.
source "$(dirname "$0")/lib.sh"
DATA=$(shakespeare_h5)
"$CHARNN" train --data "$DATA" "${TINY[@]}" --max_iters 10 --eval_val_every 10 --checkpoint_dir run >/dev/null 2>&1
ck=$("$CHARNN" best run)
[ -f "$ck" ] || die "best"

"$CHARNN" sample "$ck" --length 300 --primetext "ROMEO:" --seed 5 --output a.txt >/dev/null
[ "$(head -c 6 a.txt)" = "ROMEO:" ] || die "primetext not first"
[ "$(wc -m < a.txt)" = 306 ] || die "length: $(wc -m < a.txt)"
"$CHARNN" sample "$ck" --length 300 --primetext "ROMEO:" --seed 5 > b.txt
[ "$(cat a.txt)" = "$(cat b.txt)" ] || die "seeded sampling not repeatable (or stdout differs from --output)"
"$CHARNN" sample "$ck" --length 100 --argmax --num-samples 2 --output s.txt >/dev/null
[ -s s.txt ] || die "--output"
"$CHARNN" sample "$ck" --length 100 --top-k 3 --temperature 0.5 >/dev/null || die "top-k"
pass "sample: primetext first, exact length, seeded repeatable, --output, --top-k, --argmax"

expect_error "not in the model's vocabulary: € " "$CHARNN" sample "$ck" --primetext "ROMEO€"
"$CHARNN" sample "$ck" --primetext "ROMEO€" --skip-unknown --length 10 | grep -q "^ROMEO" || die "--skip-unknown"
expect_error "expected a number > 0" "$CHARNN" sample "$ck" --temperature 0
pass "unknown primetext characters are listed (or dropped with --skip-unknown)"

out=$("$CHARNN" eval "$ck" --data "$DATA" --split test)
grep -qE "loss [0-9.]+ nats/char, [0-9.]+ bits/char over [0-9]+ characters" <<<"$out" || die "eval: $out"
"$CHARNN" inspect "$ck" | grep -q "parameters    " || die "inspect checkpoint"
pass "eval prints loss and bpc over the split; inspect describes a checkpoint"

# --json is real JSON whatever the path holds (quotes, backslashes, tabs).
odd=$'say "hi"\\\tx.h5'
cp "$ck" "$odd"
out=$("$CHARNN" eval "$odd" --data "$DATA" --split test --json)
"$PY" -c 'import json,sys; j=json.loads(sys.argv[1]); assert j["checkpoint"]==sys.argv[2], j; assert j["split"]=="test"; assert j["loss"]>0 and j["characters"]>0, j' \
  "$out" "$odd" || die "eval --json is not valid JSON naming the checkpoint: $out"
pass "eval --json escapes the checkpoint path"

cp "$ck" cut.h5
truncate -s $(( $(stat -c %s cut.h5) / 2 )) cut.h5
expect_error "cut.h5: " "$CHARNN" sample cut.h5
expect_error "not a charnn checkpoint" "$CHARNN" sample "$DATA"
echo "hello" > text.h5
expect_error "not a charnn checkpoint: no integrity seal" "$CHARNN" sample text.h5
expect_error "checkpoint not found" "$CHARNN" sample missing.h5
pass "truncated, foreign and garbage checkpoints are clear errors"
finish
