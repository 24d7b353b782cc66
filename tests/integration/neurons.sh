# charnn neurons: the page of a model's cells and guesses, read back from
# headless Chromium (network off) and checked against the checkpoint run in
# torch.nn (neurons_check.py) and against `charnn eval`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/browser_lib.sh"
browser_check
CHECK="$CHARNN_SOURCE_DIR/tests/integration/neurons_check.py"

# Prose and C in one corpus, so every text property (quotes, brackets, comments,
# strings) varies over the page's text.
head -c 150000 "$SHAKESPEARE" > prose.txt
cat "$CHARNN_SOURCE_DIR"/src/viz/text_properties.cpp "$CHARNN_SOURCE_DIR"/src/data/vocab.cpp \
    "$CHARNN_SOURCE_DIR"/src/data/utf8.cpp > code.txt
"$CHARNN" preprocess --input prose.txt --input code.txt --output mix.h5 >/dev/null
{ sed -n 1,30p prose.txt; sed -n 1,45p code.txt; } > text.txt
for cell in lstm gru rnn; do
  "$CHARNN" train --data mix.h5 "${TINY[@]}" --model "$cell" --max_iters 40 --eval_val_every 40 \
    --checkpoint_dir "run-$cell" >/dev/null 2>&1 || die "train $cell"
done
pass "trained tiny LSTM, GRU and RNN models on prose + C"

for cell in lstm gru rnn; do
  ck=$("$CHARNN" best "run-$cell")
  "$CHARNN" neurons "$ck" --text text.txt --out "$cell.html" --json "$cell.json" >/dev/null 2>neurons.log \
    || die "neurons $cell: $(cat neurons.log)"
  grep -q '<meta name="generator" content="charnn neurons">' "$cell.html" || die "$cell.html: no generator tag"
  ! grep -qiE '(src|href)="(https?:)?//' "$cell.html" || die "$cell.html refers to the network"
  view=L2.h.7 pos=$(( $(wc -m < text.txt) / 2 ))
  browser_dom "$cell.html" "view=$view&pos=$pos" > "$cell.dom" || die "chromium on $cell.html"
  "$PY" "$CHECK" "$cell.dom" "$ck" text.txt "$view" "$pos" || die "$cell page"
done
pass "LSTM, GRU and RNN pages: a coloured span per character, every cell in the picker, top 5 and p(next) as torch.nn gives them, 5 ranked cells per property"

# The hash opens a view: an LSTM's cell state, and the surprise view.
ck=$("$CHARNN" best run-lstm)
browser_dom lstm.html "view=L1.c.3&pos=5" | grep -q 'data-view="L1.c.3"' || die "#view=L1.c.3"
browser_dom lstm.html "view=surprise&pos=5" | grep -q 'data-view="surprise"' || die "#view=surprise"
"$CHARNN" neurons "$ck" --text text.txt --out first.html --layer 2 --state h --cell 9 >/dev/null 2>&1
browser_dom first.html | grep -q 'data-view="L2.h.9"' || die "--layer/--state/--cell do not open L2.h.9"
browser_shot lstm.html lstm.png 1280,900 "view=L1.c.3&pos=40"
browser_shot lstm.html surprise.png 1280,900 "view=surprise&pos=40"
if [ -n "${CHARNN_NEURONS_SHOTS:-}" ]; then cp lstm.png surprise.png "$CHARNN_NEURONS_SHOTS"/; fi
pass "location.hash and --layer/--state/--cell pick the view; screenshots saved"

# The mean surprise over the page's characters is charnn eval's loss on the same
# characters: the first 2001 of the val split, one stream, one window of 2000.
"$CHARNN" neurons "$ck" --data mix.h5 --split val --chars 2001 --out val.html --json val.json >/dev/null 2>&1 \
  || die "neurons --data"
ev=$("$CHARNN" eval "$ck" --data mix.h5 --split val --batch-size 1 --seq-length 2000 --max-batches 1 --json)
"$PY" -c '
import json, sys
page = json.load(open("val.json")); ev = json.loads(sys.argv[1])
assert page["characters"] == 2001 and ev["characters"] == 2000, (page["characters"], ev)
assert abs(page["mean_surprise"] - ev["loss"]) < 1e-4, (page["mean_surprise"], ev["loss"])
' "$ev" || die "mean surprise differs from eval's loss: $ev"
pass "mean -ln p over the page equals charnn eval's loss (batch 1, same characters)"

printf 'ROMEO: \xe2\x98\x83 and \xca\x98, \xe2\x98\x83\n' > odd.txt
expect_error "--text odd.txt has characters that are not in the model's vocabulary: ☃  ʘ ; remove them or pass --skip-unknown" \
  "$CHARNN" neurons "$ck" --text odd.txt --out odd.html
[ "$("$CHARNN" neurons "$ck" --text odd.txt --out odd.html 2>&1 | wc -l)" = 1 ] || die "more than one error line"
[ ! -e odd.html ] || die "odd.html written despite the error"
"$CHARNN" neurons "$ck" --text odd.txt --out odd.html --skip-unknown >/dev/null 2>&1 || die "--skip-unknown"
browser_dom odd.html > odd.dom
grep -q 'data-characters="15"' odd.dom || die "--skip-unknown: expected the 15 known characters"
[ "$(grep -o '<span[^>]*style="background-color' odd.dom | wc -l)" = 15 ] || die "--skip-unknown: 15 coloured spans"
pass "unknown characters: one error line listing them; --skip-unknown drops them"

echo '<html><body>my own page</body></html>' > mine.html
cp mine.html mine.orig
expect_error "mine.html: exists and is not a web page written by charnn" "$CHARNN" neurons "$ck" --text text.txt --out mine.html
cmp -s mine.html mine.orig || die "a foreign --out was overwritten"
echo '{"mine": 1}' > mine.json
expect_error "mine.json: exists and is not a neurons table (JSON) written by charnn" "$CHARNN" neurons "$ck" --text text.txt --out new.html --json mine.json
cmp -s mine.json <(echo '{"mine": 1}') || die "a foreign --json was overwritten"
"$CHARNN" neurons "$ck" --text text.txt --out lstm.html --json lstm.json >/dev/null 2>&1 || die "replacing its own page"
expect_error "either --text FILE or --data" "$CHARNN" neurons "$ck" --out x.html
expect_error "--state c: only an LSTM" "$CHARNN" neurons "$("$CHARNN" best run-gru)" --text text.txt --state c
expect_error "--layer 3: the model has 2 layer(s)" "$CHARNN" neurons "$ck" --text text.txt --layer 3
expect_error "--cell 32: the model has 32 cells" "$CHARNN" neurons "$ck" --text text.txt --cell 32
pass "foreign files at --out and --json are refused and left as they were; its own page is replaced; bad flags are one line"
finish
