#!/usr/bin/env bash
# bench/init.sh -- what the `init` option is worth: charnn's val loss at equal iterations
# from `init: pytorch` (LibTorch's default init) and `init: charrnn` (the same draw, with
# the LSTM forget-gate bias at 1, as char-rnn's train.lua), over several seeds.
#
# Setting (the issue's): 2x128 LSTM, embedding 128, batch 50 x seq 50, Adam 2e-3, clip 5,
# dropout 0, constant learning rate, tiny-shakespeare (charnn's default 90/5/5 split),
# validation on the whole val split every EVERY iterations up to ITERS.
# Prints one row per (seed, init): the val loss at each evaluation; then the mean over
# seeds per init and the difference charrnn - pytorch (positive: pytorch is better).
#
# Usage (from anywhere; charnn must be built):
#   bench/init.sh                        # seeds 1 2 3, 2000 iterations, ~6 minutes on 2 cores
#   SEEDS="1 2" ITERS=1000 bench/init.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-1 2 3} ITERS=${ITERS:-2000} EVERY=${EVERY:-500} THREADS=${THREADS:-2}
CHARNN=${CHARNN:-build/charnn}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CHARNN" preprocess -i data/tinyshakespeare/input.txt -o "$tmp/ts.h5" >/dev/null
for seed in $SEEDS; do
  for init in pytorch charrnn; do
    "$CHARNN" train --data "$tmp/ts.h5" --device cpu --rnn_size 128 --num_layers 2 --embedding_size 128 \
      --dropout 0 --batch_size 50 --seq_length 50 --learning_rate 0.002 --grad_clip 5 --lr_schedule constant \
      --max_iters "$ITERS" --eval_val_every "$EVERY" --val_max_batches 0 --sample_every 0 --threads "$THREADS" \
      --progress lines --print_every 100000 --seed "$seed" --init "$init" --checkpoint_dir "$tmp/$init-$seed" \
      >/dev/null 2>&1
    printf '%s %s' "$seed" "$init"
    jq -r 'select(.event == "val") | .val_loss' "$tmp/$init-$seed/metrics.jsonl" | xargs printf ' %.4f'
    echo
  done
done | tee "$tmp/rows" | awk -v every="$EVERY" '
  BEGIN { printf "%-5s %-8s", "seed", "init" } 
  NR == 1 { for (i = 3; i <= NF; i++) printf " %8s", "it " (i - 2) * every; print "" }
  { printf "%-5s %-8s", $1, $2; for (i = 3; i <= NF; i++) { printf " %8.4f", $i; sum[$2, i] += $i }
    n[$2]++; cols = NF; print "" }
  END {
    for (k = 0; k < 2; k++) { init = k ? "charrnn" : "pytorch"; printf "%-5s %-8s", "mean", init
      for (i = 3; i <= cols; i++) printf " %8.4f", sum[init, i] / n[init]; print "" }
    printf "%-14s", "charrnn-pytorch"
    for (i = 3; i <= cols; i++) printf " %+8.4f", (sum["charrnn", i] - sum["pytorch", i]) / n["pytorch"]; print ""
  }'
