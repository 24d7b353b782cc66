#!/usr/bin/env bash
# bench/sample.sh -- charnn vs plain PyTorch, per-character sampling speed on the CPU.
#
# What it measures: characters per second generated one at a time (temperature 1) by a
# 2-layer, 512-unit LSTM (embedding 64, vocab 65):
#   charnn: `charnn sample CKPT --length N --temperature 1 --seed 1 --output FILE`, with a
#           checkpoint of a 2x512 model made by one training iteration. Each process is
#           timed end to end for a short and a long length; the steady rate is
#           (N_long - N_short) / (t_long - t_short), which cancels start-up and checkpoint
#           loading. The end-to-end rate of the long run is printed too.
#   python: bench/torch_reference.py sample, a torch.no_grad() loop that feeds one
#           character through Embedding -> LSTM -> Linear, softmax(logits / T),
#           torch.multinomial; timed inside the loop (start-up excluded), torch's default
#           threads (torch.get_num_threads() printed) and, if that is not 1, also with 1.
# ratio = charnn chars/s / python chars/s (> 1: charnn is faster).
#
# How to run (from anywhere; paths are relative to the repo root, charnn must be built):
#   bench/sample.sh
#   LONG=40000 SHORT=1000 PY_LENGTH=8000 bench/sample.sh
#   QUIET_WAIT=120 bench/sample.sh   # shared machine: before each timed run, wait up to
#                                    # 120 s for the CPUs to go idle
# Environment: CHARNN (default build/charnn), PYTHON (default /usr/bin/python3),
#   LAYERS (2), SIZE (512), SHORT (500), LONG (20000) (charnn lengths), PY_LENGTH (4000),
#   QUIET_WAIT (0). The CPU used by other processes during the timed runs is printed
#   ("other", in cores; about 0 = quiet machine).
# Nothing is left behind: all files go to a temp dir removed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
CHARNN=${CHARNN:-build/charnn}
PYTHON=${PYTHON:-/usr/bin/python3}
LAYERS=${LAYERS:-2}
SIZE=${SIZE:-512}
SHORT=${SHORT:-500}
LONG=${LONG:-20000}
PY_LENGTH=${PY_LENGTH:-4000}
QUIET_WAIT=${QUIET_WAIT:-0}

[ -x "$CHARNN" ] || { echo "sample.sh: $CHARNN not found; build charnn first" >&2; exit 1; }
"$PYTHON" -c 'import torch' 2>/dev/null || { echo "sample.sh: $PYTHON has no torch (apt-get install python3-torch)" >&2; exit 1; }
if ! command -v jq >/dev/null || [ ! -x /usr/bin/time ]; then echo "sample.sh: needs jq and /usr/bin/time" >&2; exit 1; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$CHARNN" preprocess --input data/tinyshakespeare/input.txt --output "$tmp/tinyshakespeare.h5" >/dev/null
"$CHARNN" train --data "$tmp/tinyshakespeare.h5" --model lstm --num_layers "$LAYERS" --rnn_size "$SIZE" \
  --embedding_size 64 --batch_size 50 --seq_length 50 --max_iters 1 --val_max_batches 1 \
  --progress lines --checkpoint_dir "$tmp/run" >"$tmp/train.log" 2>&1 || { cat "$tmp/train.log" >&2; exit 1; }
ckpt="$tmp/run/latest"

# shellcheck source=bench/measure.sh
source bench/measure.sh  # (the script has cd-ed to the repository root)
time_sample() {  # length -> "seconds other", end to end
  measure /dev/null "$CHARNN" sample "$ckpt" --length "$1" --temperature 1 --seed 1 --output "$tmp/sample.txt"
  [ "$(wc -m <"$tmp/sample.txt")" -ge "$1" ] || { echo "sample.sh: charnn wrote fewer than $1 characters" >&2; exit 1; }
}

read -r t_short o_short <<<"$(time_sample "$SHORT")"
read -r t_long o_long <<<"$(time_sample "$LONG")"
c_steady=$(awk -v n1="$SHORT" -v n2="$LONG" -v t1="$t_short" -v t2="$t_long" 'BEGIN { printf "%.0f", (n2 - n1) / (t2 - t1) }')
c_e2e=$(awk -v n="$LONG" -v t="$t_long" 'BEGIN { printf "%.0f", n / t }')

py_threads=$("$PYTHON" -c 'import torch; print(torch.get_num_threads())')
read -r _ o_py <<<"$(measure "$tmp/py.json" "$PYTHON" bench/torch_reference.py sample --layers "$LAYERS" --size "$SIZE" --length "$PY_LENGTH")"
py=$(jq -r .chars_per_sec "$tmp/py.json")

echo "per-character sampling, LSTM ${LAYERS}x${SIZE}, temperature 1, $(nproc) cores"
echo "charnn: $SHORT chars in ${t_short}s, $LONG chars in ${t_long}s (end to end, incl. start-up; other: $o_short/$o_long cores)"
echo "python: torch.get_num_threads() default = $py_threads, $PY_LENGTH chars (other: $o_py cores)"
echo
printf '%-34s %10s %8s\n' "" "chars/s" "ratio"
printf '%-34s %10s %8s\n' "charnn sample (steady)" "$c_steady" "$(awk -v a="$c_steady" -v b="$py" 'BEGIN { printf "%.2f", a / b }')"
printf '%-34s %10s %8s\n' "charnn sample (end to end, $LONG)" "$c_e2e" "$(awk -v a="$c_e2e" -v b="$py" 'BEGIN { printf "%.2f", a / b }')"
printf '%-34s %10s %8s\n' "python loop (threads $py_threads)" "$py" "1.00"
if [ "$py_threads" != 1 ]; then
  measure "$tmp/py1.json" "$PYTHON" bench/torch_reference.py sample --layers "$LAYERS" --size "$SIZE" --length "$PY_LENGTH" --threads 1 >/dev/null
  py1=$(jq -r .chars_per_sec "$tmp/py1.json")
  printf '%-34s %10s %8s\n' "python loop (threads 1)" "$py1" "$(awk -v a="$c_steady" -v b="$py1" 'BEGIN { printf "%.2f (steady charnn / this)", a / b }')"
fi
echo "ratio = charnn chars/s / python chars/s (> 1: charnn faster)"
