# Training on the GPU: the same losses as the CPU, graph = eager, exact resume,
# checkpoints that cross between CPU and GPU, bf16.
source "$(dirname "$0")/lib.sh"
DATA=$(shakespeare_h5)

# 1. CPU and GPU train the same model: loss after 200 iterations within 0.02.
"$CHARNN" train --data "$DATA" "${SMALL[@]}" --max_iters 200 --device cpu --threads 8 --checkpoint_dir cpu >cpu.log 2>&1 ||
  die "cpu run: $(tail -3 cpu.log)"
"$CHARNN" train --data "$DATA" "${SMALL[@]}" --max_iters 200 --device cuda --checkpoint_dir gpu >gpu.log 2>&1 ||
  die "gpu run: $(tail -3 gpu.log)"
grep -q "device cuda" gpu.log || die "the GPU run did not say device cuda: $(head -3 gpu.log)"
grep -q "CUDA graph" gpu.log || die "the GPU run did not use a CUDA graph: $(grep -i graph gpu.log)"
c=$(loss_at cpu 200); g=$(loss_at gpu 200)
close "$c" "$g" 0.02 || die "loss at 200: cpu $c, gpu $g"
pass "CPU and GPU reach the same loss after 200 iterations (cpu $c, gpu $g)"

# 2. The CUDA graph computes what eager execution computes.
"$CHARNN" train --data "$DATA" "${SMALL[@]}" --max_iters 50 --device cuda --cuda_graph off --checkpoint_dir eager \
  >eager.log 2>&1 || die "eager run: $(tail -3 eager.log)"
grep -q "eager" eager.log || die "cuda_graph off still graphed"
same_losses gpu eager 1 50 1e-4 || die "graph and eager steps differ"
pass "graph replay = eager step (50 losses within 1e-4)"

# 3. --resume on the GPU continues the run: iterations 51..100 within 1e-3 of an uninterrupted run.
"$CHARNN" train --data "$DATA" "${SMALL[@]}" --max_iters 100 --eval_val_every 50 --device cuda --checkpoint_dir full \
  >full.log 2>&1 || die "full run"
"$CHARNN" train --data "$DATA" "${SMALL[@]}" --max_iters 50 --eval_val_every 50 --device cuda --checkpoint_dir part \
  >part1.log 2>&1 || die "first half"
"$CHARNN" train --data "$DATA" "${SMALL[@]}" --max_iters 100 --eval_val_every 50 --device cuda --checkpoint_dir part \
  --resume auto >part2.log 2>&1 || die "resume: $(tail -3 part2.log)"
grep -q "resuming from" part2.log || die "did not resume"
same_losses full part 51 100 1e-3 || die "resumed losses differ"
pass "GPU --resume continues the run (iterations 51..100 within 1e-3)"

# 4. A GPU checkpoint evaluates on the CPU to the GPU's loss (1e-4) and samples there.
ck=$("$CHARNN" best gpu)
lc=$("$CHARNN" eval "$ck" --data "$DATA" --device cpu --json --max-batches 20 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["loss"])')
lg=$("$CHARNN" eval "$ck" --data "$DATA" --device cuda --json --max-batches 20 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["loss"])')
close "$lc" "$lg" 1e-4 || die "eval of a GPU checkpoint: cpu $lc, gpu $lg"
"$CHARNN" sample "$ck" --length 200 --device cpu >/dev/null || die "CPU sampling of a GPU checkpoint"
pass "a GPU checkpoint evaluates on the CPU (cpu $lc, gpu $lg) and samples there"

# 5. A CPU checkpoint resumes on the GPU.
"$CHARNN" train --data "$DATA" "${SMALL[@]}" --max_iters 20 --eval_val_every 20 --device cpu --threads 8 \
  --checkpoint_dir cross >cross1.log 2>&1 || die "cpu part"
"$CHARNN" train --data "$DATA" "${SMALL[@]}" --max_iters 40 --eval_val_every 20 --device cuda --checkpoint_dir cross \
  --resume auto >cross2.log 2>&1 || die "cpu -> gpu resume: $(tail -3 cross2.log)"
l21=$(loss_at cross 21); l20=$(loss_at cross 20)
close "$l20" "$l21" 0.1 || die "loss jumped across the CPU -> GPU resume: $l20 -> $l21"
pass "a CPU checkpoint resumes on the GPU (loss $l20 at 20 on the CPU, $l21 at 21 on the GPU)"

# 6. bf16 and tf32 train: finite losses that fall.
for p in bf16 tf32; do
  "$CHARNN" train --data "$DATA" "${SMALL[@]}" --max_iters 100 --device cuda --precision $p --checkpoint_dir $p \
    >$p.log 2>&1 || die "$p run: $(tail -3 $p.log)"
  first=$(loss_at $p 1); last=$(loss_at $p 100)
  "$PY" -c 'import sys, math; a, b = map(float, sys.argv[1:]); sys.exit(0 if math.isfinite(b) and b < a - 0.5 else 1)' \
    "$first" "$last" || die "$p: loss $first -> $last"
done
pass "bf16 and tf32 train (loss falls by > 0.5 in 100 iterations)"
finish
