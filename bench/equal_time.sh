#!/usr/bin/env bash
# bench/equal_time.sh -- charnn vs a plain PyTorch training loop, trained for the SAME wall
# time on the SAME train/val data: validation loss against wall time, side by side.
_seconds_at_start=$SECONDS  # first line: bash's own SECONDS counts up from here (see BUDGET)
#
# What it runs, one after the other (never together: the machine has few cores):
#   1. `charnn train` with CONFIG [configs/tinyshakespeare.yaml] and a wall-time budget
#      (stop before the next iteration + the final validation would pass it):
#      --max_seconds BUDGET --eval_val_every CHARNN_EVAL_EVERY --val_max_batches 0
#      --threads THREADS --device cpu --sample_every 0 --max_epochs 1e9 --max_iters 0
#      (only the budget stops it; its val curve comes from metrics.jsonl: "wall" counts from
#      the start of set-up and includes its evaluations and checkpoint writes).
#      If this charnn has no --max_seconds yet (MAX_SECONDS_FLAG names the flag), it runs
#      under `timeout -s TERM BUDGET` instead: charnn answers SIGTERM with a final
#      validation and checkpoint ("preempted") after the iteration in flight, so it ends a
#      little past the budget, and the budget counts from the process start (charnn's clock
#      starts slightly later); the table's header then says "(budget by SIGTERM)".
#   2. bench/torch_equal_time.py (Debian's python3-torch 1.13: the LibTorch build charnn
#      links) on the same corpus cache, the same model and recipe, charnn's thread split
#      (one torch intra-op thread, THREADS OpenBLAS threads), the same BUDGET: nn.Embedding ->
#      nn.LSTM -> nn.Linear with PyTorch's default init, Adam with default betas,
#      clip_grad_norm_, the hidden state carried and detached, batches cut exactly as
#      charnn cuts them, and validation computed exactly as charnn's (whole val split, B
#      streams of T-token windows, state carried, mean nats/char). Its val loss is
#      evaluated at start and every EVAL_SECONDS of wall time; the iteration-0 evaluation
#      is not charged to its clock (charnn makes none). See that file's header.
#   The PyTorch side's model and recipe come from `charnn train --config TORCH_CONFIG ...
#   --print-config` (TORCH_CONFIG defaults to CONFIG, and then both sides train the same
#   thing): layers, rnn_size, embedding_size, dropout, batch_size,
#   seq_length, learning_rate, grad_clip, seed, and lr_schedule (constant, or charrnn's
#   per-epoch decay, which the PyTorch loop then applies too). Settings PyTorch's plain loop
#   does not have (not lstm / not adam / non-default betas or eps / weight decay / warmup /
#   grad_clip_mode value / grad_accum > 1) are refused. Initial weights: the PyTorch side
#   keeps PyTorch's default init; for the same seed these are exactly LibTorch's, i.e.
#   charnn's, except that charnn's `init: charrnn` (what a charnn without the `init`
#   option always does) sets the LSTM forget-gate bias to 1. TORCH_ARGS=--forget-bias-one
#   gives the PyTorch side that init too. With the same initial weights the PyTorch loop
#   reproduces charnn's training and val losses bit for bit (checked: 2x128, dropout 0
#   and 0.3), so the two curves then differ only in speed. The header shows both inits.
#
# What it prints (stdout; progress on stderr):
#   a side-by-side table: val loss of each side at wall times TIMES [60 120 300 600] s (those
#   up to BUDGET; linear interpolation between the two evaluations around t; a value marked
#   * is the side's last evaluation, which came before t), the final val loss and its wall
#   time, iterations, iterations/s (iterations / final wall, evaluations included),
#   evaluations, and torch - charnn for each row (negative: PyTorch lower/better), then
#   when each side reached the final val loss of the side that ended higher (time ratio >
#   1: the side ahead got there that many times sooner), and the CPU that
#   other processes used during each run (about 0 = the measurement was undisturbed).
#   Files: CSV [equal_time.csv] with both curves: side,wall,iter,val_loss (the PyTorch
#   side's iteration-0 line included); a PNG plot of val loss vs wall time (both curves)
#   at PLOT when gnuplot is installed (no plot when PLOT is empty, the default).
#
# Usage (from anywhere; relative paths are taken from the current directory):
#   bench/equal_time.sh                                   # 300 s per side, 2 threads
#   bench/equal_time.sh --seconds 600 --plot docs/img/equal_time.png --csv /tmp/eq.csv
#   BUDGET=60 THREADS=1 bench/equal_time.sh               # (or SECONDS=60: read at start-up)
#   bench/equal_time.sh --layers 3 --size 256             # another model, on both sides
#   bench/equal_time.sh --config bench/script-2x128.yaml        # the same setting on both sides
#   bench/equal_time.sh --seconds 600 --torch-config bench/script-2x128.yaml   # tuned charnn
#                                                  # default vs the plain script's setting
#   CHARNN_ARGS="--threads 1" bench/equal_time.sh               # charnn-only extra flags
#   TORCH_ARGS=--forget-bias-one bench/equal_time.sh           # PyTorch-only extra flags
# Flags (each also an environment variable, in brackets; flags win):
#   --seconds S (BUDGET, or SECONDS) [300]    wall budget per side
#   --threads N (THREADS) [2]                 threads per side
#   --config FILE (CONFIG) [configs/tinyshakespeare.yaml]    charnn's config
#   --torch-config FILE (TORCH_CONFIG) [CONFIG]   the PyTorch side's model and recipe (e.g.
#                          bench/script-2x128.yaml: the plain script's setting), so a tuned
#                          charnn config can run against it
#   --data FILE.h5 (DATA) [runs/demo/tinyshakespeare.h5; when missing, made in the scratch
#                          dir from data/tinyshakespeare/input.txt with `charnn preprocess`]
#   --layers --size --embedding-size --batch-size --seq-length --lr --clip --dropout --seed:
#       the model and recipe of BOTH sides (passed to charnn as --num_layers, --rnn_size,
#       --embedding_size, --batch_size, --seq_length, --learning_rate, --grad_clip,
#       --dropout, --seed); default: CONFIG's
#   --eval-seconds S (EVAL_SECONDS) [15]      PyTorch: validation every S s of wall
#   --charnn-eval-every N (CHARNN_EVAL_EVERY) [250]   charnn: validation every N iterations
#   --times "T1 T2 ..." (TIMES) [60 120 300 600]
#   --csv FILE (CSV) [equal_time.csv]   --plot FILE.png (PLOT) [none]
#   --keep DIR (KEEP) [none]: copy both logs (charnn.log, metrics.jsonl, torch.jsonl) there
#   --charnn-args "..." (CHARNN_ARGS), --torch-args "..." (TORCH_ARGS): extra flags, last
# Environment only: CHARNN [build/charnn], PYTHON [/usr/bin/python3], MAX_SECONDS_FLAG
#   [max_seconds], QUIET_WAIT [0]: before each run wait up to this many seconds for the CPUs
#   to go idle (bench/measure.sh).
# Needs: a built charnn, python3-torch and python3-h5py for PYTHON, jq, /usr/bin/time;
# gnuplot for the plot. Scratch (corpus cache, run dir, logs) is a mktemp dir removed at exit.
set -euo pipefail

here=$(pwd)
cd "$(dirname "$0")/.."
abs() { case $1 in /*) echo "$1" ;; "") echo "" ;; *) echo "$here/$1" ;; esac; }

if [ -n "${BUDGET:-}" ]; then :
elif [ "$_seconds_at_start" -gt 0 ]; then BUDGET=$_seconds_at_start
else BUDGET=300; fi
CHARNN=${CHARNN:-build/charnn}
PYTHON=${PYTHON:-/usr/bin/python3}
THREADS=${THREADS:-2}
CONFIG=${CONFIG:-configs/tinyshakespeare.yaml}
TORCH_CONFIG=${TORCH_CONFIG:-}
DATA=${DATA:-}
EVAL_SECONDS=${EVAL_SECONDS:-15}
CHARNN_EVAL_EVERY=${CHARNN_EVAL_EVERY:-250}
TIMES=${TIMES:-"60 120 300 600"}
CSV=${CSV:-equal_time.csv}
PLOT=${PLOT:-}
KEEP=${KEEP:-}
CHARNN_ARGS=${CHARNN_ARGS:-}
TORCH_ARGS=${TORCH_ARGS:-}
MAX_SECONDS_FLAG=${MAX_SECONDS_FLAG:-max_seconds}
QUIET_WAIT=${QUIET_WAIT:-0}
model_flags=()  # charnn flags for the model/recipe options given on the command line

die() { echo "equal_time.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || die "$1 needs a value (see the top of bench/equal_time.sh)"
  case $1 in
    --seconds) BUDGET=$2 ;;
    --threads) THREADS=$2 ;;
    --config) CONFIG=$(abs "$2") ;;
    --torch-config) TORCH_CONFIG=$(abs "$2") ;;
    --data) DATA=$(abs "$2") ;;
    --eval-seconds) EVAL_SECONDS=$2 ;;
    --charnn-eval-every) CHARNN_EVAL_EVERY=$2 ;;
    --times) TIMES=$2 ;;
    --csv) CSV=$2 ;;
    --plot) PLOT=$2 ;;
    --keep) KEEP=$2 ;;
    --charnn-args) CHARNN_ARGS=$2 ;;
    --torch-args) TORCH_ARGS=$2 ;;
    --layers) model_flags+=(--num_layers "$2") ;;
    --size) model_flags+=(--rnn_size "$2") ;;
    --embedding-size) model_flags+=(--embedding_size "$2") ;;
    --batch-size) model_flags+=(--batch_size "$2") ;;
    --seq-length) model_flags+=(--seq_length "$2") ;;
    --lr) model_flags+=(--learning_rate "$2") ;;
    --clip) model_flags+=(--grad_clip "$2") ;;
    --dropout) model_flags+=(--dropout "$2") ;;
    --seed) model_flags+=(--seed "$2") ;;
    *) die "unknown flag $1 (see the top of bench/equal_time.sh)" ;;
  esac
  shift 2
done
# Paths given in the environment are relative to where the script was started.
[ -n "$DATA" ] && DATA=$(abs "$DATA")
CSV=$(abs "$CSV") PLOT=$(abs "$PLOT") KEEP=$(abs "$KEEP")
case $CONFIG in /*) ;; *) [ -f "$CONFIG" ] || CONFIG=$here/$CONFIG ;; esac
[ -n "$TORCH_CONFIG" ] || TORCH_CONFIG=$CONFIG
case $TORCH_CONFIG in /*) ;; *) [ -f "$TORCH_CONFIG" ] || TORCH_CONFIG=$here/$TORCH_CONFIG ;; esac

[ -x "$CHARNN" ] || die "$CHARNN not found; build charnn first"
[ -f "$CONFIG" ] || die "config $CONFIG not found"
"$PYTHON" -c 'import torch, h5py' 2>/dev/null || die "$PYTHON needs torch and h5py (apt-get install python3-torch python3-h5py)"
if ! command -v jq >/dev/null || [ ! -x /usr/bin/time ]; then die "needs jq and /usr/bin/time"; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=bench/measure.sh
source bench/measure.sh  # measure OUT cmd... -> "seconds other_cores"; wait_quiet

# The corpus cache.
if [ -z "$DATA" ]; then
  DATA=runs/demo/tinyshakespeare.h5
  if [ ! -f "$DATA" ]; then
    DATA=$tmp/tinyshakespeare.h5
    echo "equal_time.sh: runs/demo/tinyshakespeare.h5 missing; preprocessing data/tinyshakespeare/input.txt into the scratch dir" >&2
    "$CHARNN" preprocess --input data/tinyshakespeare/input.txt --output "$DATA" >/dev/null
  fi
fi
[ -f "$DATA" ] || die "corpus cache $DATA not found (bash scripts/demo.sh, or charnn preprocess -i TEXT -o FILE.h5)"

# The PyTorch side's model and recipe: TORCH_CONFIG (default: CONFIG) with the model
# flags, resolved by charnn itself. CHARNN_ARGS reach charnn only, so a tuned charnn
# config (--config) can run against the plain script's setting (--torch-config).
"$CHARNN" train --config "$TORCH_CONFIG" --data "$DATA" "${model_flags[@]}" --print-config >"$tmp/config.yaml" \
  || die "charnn train --print-config failed"
# shellcheck disable=SC2086
"$CHARNN" train --config "$CONFIG" --data "$DATA" "${model_flags[@]}" $CHARNN_ARGS --print-config \
  >"$tmp/charnn_config.yaml" || die "charnn train --print-config failed"
cfg() { awk -v k="$1" 'index($0, k ": ") == 1 { v = substr($0, length(k) + 3); gsub(/"/, "", v); print v }' "$tmp/config.yaml"; }
need() { [ "$(cfg "$1")" = "$2" ] || die "$1 = $(cfg "$1") in the resolved config; the plain PyTorch loop needs $1 = $2 (set it in TORCH_CONFIG or with the model flags)"; }
num_is() { awk -v a="$(cfg "$1")" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }' || die "$1 = $(cfg "$1"); the plain PyTorch loop needs $1 = $2"; }
need model lstm; need optimizer adam; need grad_clip_mode norm; need grad_accum 1
num_is beta1 0.9; num_is beta2 0.999; num_is eps 1e-8; num_is weight_decay 0; num_is warmup_iters 0
schedule=$(cfg lr_schedule)
case $schedule in constant | charrnn) ;; *) die "lr_schedule = $schedule; the PyTorch loop has constant and charrnn (set it in TORCH_CONFIG)" ;; esac
L=$(cfg num_layers) H=$(cfg rnn_size) E=$(cfg embedding_size) B=$(cfg batch_size) T=$(cfg seq_length)
LR=$(cfg learning_rate) CLIP=$(cfg grad_clip) DROPOUT=$(cfg dropout) SEED=$(cfg seed)

# charnn's budget: its max_seconds flag, or SIGTERM at BUDGET seconds.
budget_note=""
help_text=$("$CHARNN" train --help 2>&1)  # not piped into grep -q: under pipefail its early exit fails the pipe
if grep -Eq -- "--${MAX_SECONDS_FLAG}([[:space:]]|$)" <<<"$help_text"; then
  charnn_pre=() charnn_budget=(--"$MAX_SECONDS_FLAG" "$BUDGET")
else
  budget_note=" (budget by SIGTERM: this charnn has no --$MAX_SECONDS_FLAG)"
  echo "equal_time.sh: $CHARNN train has no --$MAX_SECONDS_FLAG; stopping it with SIGTERM after ${BUDGET}s (it validates and checkpoints on SIGTERM)" >&2
  # timeout's status is 124 when it sent the signal: that is the expected end here.
  # shellcheck disable=SC2016
  charnn_pre=(bash -c 'timeout -s TERM "$0" "$@"; rc=$?; [ $rc -eq 124 ] && rc=0; exit $rc' "$BUDGET")
  charnn_budget=()
fi

run=$tmp/run
# shellcheck disable=SC2206
charnn_cmd=("${charnn_pre[@]}" "$CHARNN" train --config "$CONFIG" --data "$DATA" "${model_flags[@]}"
  "${charnn_budget[@]}" --max_epochs 1000000000 --max_iters 0 --eval_val_every "$CHARNN_EVAL_EVERY"
  --val_max_batches 0 --sample_every 0 --threads "$THREADS" --device cpu --checkpoint_dir "$run" --keep_last 1
  --keep_best 1 --print_every 50 --progress lines $CHARNN_ARGS)
# shellcheck disable=SC2206
# PyTorch gets charnn's thread split: one intra-op thread, THREADS OpenBLAS threads.
# Measured here (2x128, 2 cores, 12 s each): torch.set_num_threads(2) with 2 OpenBLAS
# threads ran 1.6 iterations/s, torch's defaults 13.0, one torch thread + 2 OpenBLAS 15.0.
torch_cmd=(env OPENBLAS_NUM_THREADS="$THREADS" "$PYTHON" bench/torch_equal_time.py --data "$DATA" --layers "$L"
  --size "$H" --embedding-size "$E" --batch-size "$B" --seq-length "$T" --lr "$LR" --clip "$CLIP" --dropout "$DROPOUT"
  --seed "$SEED" --lr-schedule "$schedule" --lr-decay "$(cfg learning_rate_decay)"
  --lr-decay-after "$(cfg learning_rate_decay_after)" --seconds "$BUDGET" --eval-every-seconds "$EVAL_SECONDS"
  --threads 1 $TORCH_ARGS)

echo "equal_time.sh: charnn, ${BUDGET}s ..." >&2
c_m=$(measure "$tmp/charnn.out" "${charnn_cmd[@]}") || die "charnn train failed (its messages are above)"
cat "$tmp/charnn.out" "$tmp/stderr" >"$tmp/charnn.log"
[ -s "$run/metrics.jsonl" ] || die "charnn wrote no metrics.jsonl"
echo "equal_time.sh: PyTorch, ${BUDGET}s ..." >&2
p_m=$(measure "$tmp/torch.jsonl" "${torch_cmd[@]}") || die "torch_equal_time.py failed (its messages are above)"

if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"
  cp "$tmp/charnn.log" "$run/metrics.jsonl" "$tmp/torch.jsonl" "$tmp/config.yaml" "$KEEP/"
fi

# Curves, table, CSV, gnuplot data.
echo "charnn vs PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)') (CPU), ${BUDGET}s wall each$budget_note, $THREADS thread(s), $(nproc) cores"
ccfg() { awk -v k="$1" 'index($0, k ": ") == 1 { v = substr($0, length(k) + 3); gsub(/"/, "", v); print v }' "$tmp/charnn_config.yaml"; }
describe() {  # the model and recipe of one resolved config, read with $1 (cfg or ccfg)
  echo "$($1 model) $($1 num_layers)x$($1 rnn_size), embedding $($1 embedding_size), batch $($1 batch_size)x$($1 seq_length), $($1 optimizer) lr $($1 learning_rate) ($($1 lr_schedule) schedule, warmup $($1 warmup_iters)), clip $($1 grad_clip), dropout $($1 dropout), seed $($1 seed)"
}
if [ "$(describe cfg)" = "$(describe ccfg)" ]; then
  echo "both: $(describe cfg); $(basename "$DATA")"
else
  echo "charnn:  $(describe ccfg)"
  echo "PyTorch: $(describe cfg); $(basename "$DATA")"
fi
c_init=$(ccfg init)
p_init="default"
case " $TORCH_ARGS " in *" --forget-bias-one "*) p_init="forget-gate bias 1 (--forget-bias-one)" ;; esac
echo "init: charnn ${c_init:-charrnn (no init option)}, PyTorch $p_init; same seed"
echo "val: whole split; charnn every $CHARNN_EVAL_EVERY iterations, PyTorch every ${EVAL_SECONDS}s${TORCH_ARGS:+; PyTorch extra: $TORCH_ARGS}${CHARNN_ARGS:+; charnn extra: $CHARNN_ARGS}"
echo
"$PYTHON" - "$run/metrics.jsonl" "$tmp/torch.jsonl" "$CSV" "$tmp/plot" "$BUDGET" "$TIMES" "$c_m" "$p_m" <<'EOF'
import json, sys
metrics, torch_path, csv_path, plot_prefix, budget, times, c_m, p_m = sys.argv[1:]
budget = float(budget)
rows = lambda p: [json.loads(l) for l in open(p) if l.startswith("{")]
c_rows, p_rows = rows(metrics), rows(torch_path)
curves = {
    "charnn": [(r["wall"], r["iter"], r["val_loss"]) for r in c_rows if r.get("event") == "val"],
    "torch": [(r["wall"], r["iter"], r["val_loss"]) for r in p_rows if r.get("event") == "val"],
}
for side, c in curves.items():
    if not c:
        sys.exit(f"equal_time.sh: no validation lines from {side}")
    c.sort()

with open(csv_path, "w") as f:
    f.write("side,wall,iter,val_loss\n")
    for side, c in curves.items():
        for w, i, v in c:
            f.write(f"{side},{w:.3f},{i},{v:.6f}\n")
        with open(f"{plot_prefix}.{side}", "w") as g:
            g.writelines(f"{w} {v}\n" for w, _, v in c)

def at(c, t):
    """val loss at wall t: interpolated between the evaluations around t; the last one
    (marked) when the side's final evaluation came before t; None before the first."""
    if t < c[0][0]:
        return None, ""
    for (w0, _, v0), (w1, _, v1) in zip(c, c[1:]):
        if w0 <= t <= w1:
            return v0 + (v1 - v0) * (t - w0) / (w1 - w0) if w1 > w0 else v1, ""
    return c[-1][2], "*"

def summary(side, rs, c):
    done = [r for r in rs if r.get("event") == "done"]
    it, wall = c[-1][1], c[-1][0]
    if done:
        it, wall = done[-1]["iter"], done[-1]["wall"]
    return it, wall, len([x for x in c if x[1] > 0])

fmt = lambda v: "-" if v is None else f"{v:.4f}"
print(f"{'':22} {'charnn':>14} {'PyTorch':>14} {'torch-charnn':>13}")
for t in [float(x) for x in times.split()]:
    if t > budget:
        continue
    (cv, cm), (pv, pm) = at(curves["charnn"], t), at(curves["torch"], t)
    d = "-" if cv is None or pv is None else f"{pv - cv:+.4f}"
    print(f"{'val loss at %gs' % t:22} {fmt(cv) + cm:>14} {fmt(pv) + pm:>14} {d:>13}")
cf, pf = curves["charnn"][-1], curves["torch"][-1]
print(f"{'final val loss':22} {cf[2]:>14.4f} {pf[2]:>14.4f} {pf[2] - cf[2]:>+13.4f}")
print(f"{'  at wall (s)':22} {cf[0]:>14.1f} {pf[0]:>14.1f} {pf[0] - cf[0]:>+13.1f}")
print(f"{'best val loss':22} {min(x[2] for x in curves['charnn']):>14.4f} {min(x[2] for x in curves['torch']):>14.4f}")
ci, cw, cn = summary("charnn", c_rows, curves["charnn"])
pi, pw, pn = summary("torch", p_rows, curves["torch"])
print(f"{'iterations':22} {ci:>14d} {pi:>14d} {pi - ci:>+13d}")
print(f"{'iterations/s':22} {ci / cw:>14.2f} {pi / pw:>14.2f} {pi / pw - ci / cw:>+13.2f}")
pd = [r for r in p_rows if r.get("event") == "done"]
if pd:
    print(f"{'  without evaluations':22} {'':>14} {pd[-1]['train_iters_per_sec']:>14.2f}")
print(f"{'evaluations':22} {cn:>14d} {pn:>14d}")
ahead, behind = ("charnn", "torch") if cf[2] < pf[2] else ("torch", "charnn")
target = curves[behind][-1]
first = next((x for x in curves[ahead] if x[2] <= target[2]), None)
names = {"charnn": "charnn", "torch": "PyTorch"}
if first:
    print(f"{names[behind]}'s final val loss {target[2]:.4f}: {names[behind]} reached it at {target[0]:.1f}s "
          f"(iteration {target[1]}), {names[ahead]} at {first[0]:.1f}s (iteration {first[1]}); "
          f"time ratio {names[behind]}/{names[ahead]} = {target[0] / first[0]:.2f}")
# The plot's y range leaves out the start-up losses (~ln V), which would flatten the rest.
late = [v for c in curves.values() for w, _, v in c if w >= 0.1 * budget]
with open(f"{plot_prefix}.ymax", "w") as g:
    g.write(f"{max(late) * 1.03:.4f}\n" if late else "*\n")
co, po = c_m.split()[1], p_m.split()[1]
print(f"other processes used {co} / {po} cores during the charnn / PyTorch runs (about 0 = undisturbed)")
EOF
echo "curves: $CSV"

if [ -n "$PLOT" ]; then
  if command -v gnuplot >/dev/null; then
    term=png
    gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo && term=pngcairo
    mkdir -p "$(dirname "$PLOT")"
    gnuplot <<EOF
set terminal $term size 900,560
set output "$PLOT"
set title "val loss vs wall time, ${THREADS} thread(s), ${BUDGET}s each"
set xlabel "wall time (s)"
set ylabel "val loss (nats/char)"
set grid
set key top right
set yrange [*:$(cat "$tmp/plot.ymax")]
plot "$tmp/plot.charnn" using 1:2 with linespoints pt 7 ps 0.5 title "charnn: $(describe ccfg | cut -d, -f1-4 | sed "s/ (.*//")", \
     "$tmp/plot.torch" using 1:2 with linespoints pt 5 ps 0.5 title "PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)'): $(describe cfg | cut -d, -f1-4 | sed "s/ (.*//")"
EOF
    echo "plot: $PLOT"
  else
    echo "plot: gnuplot not installed, no $PLOT" >&2
  fi
fi
