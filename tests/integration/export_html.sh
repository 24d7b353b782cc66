# charnn export --format html: the page that samples in the browser, opened from
# disk in headless Chromium with the network off (browser_lib.sh). Temperature 0
# writes exactly `charnn sample --argmax`'s text, for an LSTM, a GRU and an RNN;
# a seed repeats its text; bad input is one error line and nothing written.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/browser_lib.sh"
browser_check

train_every_cell

# The text of <pre id="out"> in a DOM dump. HTML serialisation writes one extra
# newline after <pre> when the text starts with one: that one is dropped.
page_text() {
  "$PY" -c '
import html, re, sys
m = re.search(r"<pre id=\"out\">(.*?)</pre>", open(sys.argv[1], encoding="utf-8").read(), re.S)
t = html.unescape(m.group(1)) if m else sys.exit("no <pre id=out> in " + sys.argv[1])
sys.stdout.write(t[1:] if t.startswith("\n") else t)' "$1"
}
status_of() { grep -o '<p id="status"[^>]*>[^<]*' "$1" || die "no status in $1"; }
CSP="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

prime='ROMEO:'
for cell in lstm gru rnn; do
  ck=$("$CHARNN" best "run-$cell")
  "$CHARNN" export "$ck" --format html -o "$cell.html" >/dev/null 2>export.log || die "export $cell: $(cat export.log)"
  grep -q '<meta name="generator" content="charnn export">' "$cell.html" || die "$cell.html: no generator tag"
  grep -qF "content=\"$CSP\"" "$cell.html" || die "$cell.html: not the pages' CSP"
  ! grep -qiE '(src|href)="(https?:)?//' "$cell.html" || die "$cell.html refers to the network"
  "$CHARNN" sample "$ck" --argmax --primetext "$prime" --length 300 | head -c -1 > "$cell.want"  # less its final newline
  browser_dom "$cell.html" "prime=$prime&temperature=0&length=300&run" > "$cell.dom" || die "chromium on $cell.html"
  status_of "$cell.dom" | grep -q 'data-state="done" data-chars="300"' || die "$cell page: $(status_of "$cell.dom")"
  page_text "$cell.dom" > "$cell.got"
  cmp -s "$cell.want" "$cell.got" || die "$cell: the page's argmax text differs from charnn sample --argmax:
$(diff <(fold -w 60 "$cell.want") <(fold -w 60 "$cell.got") | head -20)"
  # No prime: both start after a newline.
  "$CHARNN" sample "$ck" --argmax --length 200 | head -c -1 > "$cell.want0"
  browser_dom "$cell.html" "temperature=0&length=200&run" > "$cell.dom0"
  page_text "$cell.dom0" | cmp -s "$cell.want0" - || die "$cell: argmax text without a prime differs"
done
pass "LSTM, GRU, RNN pages from disk, network off: temperature 0 writes charnn sample --argmax's 300 characters (and 200 with no prime)"

# A bytes vocabulary: the page reads the prime as UTF-8 bytes and decodes what it writes.
{ for _ in $(seq 300); do printf 'caf\xc3\xa9 na\xc3\xafve \xe2\x98\x83 '; head -c 200 ts.txt | tail -c 60; done; } > bytes.txt
"$CHARNN" preprocess --input bytes.txt --output bytes.h5 --encoding bytes >/dev/null 2>&1
"$CHARNN" train --data bytes.h5 "${TINY[@]}" --max_iters 30 --eval_val_every 30 --checkpoint_dir run-bytes >/dev/null 2>&1 \
  || die "train on bytes"
ck=$("$CHARNN" best run-bytes)
"$CHARNN" export "$ck" -o bytes.html >/dev/null 2>&1 || die "export bytes"
"$CHARNN" sample "$ck" --argmax --primetext "café" --length 150 | head -c -1 > bytes.want
browser_dom bytes.html "prime=caf%C3%A9&temperature=0&length=150&run" > bytes.dom
page_text bytes.dom | cmp -s bytes.want - || die "bytes vocabulary: the page's argmax text differs"
pass "a bytes vocabulary: the page writes charnn sample --argmax's 150 bytes after a UTF-8 prime"

frag="prime=First%20Citizen%3A%0A&temperature=0.9&length=400"
browser_dom lstm.html "$frag&seed=7&run" > s7a.dom
browser_dom lstm.html "$frag&seed=7&run" > s7b.dom
browser_dom lstm.html "$frag&seed=8&run" > s8.dom
page_text s7a.dom > s7a.txt; page_text s7b.dom > s7b.txt; page_text s8.dom > s8.txt
[ "$(head -c 15 s7a.txt | od -An -c | tr -s ' ')" = " F i r s t C i t i z e n : \n" ] && [ "$(wc -c < s7a.txt)" = 415 ] || die "seeded sample: expected the prime then 400 characters: $(head -c 80 s7a.txt)"
cmp -s s7a.txt s7b.txt || die "seed 7 did not repeat its text"
! cmp -s s7a.txt s8.txt || die "seeds 7 and 8 gave the same text"
! cmp -s s7a.txt <(page_text lstm.dom) || die "temperature 0.9 gave the argmax text"
pass "temperature 0.9: seed 7 repeats its text, seed 8 gives another"

browser_dom lstm.html "prime=caf%C3%A9%20%E2%98%83&temperature=0&length=5&run" > odd.dom
status_of odd.dom | grep -q "data-state=\"error\">the prime has characters that are not in the model's vocabulary: é ☃" \
  || die "unknown prime characters: $(status_of odd.dom)"
browser_dom lstm.html "temperature=-1&run" > neg.dom
status_of neg.dom | grep -q 'data-state="error">Temperature -1: expected a number from 0 to 10' \
  || die "negative temperature: $(status_of neg.dom)"
browser_dom lstm.html > idle.dom
status_of idle.dom | grep -q 'data-state="ready"' || die "page without a link: $(status_of idle.dom)"
pass "the page names characters the model does not know and a bad temperature; without #run it waits"

ck=$("$CHARNN" best run-lstm)
echo '<html><body>my own page</body></html>' > mine.html
cp mine.html mine.orig
expect_error "mine.html: exists and is not a web page written by charnn" "$CHARNN" export "$ck" --format html -o mine.html
cmp -s mine.html mine.orig || die "a foreign page was overwritten"
"$CHARNN" export "$ck" -o lstm.html >/dev/null 2>&1 || die "replacing its own page (format from the name)"
expect_error "export: --format = 'pdf': expected one of html | onnx" "$CHARNN" export "$ck" --format pdf
expect_error "give --format html | onnx (--output 'x.txt' ends in neither .html nor .onnx)" "$CHARNN" export "$ck" -o x.txt
expect_error "is also an input" "$CHARNN" export "$ck" --format html -o "$ck"
expect_error "nope.h5" "$CHARNN" export nope.h5 --format html -o nope.html
[ ! -e x.txt ] && [ ! -e nope.html ] || die "a file was written despite an error"
pass "export refuses a foreign file, a bad --format, its own input; replaces its own page"
finish
