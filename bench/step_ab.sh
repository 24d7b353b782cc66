#!/usr/bin/env bash
# bench/step_ab.sh -- two charnn builds, CPU training speed, side by side.
#
# What it measures: the median wall time per training iteration of binary A and binary B
# on the same runs, alternating A, B, A, B, ... ROUNDS times so that both meet the same
# machine noise, for each case: 1 rank at 2x192 (configs/tinyshakespeare.yaml's model,
# batch 32 x 50), 1 rank at 2x512 (batch 50 x 50), and 2 mpirun ranks at 2x192. Per run,
# the time per iteration is batch x seq x ranks / chars_per_sec of each metrics.jsonl
# "train" line (print_every 10), skipping the first WARMUP lines; each binary's figure is
# its lowest median over the rounds (the round least disturbed). ratio = A ms / B ms
# (> 1: B is faster).
#
#   bench/step_ab.sh OLD_CHARNN NEW_CHARNN          # e.g. a build of main against this tree
#   ROUNDS=5 ITERS=200 bench/step_ab.sh A B
# Environment: ROUNDS (3), ITERS (150 per run), WARMUP (3 log lines), CASES ("1x192 1x512
#   2x192"), QUIET_WAIT (0: see bench/measure.sh). Files go to a temp dir removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { sed -n 2,17p "$0" >&2; exit 2; }
A=$(readlink -f "$1") B=$(readlink -f "$2")
for bin in "$A" "$B"; do [ -x "$bin" ] || { echo "step_ab.sh: $bin is not an executable" >&2; exit 1; }; done
ROUNDS=${ROUNDS:-3} ITERS=${ITERS:-150} WARMUP=${WARMUP:-3} CASES=${CASES:-"1x192 1x512 2x192"}
QUIET_WAIT=${QUIET_WAIT:-0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=bench/measure.sh
source bench/measure.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

"$A" preprocess --input data/tinyshakespeare/input.txt --output "$tmp/ts.h5" >/dev/null

# one_run BIN RANKS SIZE BATCH -> "ms other"
one_run() {
  local bin=$1 ranks=$2 size=$3 batch=$4 run="$tmp/run" launch=() other
  rm -rf "$run"
  [ "$ranks" -gt 1 ] && launch=(mpirun -np "$ranks" --oversubscribe --bind-to none)
  other=$(measure "$tmp/log" "${launch[@]}" "$bin" train --data "$tmp/ts.h5" --num_layers 2 --rnn_size "$size" \
    --embedding_size 64 --batch_size "$batch" --seq_length 50 --max_iters "$ITERS" --print_every 10 \
    --eval_val_every 1000000 --val_max_batches 1 --progress lines --checkpoint_dir "$run" | cut -d" " -f2)
  /usr/bin/python3 - "$run/metrics.jsonl" "$WARMUP" "$((batch * 50 * ranks))" "$other" <<'PY'
import json, statistics, sys
path, warmup, chars, other = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
lines = [json.loads(l) for l in open(path)]
cps = [l["chars_per_sec"] for l in lines if l.get("event") == "train"][warmup:]
print(f"{statistics.median(chars / c * 1000 for c in cps):.2f} {other}")
PY
}

printf '%-7s %10s %10s %7s %12s\n' case "A ms/iter" "B ms/iter" ratio "other cores"
for c in $CASES; do
  ranks=${c%x*} size=${c#*x}
  batch=32; [ "$size" -ge 512 ] && batch=50
  best_a=1e9 best_b=1e9 worst_other=0
  for _ in $(seq "$ROUNDS"); do
    for side in a b; do
      bin=$A; [ $side = b ] && bin=$B
      read -r ms other < <(one_run "$bin" "$ranks" "$size" "$batch")
      if [ $side = a ]; then best_a=$(awk -v x="$ms" -v y="$best_a" 'BEGIN{print (x<y)?x:y}')
      else best_b=$(awk -v x="$ms" -v y="$best_b" 'BEGIN{print (x<y)?x:y}'); fi
      worst_other=$(awk -v x="$other" -v y="$worst_other" 'BEGIN{print (x>y)?x:y}')
    done
  done
  awk -v c="$c" -v a="$best_a" -v b="$best_b" -v o="$worst_other" \
    'BEGIN { printf "%-7s %10.2f %10.2f %7.3f %12.2f\n", c, a, b, a / b, o }'
done
