#!/usr/bin/env bash
# bench/gpu.sh -- charnn's GPU training and sampling vs a PyTorch peer, on one GPU.
#
# Run from the repo root on the GPU machine (about 4 minutes on an H200):
#   bash bench/gpu.sh
#   CHARNN=build-gpu/charnn PYTHON=python3 bash bench/gpu.sh
#
# What it runs, in this order (each step under `timeout`; a failing or timed-out step gives
# a FAILED row and the script goes on; optional steps are SKIPPED past SOFT_DEADLINE):
#   1. the card's ceilings: bench/torch_gpu_peer.py gemm (bf16 / fp32 / tf32 8192^3 matmul
#      rate, device-to-device copy bandwidth)
#   2. for each size (LxH, batch B, seq T): the PyTorch peer, bench/torch_gpu_peer.py train
#      in PEER_MODES (one process; see that file for what each mode is), then
#      `charnn train` once per precision in CHARNN_PRECISIONS. The QUALITY size runs
#      LOSS_ITERS iterations on both sides from the start and also gives the loss after
#      100, 200, ..., LOSS_ITERS iterations (fp32 vs bf16: the quality check).
#      Time per iteration: PyTorch: median over chunks of iterations timed with CUDA
#      events (warmup skipped); charnn: median over its print_every windows after warmup of
#      B*T / chars_per_sec from metrics.jsonl (wall clock over the window).
#   3. sampling, 2x512: `charnn sample CKPT --length N` timed by the wall clock for
#      SAMPLE_SHORT and SAMPLE_LONG characters (steady rate = the difference, which cancels
#      start-up and checkpoint loading), on cuda and cpu; and the PyTorch per-character loop
#      (torch.no_grad, multinomial, .item() per character) on cuda and cpu
#   4. torch.compile modes of the peer (COMPILE_MODES), within COMPILE_BUDGET seconds
#      Precision pairs: charnn fp32 (IEEE fp32, no TF32) <-> peer fp32; charnn tf32 <-> peer
#      eager (PyTorch's default runs cuDNN RNNs on TF32); charnn bf16 <-> peer bf16-cast (a
#      bf16 LSTM with fp32 master weights). The peer's "bf16" is torch.autocast as users write
#      it, but autocast runs cuDNN RNNs in float16 (its table label says "LSTM in float16").
#   5. tables: the quality table, then the main table LAST:
#      size | side/mode | ms/iter | chars/s | peak MiB | speedup vs the faster PyTorch mode |
#      vs PyTorch at the same precision | GEMM-limited ms (train FLOPs / measured bf16 rate)
#
# Output (in ${OUT:-$WORK}; at most these 4 files):
#   gpu-bench.log            everything printed (this console)
#   gpu-bench-results.jsonl  one JSON per row (all fields, both sides), plus the gemm JSON
#   gpu-bench.md             the tables
#   gpu-bench-logs.tar.gz    every step's stdout/stderr and charnn's metrics.jsonl files
#
# Environment (defaults in brackets):
#   CHARNN [build-gpu/charnn]   PYTHON [python3]   INPUT [data/tinyshakespeare/input.txt]
#   CHARNN_GPU_BENCH_DEVICE [cuda]: cpu runs everything on the CPU (for testing the script)
#   SIZES ["2 512 50 50 480 20; 3 1024 128 128 60 10; 2 2048 256 256 20 5"]: per size
#       "L H B T ITERS WARMUP" (timed iterations, untimed warmup), ';'-separated
#   QUALITY ["2 512 50 50"]: the size (L H B T) whose runs go LOSS_ITERS [500] iterations,
#       losses every LOSS_EVERY [100]
#   PEER_MODES [eager,fp32,bf16,bf16-cast]   CHARNN_PRECISIONS [fp32 tf32 bf16]
#   COMPILE_MODES [compile,compile-bf16] ("" = none)   COMPILE_TIMEOUT [120]   COMPILE_BUDGET [100]
#   SAMPLE_LAYERS [2] SAMPLE_SIZE [512] SAMPLE_SHORT [1000] SAMPLE_LONG [20000]
#   PY_SAMPLE_LEN [5000] (cuda)  PY_SAMPLE_LEN_CPU [2000]   GEMM_N [8192]  COPY_MB [2048]
#   STEP_TIMEOUT [150] s per step   SOFT_DEADLINE [240] s: later optional steps (compile, CPU
#   sampling rows) are skipped   HARD_DEADLINE [400] s: no step runs past it
#   CHARNN_ARGS: extra flags for charnn train
#   PEER_ARGS: extra flags for the peer's train runs (e.g. "--adam fused")
#   WORK [a new temp dir]: scratch (corpus cache, run dirs; left in place)
# charnn interface assumed (adjust the charnn_*_cmd functions below if it changes):
#   charnn preprocess --input F --output F.h5; charnn train ... --precision P --cuda_graph auto
#   (both flags omitted when `charnn train --help` lacks them); charnn sample CKPT --device D
#   (omitted when `charnn sample --help` lacks it: then only the cpu row runs); charnn best DIR.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
CHARNN=${CHARNN:-build-gpu/charnn}
PYTHON=${PYTHON:-python3}
INPUT=${INPUT:-data/tinyshakespeare/input.txt}
DEV=${CHARNN_GPU_BENCH_DEVICE:-cuda}
SIZES=${SIZES:-"2 512 50 50 480 20; 3 1024 128 128 60 10; 2 2048 256 256 20 5"}
QUALITY=${QUALITY:-"2 512 50 50"}
LOSS_ITERS=${LOSS_ITERS:-500}
LOSS_EVERY=${LOSS_EVERY:-100}
PEER_MODES=${PEER_MODES:-eager,fp32,bf16,bf16-cast}
CHARNN_PRECISIONS=${CHARNN_PRECISIONS:-"fp32 tf32 bf16"}
COMPILE_MODES=${COMPILE_MODES-compile,compile-bf16}
COMPILE_TIMEOUT=${COMPILE_TIMEOUT:-120}
COMPILE_BUDGET=${COMPILE_BUDGET:-100}
SAMPLE_LAYERS=${SAMPLE_LAYERS:-2}
SAMPLE_SIZE=${SAMPLE_SIZE:-512}
SAMPLE_SHORT=${SAMPLE_SHORT:-1000}
SAMPLE_LONG=${SAMPLE_LONG:-20000}
PY_SAMPLE_LEN=${PY_SAMPLE_LEN:-5000}
PY_SAMPLE_LEN_CPU=${PY_SAMPLE_LEN_CPU:-2000}
GEMM_N=${GEMM_N:-8192}
COPY_MB=${COPY_MB:-2048}
STEP_TIMEOUT=${STEP_TIMEOUT:-150}
SOFT_DEADLINE=${SOFT_DEADLINE:-240}
HARD_DEADLINE=${HARD_DEADLINE:-400}
CHARNN_ARGS=${CHARNN_ARGS:-}
PEER_ARGS=${PEER_ARGS:-}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/charnn-gpu-bench.XXXXXX")}
OUTDIR=${OUT:-$WORK}
PEER=bench/torch_gpu_peer.py
T0=$(date +%s)

mkdir -p "$WORK" "$OUTDIR" "$WORK/logs" || { echo "gpu.sh: cannot create $WORK / $OUTDIR" >&2; exit 1; }
LOGS=$WORK/logs
RES=$OUTDIR/gpu-bench-results.jsonl
MD=$OUTDIR/gpu-bench.md
HELPER=$WORK/gpu_bench_helper.py

# ---------------------------------------------------------------------------------------------
# charnn command lines, all in one place: each fills the array CMD.

charnn_preprocess_cmd() {  # output.h5
  # val 10 %, test 0 %: the train text is the peer's (the first 90 %), and the val split
  # holds the 256 x 256 + 1 tokens that evaluating the largest size needs.
  CMD=("$CHARNN" preprocess --input "$INPUT" --output "$1" --val-frac 0.1 --test-frac 0)
}
charnn_train_cmd() {  # run_dir L H B T max_iters print_every precision
  CMD=("$CHARNN" train --data "$WORK/ts.h5" --model lstm --num_layers "$2" --rnn_size "$3" --embedding_size 64
    --batch_size "$4" --seq_length "$5" --optimizer adam --learning_rate 0.002 --grad_clip 5
    --max_iters "$6" --eval_val_every 1000000 --val_max_batches 1 --print_every "$7" --progress lines
    --device "$DEV" --checkpoint_dir "$1")
  [ "$HAS_PRECISION" = 1 ] && CMD+=(--precision "$8")
  [ "$HAS_CUDA_GRAPH" = 1 ] && [ "$DEV" = cuda ] && CMD+=(--cuda_graph auto)
  # shellcheck disable=SC2206
  [ -n "$CHARNN_ARGS" ] && CMD+=($CHARNN_ARGS)
  return 0
}
charnn_sample_cmd() {  # checkpoint length device output_file
  CMD=("$CHARNN" sample "$1" --length "$2" --temperature 1 --seed 1 --output "$4")
  [ "$HAS_SAMPLE_DEVICE" = 1 ] && CMD+=(--device "$3")
  return 0
}
charnn_best_cmd() {  # run_dir
  CMD=("$CHARNN" best "$1")
}

# ---------------------------------------------------------------------------------------------
# helpers (Python stdlib only: parsing metrics, writing rows, the tables)

cat >"$HELPER" <<'PYEOF'
import json, math, statistics, sys

def num(v):
    try:
        f = float(v)
        return f if math.isfinite(f) else None
    except (TypeError, ValueError):
        return None

def emit(row):
    print(json.dumps(row), flush=True)

def kv(args):
    row = {}
    for a in args:
        k, _, v = a.partition("=")
        n = num(v)
        row[k] = v if n is None or v == "" else (int(n) if n == int(n) and "." not in v else n)
    return row

def cmd_row(args):
    emit(kv(args))

def cmd_peer_rows(args):
    # jsonl requested_modes rc key=value...: the peer's JSON lines as rows; FAILED rows for
    # modes it did not print (crash or timeout)
    path, modes, rc = args[0], [m for m in args[1].split(",") if m], int(args[2])
    base = kv(args[3:])
    seen, whole = set(), ""
    try:
        lines = [l for l in open(path) if l.strip().startswith("{")]
    except OSError:
        lines = []
    for l in lines:
        try:
            j = json.loads(l)
        except ValueError:
            continue
        if j.get("mode") not in modes:  # an error before any mode ran (e.g. no CUDA): applies to all
            whole = j.get("error") or j.get("skipped") or ""
            continue
        row = dict(j)
        row.update(base)
        row["side"] = "pytorch"
        if "skipped" in j:
            row["status"], row["note"] = "SKIPPED", j["skipped"]
        elif "error" in j:
            row["status"], row["note"] = "FAILED", j["error"]
        elif j.get("finite") is False:
            row["status"], row["note"] = "FAILED", "loss not finite"
        else:
            row["status"] = "ok"
        seen.add(j.get("mode"))
        emit(row)
    for m in modes:
        if m not in seen:
            row = dict(base)
            why = "timeout" if rc in (124, 137) else f"rc {rc}"
            row.update({"side": "pytorch", "mode": m, "status": "FAILED", "note": whole or f"no result ({why})"})
            emit(row)

def cmd_charnn_train(args):
    # metrics.jsonl warmup chars_per_iter loss_iters loss_every rc key=value...
    path, warmup, chars, loss_iters, loss_every, rc = args[0], int(args[1]), int(args[2]), int(args[3]), int(args[4]), int(args[5])
    row = kv(args[6:])
    row["side"] = "charnn"
    events = []
    try:
        for l in open(path):
            try:
                events.append(json.loads(l))
            except ValueError:
                pass
    except OSError:
        pass
    train = sorted((e for e in events if e.get("event") == "train"), key=lambda e: e["iter"])
    peaks = [num(e.get("peak_gpu_mem_mb")) for e in events if e.get("event") in ("train", "done")]
    peaks = [p for p in peaks if p is not None]
    if peaks:
        row["peak_mem_mb"] = max(peaks)
    windows, prev = [], 0
    for e in train:
        cps = num(e.get("chars_per_sec"))
        if cps and cps > 0:
            windows.append((prev, e["iter"], 1000.0 * chars / cps, e))
        prev = e["iter"]
    timed = [w for w in windows if w[0] >= warmup]
    if not timed and len(windows) > 1:
        timed, row["note"] = windows[1:], "few windows: only the first was dropped"
    if timed:
        row["ms_per_iter"] = round(statistics.median(w[2] for w in timed), 4)
        row["chars_per_sec"] = round(chars / (row["ms_per_iter"] / 1000.0), 1)
        row["windows"] = len(timed)
        row["timed_iters"] = sum(w[1] - w[0] for w in timed)
        for k in ("ms_data", "ms_compute", "ms_optimizer", "ms_allreduce_exposed"):
            vals = [num(w[3].get(k)) for w in timed]
            vals = [v for v in vals if v is not None]
            if vals:
                row[k] = round(statistics.median(vals), 4)
    if train:
        row["final_loss"] = num(train[-1].get("loss"))
        row["last_iter"] = train[-1]["iter"]
    if loss_iters and train:
        by = {e["iter"]: num(e.get("loss")) for e in train}
        row["losses_at"] = {str(k): by[k] for k in range(loss_every, loss_iters + 1, loss_every) if k in by}
        tail = [by[k] for k in range(10, loss_iters + 1, 10) if k in by][-10:]
        if tail and all(v is not None for v in tail):
            row["loss_tail_mean"] = round(statistics.mean(tail), 5)
        row["loss_at"] = loss_iters
    done = any(e.get("event") == "done" for e in events)
    if rc != 0:
        row["status"] = "FAILED"
        row["note"] = ("timeout" if rc in (124, 137) else f"rc {rc}") + (", numbers from the windows it logged" if timed else "")
    elif not timed:
        row["status"], row["note"] = "FAILED", "no train windows in metrics.jsonl"
    else:
        row["status"] = "ok"
        if not done:
            row["note"] = "no done event"
    emit(row)

def cmd_get(args):
    # file key: the key's value in the first JSON line of file that has it
    try:
        for l in open(args[0]):
            try:
                j = json.loads(l)
            except ValueError:
                continue
            if args[1] in j:
                print(j[args[1]])
                return
    except OSError:
        pass
    print("")

def train_flops(L, H, E, V, B, T):
    per_token = sum(2 * 4 * H * ((E if l == 0 else H) + H) for l in range(L)) + 2 * H * V
    return 3 * B * T * per_token

def fmt(v, nd=2):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{nd}f}"

SAME_PRECISION = {"fp32": ["fp32"], "tf32": ["tf32", "eager"], "bf16": ["bf16-cast", "bf16"]}

def cmd_table(args):
    res_path, bf16_tflops = args[0], num(args[1]) if len(args) > 1 else None
    rows = []
    for l in open(res_path):
        try:
            j = json.loads(l)
        except ValueError:
            continue
        if j.get("group") in ("train", "sample"):
            rows.append(j)
    out = []
    # quality table
    q = [r for r in rows if r.get("group") == "train" and r.get("losses_at")]
    if q:
        ks = sorted({int(k) for r in q for k in r["losses_at"]})
        out.append(f"Loss (nats/char, one batch) after N iterations from the start, {q[0]['label']}; "
                   "last column: mean of the losses at the last ten multiples of 10. charnn and PyTorch "
                   "initialise differently: compare fp32 with bf16 within one side.")
        out.append("")
        out.append("| side/mode | " + " | ".join(f"@{k}" for k in ks) + " | mean last 10 |")
        out.append("|---|" + "---|" * (len(ks) + 1))
        for r in q:
            la = r["losses_at"]
            out.append(f"| {r['side']} {r['mode']} | " + " | ".join(fmt(num(la.get(str(k))), 4) for k in ks)
                       + f" | {fmt(num(r.get('loss_tail_mean')), 4)} |")
        out.append("")
    # main table
    out.append("| size | side/mode | ms/iter | chars/s | peak MiB | speedup vs faster PyTorch | vs PyTorch same precision | GEMM-limited ms |")
    out.append("|---|---|---|---|---|---|---|---|")
    order = []
    for r in rows:
        key = (r.get("group"), r.get("label"))
        if key not in order:
            order.append(key)
    for key in order:
        group = [r for r in rows if (r.get("group"), r.get("label")) == key]
        group.sort(key=lambda r: r.get("side") != "pytorch")  # stable: PyTorch rows first
        py_ok = [r for r in group if r.get("side") == "pytorch" and r.get("status") == "ok" and num(r.get("ms_per_iter"))]
        best = min((num(r["ms_per_iter"]) for r in py_ok), default=None)
        gemm_ms = None
        if key[0] == "train" and bf16_tflops:
            g = group[0]
            try:
                f = train_flops(int(g["L"]), int(g["H"]), 64, int(g.get("vocab") or 65), int(g["B"]), int(g["T"]))
                gemm_ms = f / (bf16_tflops * 1e12) * 1000.0
            except (KeyError, ValueError, TypeError):
                pass
        for r in group:
            label = f"{r.get('side')} {r.get('mode')}"
            if r.get("side") == "pytorch" and "bf16" in str(r.get("mode")) and r.get("state_dtype"):
                label += f" (LSTM in {r['state_dtype']})"  # autocast runs cuDNN RNNs in float16
            if r.get("status") != "ok":
                note = str(r.get("note", ""))[:80].replace("|", "/")
                out.append(f"| {key[1]} | {label} | {r.get('status', 'FAILED')}: {note} | - | - | - | - | {fmt(gemm_ms)} |")
                continue
            ms = num(r.get("ms_per_iter"))
            cps = num(r.get("chars_per_sec"))
            peak = num(r.get("peak_mem_mb"))
            sp = f"{best / ms:.2f}x" if best and ms else "-"
            same = "-"
            if r.get("side") == "charnn" and ms:
                for m in SAME_PRECISION.get(str(r.get("mode")), []):
                    ref = [p for p in py_ok if p.get("mode") == m]
                    if ref:
                        same = f"{num(ref[0]['ms_per_iter']) / ms:.2f}x vs {m}"
                        break
            out.append(f"| {key[1]} | {label} | {fmt(ms, 3)} | {fmt(cps, 0)} | {fmt(peak, 0)} | {sp} | {same} | {fmt(gemm_ms)} |")
    out.append("")
    out.append("speedup = faster PyTorch mode's ms / this row's ms (> 1: faster than PyTorch's best). "
               "Sample rows: ms/iter = ms per character. GEMM-limited = train FLOPs "
               "(3 x forward: 8H(in+H) per layer + 2HV, per token) / measured bf16 matmul rate.")
    print("\n".join(out))

if __name__ == "__main__":
    {"row": cmd_row, "peer-rows": cmd_peer_rows, "charnn-train": cmd_charnn_train, "get": cmd_get,
     "table": cmd_table}[sys.argv[1]](sys.argv[2:])
PYEOF

# ---------------------------------------------------------------------------------------------
# step runner

say() { echo "[$(printf '%4d' $(($(date +%s) - T0)))s] $*"; }
elapsed() { echo $(($(date +%s) - T0)); }
past_soft() { [ "$(elapsed)" -ge "$SOFT_DEADLINE" ]; }
row() { "$PYTHON" "$HELPER" row "$@" >>"$RES"; }

STEP_RC=0 STEP_SECS=0
# run_step NAME TIMEOUT STDOUT_FILE: runs "${CMD[@]}" under timeout; stderr to $LOGS/NAME.err.
run_step() {
  local name=$1 want=$2 out=$3 left t0 t1
  left=$((HARD_DEADLINE - $(elapsed)))
  if [ "$left" -lt 10 ]; then
    STEP_RC=125 STEP_SECS=0
    say "$name: SKIPPED (past HARD_DEADLINE=${HARD_DEADLINE}s)"
    return 125
  fi
  [ "$want" -gt "$left" ] && want=$left
  echo "\$ ${CMD[*]}" >"$LOGS/$name.err"
  t0=$(date +%s.%N)
  timeout -k 10 "$want" "${CMD[@]}" >"$out" 2>>"$LOGS/$name.err"
  STEP_RC=$?
  t1=$(date +%s.%N)
  STEP_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  if [ "$STEP_RC" = 0 ]; then
    say "$name: ok (${STEP_SECS}s)"
  else
    say "$name: FAILED rc=$STEP_RC$([ "$STEP_RC" = 124 ] && echo " (timeout ${want}s)") (${STEP_SECS}s); last lines of $name.err:"
    tail -n 5 "$LOGS/$name.err" | sed 's/^/    /'
  fi
  return "$STEP_RC"
}

# ---------------------------------------------------------------------------------------------

main() {
  : >"$RES"
  say "gpu.sh: device=$DEV CHARNN=$CHARNN PYTHON=$PYTHON WORK=$WORK OUT=$OUTDIR"
  local rev="?"
  if rev=$(git rev-parse --short HEAD 2>/dev/null); then git diff --quiet HEAD 2>/dev/null || rev="$rev (dirty)"; else rev="?"; fi
  say "host: $(uname -n) $(nproc) cores; git $rev"
  if [ "$DEV" = cuda ] && command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader 2>&1 | sed 's/^/  gpu: /'
  fi

  # charnn: binary and flags
  HAS_CHARNN=0 HAS_PRECISION=0 HAS_CUDA_GRAPH=0 HAS_SAMPLE_DEVICE=0
  if [ -x "$CHARNN" ]; then
    HAS_CHARNN=1
    local th sh
    th=$("$CHARNN" train --help 2>&1)
    sh=$("$CHARNN" sample --help 2>&1)
    grep -q -- 'precision' <<<"$th" && HAS_PRECISION=1
    grep -q -- 'cuda_graph\|cuda-graph' <<<"$th" && HAS_CUDA_GRAPH=1
    grep -q -- '--device' <<<"$sh" && HAS_SAMPLE_DEVICE=1
    say "charnn: $CHARNN; train --precision: $HAS_PRECISION, --cuda_graph: $HAS_CUDA_GRAPH; sample --device: $HAS_SAMPLE_DEVICE"
  else
    say "charnn: $CHARNN not found or not executable: its rows will read FAILED"
  fi

  # 1. ceilings
  local gemm_json=$LOGS/gemm.json bf16_tflops=""
  CMD=("$PYTHON" "$PEER" gemm --device "$DEV" --gemm-n "$GEMM_N" --copy-mb "$COPY_MB")
  if run_step gemm "$STEP_TIMEOUT" "$gemm_json"; then
    cat "$gemm_json" >>"$RES"
    bf16_tflops=$("$PYTHON" "$HELPER" get "$gemm_json" bf16_tflops)
    say "ceilings: $(cat "$gemm_json")"
  fi

  # corpus cache for charnn
  if [ "$HAS_CHARNN" = 1 ]; then
    charnn_preprocess_cmd "$WORK/ts.h5"
    run_step preprocess "$STEP_TIMEOUT" "$LOGS/preprocess.out" || HAS_CHARNN=0
  fi

  # 2. training, per size
  local spec L H B T N W label P loss_n peer_args n=0 sample_ckpt="" prec dir rc qL qH qB qT
  local -a specs
  IFS=';' read -r -a specs <<<"$SIZES"
  for spec in "${specs[@]}"; do
    read -r L H B T N W <<<"$spec"
    [ -n "${W:-}" ] || { say "bad SIZES entry '$spec' (want: L H B T ITERS WARMUP)"; continue; }
    n=$((n + 1))
    label="${L}x${H} B${B} T${T}"
    loss_n=0
    read -r qL qH qB qT <<<"$QUALITY"
    [ "$L $H $B $T" = "$qL $qH $qB $qT" ] && loss_n=$LOSS_ITERS
    P=$((N / 4)); [ "$P" -gt 10 ] && P=10; [ "$P" -lt 1 ] && P=1
    say "== $label: $([ "$loss_n" -gt 0 ] && echo "$loss_n iterations from the start (quality size), $W untimed" || echo "$W warmup + $N timed iterations")"

    # PyTorch peer, all PEER_MODES in one process
    peer_args=(--device "$DEV" --layers "$L" --size "$H" --batch-size "$B" --seq-length "$T" --input "$INPUT"
      --warmup "$W" --chunk "$P")
    if [ "$loss_n" -gt 0 ]; then peer_args+=(--loss-at "$loss_n" --loss-every "$LOSS_EVERY"); else peer_args+=(--iters "$N"); fi
    CMD=("$PYTHON" "$PEER" train --mode "$PEER_MODES" "${peer_args[@]}")
    # shellcheck disable=SC2206
    [ -n "$PEER_ARGS" ] && CMD+=($PEER_ARGS)
    run_step "s${n}-peer" "$STEP_TIMEOUT" "$LOGS/s${n}-peer.jsonl"
    "$PYTHON" "$HELPER" peer-rows "$LOGS/s${n}-peer.jsonl" "$PEER_MODES" "$STEP_RC" group=train "label=$label" \
      L="$L" H="$H" B="$B" T="$T" >>"$RES"

    # charnn, one run per precision
    for prec in $CHARNN_PRECISIONS; do
      if [ "$HAS_CHARNN" != 1 ]; then
        row group=train "label=$label" side=charnn mode="$prec" status=FAILED "note=no charnn binary (or preprocess failed)" L="$L" H="$H" B="$B" T="$T"
        continue
      fi
      if [ "$HAS_PRECISION" != 1 ] && [ "$prec" != fp32 ]; then
        row group=train "label=$label" side=charnn mode="$prec" status=SKIPPED "note=charnn train has no --precision" L="$L" H="$H" B="$B" T="$T"
        continue
      fi
      dir=$WORK/run-s${n}-$prec
      rm -rf "$dir"
      if [ "$loss_n" -gt 0 ]; then
        charnn_train_cmd "$dir" "$L" "$H" "$B" "$T" "$loss_n" "$P" "$prec"
      else
        charnn_train_cmd "$dir" "$L" "$H" "$B" "$T" $((W + N)) "$P" "$prec"
      fi
      run_step "s${n}-charnn-$prec" "$STEP_TIMEOUT" "$LOGS/s${n}-charnn-$prec.out"
      rc=$STEP_RC
      cp "$dir/metrics.jsonl" "$LOGS/s${n}-charnn-$prec.metrics.jsonl" 2>/dev/null
      "$PYTHON" "$HELPER" charnn-train "$dir/metrics.jsonl" "$W" $((B * T)) "$loss_n" "$LOSS_EVERY" "$rc" \
        group=train "label=$label" mode="$prec" L="$L" H="$H" B="$B" T="$T" "wall_s=$STEP_SECS" >>"$RES"
      if [ -z "$sample_ckpt" ] && [ "$rc" = 0 ] && [ "$L" = "$SAMPLE_LAYERS" ] && [ "$H" = "$SAMPLE_SIZE" ] && [ "$prec" = fp32 ]; then
        sample_ckpt=$dir  # keep this run: its checkpoint is sampled from below
      else
        rm -rf "$dir"
      fi
    done
  done

  # 3. sampling
  local slabel="${SAMPLE_LAYERS}x${SAMPLE_SIZE} sample" ckpt="" d t_s t_l len ok
  local -a sdevs=(cpu)
  [ "$DEV" = cuda ] && sdevs=(cuda cpu)
  say "== $slabel"
  if [ "$HAS_CHARNN" = 1 ] && [ -z "$sample_ckpt" ]; then  # no matching training run: a 1-iteration one
    sample_ckpt=$WORK/run-sample
    rm -rf "$sample_ckpt"
    charnn_train_cmd "$sample_ckpt" "$SAMPLE_LAYERS" "$SAMPLE_SIZE" 50 50 1 1 fp32
    run_step sample-ckpt "$STEP_TIMEOUT" "$LOGS/sample-ckpt.out" || sample_ckpt=""
  fi
  if [ -n "$sample_ckpt" ]; then
    charnn_best_cmd "$sample_ckpt"
    if run_step sample-best 30 "$LOGS/sample-best.out"; then ckpt=$(tail -n 1 "$LOGS/sample-best.out"); fi
    [ -f "$ckpt" ] || ckpt=$sample_ckpt/latest
    [ -e "$ckpt" ] || ckpt=""
    say "sample checkpoint: ${ckpt:-none}"
  fi
  for d in "${sdevs[@]}"; do
    if [ "$d" = cpu ] && [ "$DEV" = cuda ] && past_soft; then
      row group=sample "label=$slabel" side=charnn mode=cpu status=SKIPPED "note=past SOFT_DEADLINE"
      row group=sample "label=$slabel" side=pytorch mode=cpu status=SKIPPED "note=past SOFT_DEADLINE"
      continue
    fi
    if [ "$d" = cuda ] && [ "$HAS_CHARNN" = 1 ] && [ "$HAS_SAMPLE_DEVICE" != 1 ]; then
      row group=sample "label=$slabel" side=charnn mode="$d" status=SKIPPED "note=charnn sample has no --device (CPU only)"
    elif [ -z "$ckpt" ]; then
      row group=sample "label=$slabel" side=charnn mode="$d" status=FAILED "note=no checkpoint"
    else
      ok=1 t_s="" t_l=""
      for len in "$SAMPLE_SHORT" "$SAMPLE_LONG"; do
        charnn_sample_cmd "$ckpt" "$len" "$d" "$WORK/sample-$d-$len.txt"
        if run_step "sample-charnn-$d-$len" "$STEP_TIMEOUT" /dev/null && [ "$(wc -m <"$WORK/sample-$d-$len.txt")" -ge "$len" ]; then
          [ "$len" = "$SAMPLE_SHORT" ] && t_s=$STEP_SECS || t_l=$STEP_SECS
        else
          ok=0
        fi
      done
      if [ "$ok" = 1 ]; then
        awk -v n1="$SAMPLE_SHORT" -v n2="$SAMPLE_LONG" -v t1="$t_s" -v t2="$t_l" 'BEGIN {
          steady = (t2 > t1) ? (n2 - n1) / (t2 - t1) : n2 / t2
          printf "chars_per_sec=%.1f\nms_per_iter=%.5f\nend_to_end_chars_per_sec=%.1f\n", steady, 1000 / steady, n2 / t2 }' >"$WORK/srate"
        # shellcheck disable=SC2046
        row group=sample "label=$slabel" side=charnn mode="$d" status=ok $(cat "$WORK/srate") \
          "short_s=$t_s" "long_s=$t_l" "short=$SAMPLE_SHORT" "long=$SAMPLE_LONG" "note=steady rate (difference of two lengths)"
      else
        row group=sample "label=$slabel" side=charnn mode="$d" status=FAILED "note=charnn sample failed or wrote too few characters"
      fi
    fi
    len=$PY_SAMPLE_LEN
    [ "$d" = cpu ] && len=$PY_SAMPLE_LEN_CPU
    CMD=("$PYTHON" "$PEER" sample --device "$d" --layers "$SAMPLE_LAYERS" --size "$SAMPLE_SIZE" --length "$len" --input "$INPUT")
    run_step "sample-peer-$d" "$STEP_TIMEOUT" "$LOGS/sample-peer-$d.jsonl"
    "$PYTHON" - "$LOGS/sample-peer-$d.jsonl" "$STEP_RC" "$slabel" "$d" >>"$RES" <<'PYEOF'
import json, sys
path, rc, label, dev = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
row = {"group": "sample", "label": label, "side": "pytorch", "mode": dev, "status": "FAILED", "note": f"rc {rc}"}
try:
    j = json.loads([l for l in open(path) if l.startswith("{")][-1])
    row.update({k: v for k, v in j.items() if k not in ("mode", "label", "group")})
    if "chars_per_sec" in j:
        row.update(status="ok", ms_per_iter=j["ms_per_char"], note="per-character loop")
    elif "error" in j:
        row["note"] = j["error"]
except (OSError, IndexError, ValueError):
    pass
print(json.dumps(row))
PYEOF
  done

  # 4. torch.compile modes, within COMPILE_BUDGET
  if [ -n "$COMPILE_MODES" ]; then
    local used=0 budget_left t_c cfail=0 cwhy=""
    n=0
    for spec in "${specs[@]}"; do
      read -r L H B T N W <<<"$spec"
      [ -n "${W:-}" ] || continue
      n=$((n + 1))
      label="${L}x${H} B${B} T${T}"
      budget_left=$((COMPILE_BUDGET - used))
      if past_soft || [ "$budget_left" -lt 20 ] || [ "$cfail" = 1 ]; then
        local why="past SOFT_DEADLINE"
        [ "$budget_left" -lt 20 ] && why="COMPILE_BUDGET spent"
        [ "$cfail" = 1 ] && why=$cwhy
        for m in ${COMPILE_MODES//,/ }; do
          row group=train "label=$label" side=pytorch mode="$m" status=SKIPPED "note=$why" L="$L" H="$H" B="$B" T="$T"
        done
        continue
      fi
      t_c=$COMPILE_TIMEOUT
      [ "$t_c" -gt "$budget_left" ] && t_c=$budget_left
      P=$((N / 4)); [ "$P" -gt 10 ] && P=10; [ "$P" -lt 1 ] && P=1
      [ "$W" -lt 5 ] && W=5
      say "== $label: $COMPILE_MODES (timeout ${t_c}s)"
      CMD=("$PYTHON" "$PEER" train --mode "$COMPILE_MODES" --device "$DEV" --layers "$L" --size "$H" --batch-size "$B"
        --seq-length "$T" --input "$INPUT" --warmup "$W" --iters "$N" --chunk "$P")
      # shellcheck disable=SC2206
      [ -n "$PEER_ARGS" ] && CMD+=($PEER_ARGS)
      run_step "s${n}-peer-compile" "$t_c" "$LOGS/s${n}-peer-compile.jsonl"
      used=$((used + ${STEP_SECS%.*} + 1))
      "$PYTHON" "$HELPER" peer-rows "$LOGS/s${n}-peer-compile.jsonl" "$COMPILE_MODES" "$STEP_RC" group=train "label=$label" \
        L="$L" H="$H" B="$B" T="$T" >>"$RES"
      # a compile that cannot work at all (no torch.compile, no compiler) will not work at the next size either
      if [ "$STEP_RC" != 0 ] && [ "$STEP_RC" != 124 ] && [ "$STEP_RC" != 137 ]; then
        cfail=1 cwhy="compile failed at ${label} (rc $STEP_RC)"
      fi
      if grep -q '"skipped"' "$LOGS/s${n}-peer-compile.jsonl" 2>/dev/null; then
        cfail=1 cwhy="torch.compile not available in this torch"
      fi
    done
  fi

  # 5. logs, tables
  tar -czf "$OUTDIR/gpu-bench-logs.tar.gz" -C "$WORK" logs 2>/dev/null || say "tar of the logs FAILED"
  "$PYTHON" "$HELPER" table "$RES" "$bf16_tflops" >"$MD" 2>"$LOGS/table.err" || {
    echo "table FAILED:"; cat "$LOGS/table.err"; }
  say "done in $(elapsed)s; results: $RES, $MD, $OUTDIR/gpu-bench-logs.tar.gz"
  echo
  [ -n "$bf16_tflops" ] && echo "ceilings: $(cat "$gemm_json")" && echo
  cat "$MD"
}

main "$@" 2>&1 | tee "$OUTDIR/gpu-bench.log"
exit "${PIPESTATUS[0]}"
