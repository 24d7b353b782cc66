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
printf 'ROMEO:\nWhat, ho!' > prime.txt
"$CHARNN" sample "$ck" --length 300 --primetext_file prime.txt --seed 5 > c.txt
[ "$(cat c.txt)" = "$("$CHARNN" sample "$ck" --length 300 --primetext "$(cat prime.txt)" --seed 5)" ] \
  || die "--primetext_file differs from the same text as --primetext"
pass "sample: primetext first, exact length, seeded repeatable, --output, --top-k, --argmax, --primetext_file"

# A temperature list: one labelled sample per temperature and seed, each the
# text that temperature and seed give alone; --output holds what stdout shows.
"$CHARNN" sample "$ck" --length 80 -t 0.5,1.0 -t 1.5 --num_samples 2 --seed 11 --top_k 30 -o multi.txt >multi-out.txt
cmp -s <(printf '%s\n' "$(cat multi.txt)") multi-out.txt || die "--output differs from stdout for several samples"
"$PY" - multi-out.txt <<'PYEOF' || die "temperature list: headers or texts"
import re, sys
parts = re.split(r"^--- temperature (\S+), seed (\d+) ---\n", open(sys.argv[1]).read(), flags=re.M)
assert parts[0] == "", parts[0]
heads = list(zip(parts[1::3], parts[2::3]))
assert heads == [(t, s) for t in ("0.5", "1", "1.5") for s in ("11", "12")], heads
for i, text in enumerate(parts[3::3]):  # a blank line between samples, a newline after the last
    end = "\n" if i == len(heads) - 1 else "\n\n"
    assert text.endswith(end), repr(text)
    open(f"multi-{i}.txt", "w").write(text[: -len(end)] + "\n")
PYEOF
i=0
for t in 0.5 1 1.5; do
  for s in 11 12; do
    "$CHARNN" sample "$ck" --length 80 -t "$t" --seed "$s" --top-k 30 >single.txt
    cmp -s single.txt "multi-$i.txt" || die "temperature $t, seed $s: not the text of -t $t --seed $s alone"
    i=$((i + 1))
  done
done
pass "a temperature list gives labelled samples, each the text of its temperature and seed alone"

# --json: one object per sample and line, nothing else on stdout; the same text as plain output.
"$CHARNN" sample "$ck" --length 60 -t 0.5,1 --num-samples 2 --top-p 0.9 --top-k 20 -p "ROMEO:" --json -o j.txt >j.jsonl
"$CHARNN" sample "$ck" --length 60 -t 1 --seed 124 --top_p 0.9 --top-k 20 -p "ROMEO:" >plain.txt
"$PY" -c '
import json, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "" and len(lines) == 5, lines
rows = [json.loads(l) for l in lines[:-1]]
for j in rows:
    assert list(j) == ["text", "temperature", "seed", "top_k", "top_p", "length", "mean_logprob"], j
    assert j["text"].startswith("ROMEO:") and len(j["text"]) == 66 and j["length"] == 60, j
    assert j["top_k"] == 20 and j["top_p"] == 0.9, j
    assert -20 < j["mean_logprob"] < 0, j
assert [(j["temperature"], j["seed"]) for j in rows] == [(0.5, 123), (0.5, 124), (1.0, 123), (1.0, 124)], rows
assert rows[3]["text"] + "\n" == open(sys.argv[2]).read(), "json text differs from the plain run"
assert open(sys.argv[3]).read().count("--- temperature ") == 4, "--output with --json: not the plain text"
' j.jsonl plain.txt j.txt || die "--json lines: $(head -c 400 j.jsonl)"
pass "--json: a JSON line per sample with its fields; --num_samples and --top_p spellings"

# sample_error PATTERN ARGS...: exit 1 and one line, the 'charnn: error:' naming the flag and value.
sample_error() {
  local pattern=$1 out rc=0; shift
  out=$("$CHARNN" sample "$ck" --length 5 "$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" = 1 ] || die "sample $*: exit $rc"
  [ "$(wc -l <<<"$out")" = 1 ] && grep -q '^charnn: error: ' <<<"$out" || die "sample $*: not one error line: $out"
  grep -qF -- "$pattern" <<<"$out" || die "sample $*: expected '$pattern' in: $out"
}
sample_error "--temperature abc: expected a number > 0" -t 0.5,abc
sample_error "--temperature 0: expected a number > 0" -t 0.5 -t 0
sample_error "--top-p 0: expected a number > 0 and <= 1" --top-p 0
sample_error "--top-p 1.5: expected a number > 0 and <= 1" --top_p 1.5
sample_error "--num-samples 0: expected >= 1" --num_samples 0
pass "bad --temperature lists and --top-p values are one-line errors naming the flag and value"

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
