#!/usr/bin/env bash
# bench/train-grid.sh -- charnn vs plain PyTorch, CPU training speed, side by side.
#
# What it measures: the torch-rnn benchmark grid -- LSTM with 1, 2, 3 layers x rnn_size
# 64, 128, 256, 512, batch 50, seq 50, embedding 64, Adam lr 2e-3, grad clip 5, on tiny
# Shakespeare (vocab 65), on the CPU. For every grid point it runs `charnn train` and then
# bench/torch_reference.py (the same model and loop in PyTorch, Debian's python3-torch =
# the same LibTorch 1.13 build) for WARMUP + N iterations each, and takes the MEDIAN time
# per iteration over the N timed ones (warmup skipped):
#   charnn: per-iteration wall time from metrics.jsonl with --print_every 1, i.e.
#           B*T / chars_per_sec (data + forward + backward + clip + Adam); the final val
#           pass and checkpoint write are outside the timed iterations.
#   python: time.perf_counter() around each whole iteration (batch, forward, backward,
#           clip_grad_norm_, Adam step).
# This is repeated ROUNDS times, alternating charnn and python; each side reports its
# lowest median (the round least disturbed by other work on the machine). The "other"
# column is the CPU (in cores) used by other processes during those runs, so a disturbed
# point can be spotted. ratio = python ms / charnn ms (> 1: charnn is faster).
# Threads: charnn uses its defaults (1 LibTorch intra-op thread, OpenBLAS gets the cores);
# Python uses torch's defaults (torch.get_num_threads() is printed; OpenBLAS also uses all
# cores by default). If torch's default is not 1, a column with set_num_threads(1) is added.
# A second table gives charnn's median time per phase (ms_data, ms_compute =
# forward+backward, ms_optimizer = clip+Adam+zero_grad) from metrics.jsonl.
#
# How to run (from anywhere; paths are relative to the repo root; charnn must be built,
# /usr/bin/python3 needs python3-torch, jq and /usr/bin/time must be installed):
#   bench/train-grid.sh                              # full grid, ~10 minutes on 2 cores
#   LAYERS="2" SIZES="128 512" bench/train-grid.sh   # a subset
#   ROUNDS=1 ITER_SCALE=0.5 bench/train-grid.sh      # quicker, noisier
#   CHARNN_ARGS="--threads 1" bench/train-grid.sh    # extra flags for charnn train
#   QUIET_WAIT=120 bench/train-grid.sh               # on a shared machine: before each run,
#                                                    # wait up to 120 s for the CPUs to go idle
# Environment: CHARNN (build/charnn), PYTHON (/usr/bin/python3), LAYERS, SIZES, ROUNDS (3),
#   ITER_SCALE (1), CHARNN_ARGS, QUIET_WAIT (0). OPENBLAS_NUM_THREADS affects only the
#   python side: charnn always sets OpenBLAS's threads itself (--threads, default all cores).
# Nothing is left behind: all files go to a temp dir removed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
CHARNN=${CHARNN:-build/charnn}
PYTHON=${PYTHON:-/usr/bin/python3}
LAYERS=${LAYERS:-"1 2 3"}
SIZES=${SIZES:-"64 128 256 512"}
ROUNDS=${ROUNDS:-3}
ITER_SCALE=${ITER_SCALE:-1}
CHARNN_ARGS=${CHARNN_ARGS:-}
QUIET_WAIT=${QUIET_WAIT:-0}
B=50 T=50

[ -x "$CHARNN" ] || { echo "train-grid.sh: $CHARNN not found; build charnn first" >&2; exit 1; }
"$PYTHON" -c 'import torch' 2>/dev/null || { echo "train-grid.sh: $PYTHON has no torch (apt-get install python3-torch)" >&2; exit 1; }
if ! command -v jq >/dev/null || [ ! -x /usr/bin/time ]; then echo "train-grid.sh: needs jq and /usr/bin/time" >&2; exit 1; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Timed iterations per size (larger models are slower, so fewer iterations), and warmup.
timed_iters() {
  local n
  case $1 in 64) n=50 ;; 128) n=40 ;; 256) n=20 ;; *) n=10 ;; esac
  awk -v n="$n" -v s="$ITER_SCALE" 'BEGIN { n = int(n * s); print (n < 3 ? 3 : n) }'
}
warmup_iters() { case $1 in 64|128) echo 4 ;; *) echo 2 ;; esac; }

# shellcheck source=bench/measure.sh
source bench/measure.sh  # (the script has cd-ed to the repository root)
other_cores() { measure "$@" | cut -d" " -f2; }  # only the "other" figure

charnn_round() {  # L H warmup timed -> "ms data compute optimizer n other"
  local L=$1 H=$2 w=$3 n=$4 run="$tmp/run" other
  rm -rf "$run"
  # shellcheck disable=SC2086
  other=$(other_cores "$tmp/charnn.log" "$CHARNN" train --data "$tmp/tinyshakespeare.h5" --model lstm \
    --num_layers "$L" --rnn_size "$H" --embedding_size 64 --batch_size $B --seq_length $T --optimizer adam \
    --learning_rate 0.002 --grad_clip 5 --max_iters $((w + n)) --eval_val_every 100000 --val_max_batches 1 \
    --print_every 1 --progress lines --checkpoint_dir "$run" $CHARNN_ARGS)
  # Medians over the timed iterations: wall ms/iter (from chars_per_sec) and per phase.
  "$PYTHON" -c '
import json, statistics, sys
path, warmup, chars, other = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows = [j for j in map(json.loads, open(path)) if j.get("event") == "train" and j["iter"] > warmup]
med = lambda k: statistics.median(r[k] for r in rows)
ms = statistics.median(1000.0 * chars / r["chars_per_sec"] for r in rows)
print("{:.2f}\t{:.3f}\t{:.2f}\t{:.3f}\t{}\t{}".format(ms, med("ms_data"), med("ms_compute"), med("ms_optimizer"), len(rows), other))
' "$run/metrics.jsonl" "$w" $((B * T)) "$other"
}

python_round() {  # L H warmup timed [--threads 1] -> "ms other"
  local L=$1 H=$2 w=$3 n=$4 other
  shift 4
  other=$(other_cores "$tmp/py.json" "$PYTHON" bench/torch_reference.py train --layers "$L" --size "$H" \
    --iters "$n" --warmup "$w" "$@")
  printf '%s\t%s\n' "$(jq -r .ms_per_iter_median "$tmp/py.json")" "$other"
}

"$CHARNN" preprocess --input data/tinyshakespeare/input.txt --output "$tmp/tinyshakespeare.h5" >/dev/null

py_threads=$("$PYTHON" -c 'import torch; print(torch.get_num_threads())')
extra_py=0
[ "$py_threads" != 1 ] && extra_py=1

echo "charnn vs PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)'), CPU training, LSTM, batch $B x seq $T, $(nproc) cores, $ROUNDS round(s)"
echo "python: torch.get_num_threads() default = $py_threads$([ $extra_py = 0 ] && echo ' (= set_num_threads(1), so no extra column)')"
[ -n "$CHARNN_ARGS" ] && echo "charnn extra flags: $CHARNN_ARGS"
[ -n "${OPENBLAS_NUM_THREADS:-}" ] && echo "OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS"
echo

results="$tmp/results.tsv"
: >"$results"
for L in $LAYERS; do
  for H in $SIZES; do
    n=$(timed_iters "$H") w=$(warmup_iters "$H")
    echo "  ${L}x${H}: $ROUNDS x ($w warmup + $n timed iterations) per side ..." >&2
    : >"$tmp/c.tsv"
    : >"$tmp/p.tsv"
    printf -- '-1\t0\n' >"$tmp/p1.tsv"
    [ $extra_py = 1 ] && : >"$tmp/p1.tsv"
    for _ in $(seq "$ROUNDS"); do
      charnn_round "$L" "$H" "$w" "$n" >>"$tmp/c.tsv"
      python_round "$L" "$H" "$w" "$n" >>"$tmp/p.tsv"
      if [ $extra_py = 1 ]; then python_round "$L" "$H" "$w" "$n" --threads 1 >>"$tmp/p1.tsv"; fi
    done
    # Lowest median per side, and the largest "other" CPU seen by that side.
    c=$(sort -g -k1,1 "$tmp/c.tsv" | head -1 | cut -f1-5)
    p=$(sort -g -k1,1 "$tmp/p.tsv" | head -1 | cut -f1)
    p1=$(sort -g -k1,1 "$tmp/p1.tsv" | head -1 | cut -f1)
    c_other=$(cut -f6 "$tmp/c.tsv" | sort -g | tail -1)
    p_other=$(cut -f2 "$tmp/p.tsv" | sort -g | tail -1)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$L" "$H" "$c" "$p" "$p1" "$c_other" "$p_other" >>"$results"
  done
done

# results.tsv: 1 L, 2 H, 3 c_ms, 4 c_data, 5 c_compute, 6 c_opt, 7 c_n, 8 p_ms, 9 p1_ms, 10 c_other, 11 p_other
awk -F'\t' -v extra=$extra_py -v chars=$((B * T)) '
  BEGIN {
    printf "%-6s %-4s %12s %12s %12s %12s %6s", "layers", "size", "charnn ms/it", "charnn ch/s", "python ms/it", "python ch/s", "ratio"
    if (extra) printf " %14s %13s %6s", "py-1thr ms/it", "py-1thr ch/s", "ratio1"
    printf "   %s\n", "other c/p"
  }
  {
    printf "%-6s %-4s %12.1f %12.0f %12.1f %12.0f %6.2f", $1, $2, $3, chars * 1000 / $3, $8, chars * 1000 / $8, $8 / $3
    if (extra) printf " %14.1f %13.0f %6.2f", $9, chars * 1000 / $9, $9 / $3
    printf "   %.2f/%.2f\n", $10, $11
  }' "$results"
echo "ratio = python ms / charnn ms (> 1: charnn faster). other c/p: most CPU used by other processes"
echo "during the charnn / python runs, in cores (about 0 = quiet; about 1 = one core was taken)."
echo
echo "charnn median time per phase (ms/iter; compute = forward+backward, optimizer = clip+Adam+zero_grad)"
awk -F'\t' '
  BEGIN { printf "%-6s %-4s %10s %12s %14s %8s\n", "layers", "size", "ms_data", "ms_compute", "ms_optimizer", "iters" }
  { printf "%-6s %-4s %10.3f %12.1f %14.2f %8d\n", $1, $2, $4, $5, $6, $7 }' "$results"
