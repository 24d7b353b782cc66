#!/usr/bin/env bash
# bench/export_page.sh -- the page of `charnn export --format html`: its size, and how fast
# it writes in the browser.
#
# What it measures, for each MODELS cell and SIZES width (2 layers, embedding 64,
# tiny-shakespeare's 65 characters; weights from one training iteration, which changes
# nothing about the speed):
#   page      the bytes of the HTML file (the weights as float32 base64: 4/3 x 4 bytes a
#             parameter, plus the page's script and style)
#   browser   characters per second at temperature 1 in headless Chromium, the page opened
#             from disk with the network off, through tests/integration/browser_lib.sh (the
#             tests' way of driving it): the page's #temperature=1&length=N&seed=1&run link,
#             timed end to end for SHORT and LONG characters; the steady rate is
#             (LONG - SHORT) / (t_long - t_short), which cancels Chromium's start, the page's
#             parse and the weights' decoding. The page works in chunks of at most 25 ms
#             (256 characters) and yields to the page between them, as it does for a reader.
#   charnn    `charnn sample` at temperature 1 on the same checkpoint, LONG characters end to
#             end, for scale (bench/sample.sh measures it properly).
#
# How to run (from anywhere; charnn must be built, chromium installed):
#   bench/export_page.sh
#   MODELS="lstm gru rnn" SIZES="128 512" QUIET_WAIT=60 bench/export_page.sh
# Environment: CHARNN (default build/charnn), MODELS (lstm), SIZES (128 512), SHORT (200),
#   LONG_128 (6000) and LONG_512 (1500) (LONG for other sizes: 1500), QUIET_WAIT (0).
# Nothing is left behind: all files go to a temp dir removed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
CHARNN=$(realpath "${CHARNN:-build/charnn}")
MODELS=${MODELS:-lstm}
SIZES=${SIZES:-128 512}
SHORT=${SHORT:-200}
QUIET_WAIT=${QUIET_WAIT:-0}
LONG_128=${LONG_128:-6000}
LONG_512=${LONG_512:-1500}
[ -x "$CHARNN" ] || { echo "export_page.sh: $CHARNN not found; build charnn first" >&2; exit 1; }
command -v chromium >/dev/null || { echo "export_page.sh: needs chromium (scripts/install-deps.sh)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "export_page.sh: needs /usr/bin/time (scripts/install-deps.sh --bench)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=bench/measure.sh
source bench/measure.sh

# One page run as its own process, so that /usr/bin/time times it: prints the DOM.
cat >"$tmp/dom.sh" <<'SH'
set -euo pipefail
WORK=$1; die() { echo "$*" >&2; exit 1; }
source "$2/tests/integration/browser_lib.sh"
browser_dom "$3" "$4"
SH
time_page() {  # page length -> "seconds other", after checking the page wrote `length` characters
  measure "$tmp/dom.html" bash "$tmp/dom.sh" "$tmp" "$PWD" "$1" "temperature=1&length=$2&seed=1&run"
  grep -q "data-state=\"done\" data-chars=\"$2\"" "$tmp/dom.html" \
    || { echo "export_page.sh: the page did not finish $2 characters: $(grep -o '<p id="status"[^>]*>[^<]*' "$tmp/dom.html")" >&2; exit 1; }
}

"$CHARNN" preprocess --input data/tinyshakespeare/input.txt --output "$tmp/ts.h5" >/dev/null
printf '%-6s %-8s %12s %12s %16s %16s %9s\n' model size params "page bytes" "browser chars/s" "charnn chars/s" "other"
for model in $MODELS; do
  for size in $SIZES; do
    long_var=LONG_$size
    LONG=${!long_var:-1500}
    run="$tmp/run-$model-$size"
    "$CHARNN" train --data "$tmp/ts.h5" --model "$model" --num_layers 2 --rnn_size "$size" --embedding_size 64 \
      --batch_size 50 --seq_length 50 --max_iters 1 --val_max_batches 1 --progress lines \
      --checkpoint_dir "$run" >"$tmp/train.log" 2>&1 || { cat "$tmp/train.log" >&2; exit 1; }
    "$CHARNN" export "$run/latest" --format html -o "$tmp/page.html" 2>"$tmp/export.log" >/dev/null
    params=$("$CHARNN" inspect "$run/latest" | awk '/parameters/ { gsub(",", "", $2); print $2; exit }')
    read -r t_short o_short <<<"$(time_page "$tmp/page.html" "$SHORT")"
    read -r t_long o_long <<<"$(time_page "$tmp/page.html" "$LONG")"
    rate=$(awk -v n1="$SHORT" -v n2="$LONG" -v t1="$t_short" -v t2="$t_long" 'BEGIN { printf "%.0f", (n2 - n1) / (t2 - t1) }')
    read -r t_c _ <<<"$(measure "$tmp/sample.txt" "$CHARNN" sample "$run/latest" --length "$LONG" --temperature 1 --seed 1)"
    crate=$(awk -v n="$LONG" -v t="$t_c" 'BEGIN { printf "%.0f", n / t }')
    printf '%-6s %-8s %12s %12s %16s %16s %9s\n' "$model" "2x$size" "$params" "$(stat -c %s "$tmp/page.html")" \
      "$rate" "$crate" "$o_short/$o_long"
    echo "        ($SHORT chars in ${t_short}s, $LONG in ${t_long}s, end to end; charnn sample: $LONG in ${t_c}s)"
  done
done
echo "browser: headless $(chromium --version 2>/dev/null | head -1); other = CPU cores used by other processes meanwhile"
