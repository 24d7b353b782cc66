#!/usr/bin/env bash
# bench/train-grid.sh -- charnn vs plain PyTorch, CPU training speed, side by side.
#
# What it measures: the torch-rnn benchmark grid -- LSTM with 1, 2, 3 layers x rnn_size
# 64, 128, 256, 512, batch 50, seq 50, embedding 64, Adam lr 2e-3, grad clip 5, on tiny
# Shakespeare (vocab 65), on the CPU. For every grid point it runs `charnn train` and then
# bench/torch_reference.py (the same model and loop in PyTorch, Debian's python3-torch =
# the same LibTorch 1.13 build) for WARMUP + N iterations each, and reports the MEDIAN
# time per iteration over the N timed ones (warmup skipped):
#   charnn: per-iteration wall time from metrics.jsonl with --print_every 1, i.e.
#           B*T / chars_per_sec (covers data + forward + backward + clip + Adam);
#           the final val pass and checkpoint write are outside the timed iterations.
#   python: time.perf_counter() around each whole iteration (batch, forward, backward,
#           clip_grad_norm_, Adam step).
# ratio = python ms / charnn ms (> 1: charnn is faster).
# Threads: charnn uses its defaults (1 LibTorch intra-op thread, OpenBLAS gets the cores);
# Python uses torch's defaults (torch.get_num_threads() is printed). If that default is
# not 1, an extra column with torch.set_num_threads(1) is added.
# A second table gives charnn's median time per phase (ms_data, ms_compute =
# forward+backward, ms_optimizer = clip+Adam+zero_grad) from metrics.jsonl.
#
# How to run (from anywhere; paths are relative to the repo root, charnn must be built):
#   bench/train-grid.sh                      # full grid, ~10 minutes on 2 cores
#   LAYERS="2" SIZES="128 512" bench/train-grid.sh   # a subset
#   ITER_SCALE=0.5 bench/train-grid.sh       # fewer timed iterations (quicker, noisier)
# Environment: CHARNN (default build/charnn), PYTHON (default /usr/bin/python3),
#   LAYERS, SIZES, ITER_SCALE, CHARNN_ARGS (extra flags for charnn train, e.g. "--threads 1").
# Nothing is left behind: all files go to a temp dir removed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
CHARNN=${CHARNN:-build/charnn}
PYTHON=${PYTHON:-/usr/bin/python3}
LAYERS=${LAYERS:-"1 2 3"}
SIZES=${SIZES:-"64 128 256 512"}
ITER_SCALE=${ITER_SCALE:-1}
CHARNN_ARGS=${CHARNN_ARGS:-}
B=50 T=50

[ -x "$CHARNN" ] || { echo "train-grid.sh: $CHARNN not found; build charnn first" >&2; exit 1; }
"$PYTHON" -c 'import torch' 2>/dev/null || { echo "train-grid.sh: $PYTHON has no torch (apt-get install python3-torch)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Timed iterations per size (larger models are slower, so fewer iterations), and warmup.
timed_iters() {
  local n
  case $1 in 64) n=50 ;; 128) n=40 ;; 256) n=24 ;; *) n=14 ;; esac
  awk -v n="$n" -v s="$ITER_SCALE" 'BEGIN { n = int(n * s); print (n < 3 ? 3 : n) }'
}
warmup_iters() { case $1 in 64|128) echo 5 ;; *) echo 3 ;; esac; }

"$CHARNN" preprocess --input data/tinyshakespeare/input.txt --output "$tmp/tinyshakespeare.h5" >/dev/null

py_threads=$("$PYTHON" -c 'import torch; print(torch.get_num_threads())')
extra_py=0
[ "$py_threads" != 1 ] && extra_py=1

echo "charnn vs PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)'), CPU training, batch $B x seq $T, $(nproc) cores"
echo "python torch.get_num_threads() default = $py_threads$([ $extra_py = 0 ] && echo ' (same as set_num_threads(1): no extra column)')"
echo

results="$tmp/results.tsv"
: >"$results"
for L in $LAYERS; do
  for H in $SIZES; do
    n=$(timed_iters "$H") w=$(warmup_iters "$H")
    echo "  ${L}x${H}: $w warmup + $n timed iterations each ..." >&2
    run="$tmp/run_${L}_${H}"
    # shellcheck disable=SC2086
    "$CHARNN" train --data "$tmp/tinyshakespeare.h5" --model lstm --num_layers "$L" --rnn_size "$H" \
      --embedding_size 64 --batch_size $B --seq_length $T --optimizer adam --learning_rate 0.002 \
      --grad_clip 5 --max_iters $((w + n)) --eval_val_every 100000 --val_max_batches 1 \
      --print_every 1 --progress lines --checkpoint_dir "$run" $CHARNN_ARGS >"$tmp/charnn.log" 2>&1 ||
      { cat "$tmp/charnn.log" >&2; exit 1; }
    # Median over timed iterations: wall ms/iter and per-phase ms.
    c=$("$PYTHON" - "$run/metrics.jsonl" "$w" $((B * T)) <<'EOF'
import json, statistics, sys
path, warmup, chars = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [j for j in map(json.loads, open(path)) if j.get("event") == "train" and j["iter"] > warmup]
med = lambda k: statistics.median(r[k] for r in rows)
ms = statistics.median(1000.0 * chars / r["chars_per_sec"] for r in rows)
print(f"{ms:.1f}\t{chars * 1000.0 / ms:.0f}\t{med('ms_data'):.2f}\t{med('ms_compute'):.1f}\t{med('ms_optimizer'):.2f}\t{len(rows)}")
EOF
)
    p=$("$PYTHON" bench/torch_reference.py train --layers "$L" --size "$H" --iters "$n" --warmup "$w" |
      jq -r '"\(.ms_per_iter_median)\t\(.chars_per_sec)"')
    p1="-	-"
    if [ $extra_py = 1 ]; then
      p1=$("$PYTHON" bench/torch_reference.py train --layers "$L" --size "$H" --iters "$n" --warmup "$w" --threads 1 |
        jq -r '"\(.ms_per_iter_median)\t\(.chars_per_sec)"')
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$L" "$H" "$c" "$p" "$p1" >>"$results"
    rm -rf "$run"
  done
done

# results.tsv columns: L H c_ms c_cps c_data c_compute c_opt c_n p_ms p_cps p1_ms p1_cps
awk -F'\t' -v extra=$extra_py '
  BEGIN {
    printf "%-6s %-5s %13s %13s %13s %13s %7s", "layers", "size", "charnn ms/it", "charnn ch/s", "python ms/it", "python ch/s", "ratio"
    if (extra) printf " %14s %14s %8s", "py(1thr) ms/it", "py(1thr) ch/s", "ratio1"
    printf "\n"
  }
  {
    printf "%-6s %-5s %13.1f %13.0f %13.1f %13.0f %7.2f", $1, $2, $3, $4, $9, $10, $9 / $3
    if (extra) printf " %14.1f %14.0f %8.2f", $11, $12, $11 / $3
    printf "\n"
  }' "$results"
echo
echo "charnn median time per phase (ms/iter; compute = forward+backward, optimizer = clip+Adam+zero_grad)"
awk -F'\t' '
  BEGIN { printf "%-6s %-5s %10s %12s %14s %8s\n", "layers", "size", "ms_data", "ms_compute", "ms_optimizer", "iters" }
  { printf "%-6s %-5s %10.2f %12.1f %14.2f %8d\n", $1, $2, $5, $6, $7, $8 }' "$results"
