# Which GPU a rank takes, ranks that share one, and the NCCL reducer run for
# real on a one-rank communicator.
source "$(dirname "$0")/lib.sh"
DATA=$(shakespeare_h5)
QUICK=("${SMALL[@]}" --max_iters 20)

# 1. One GPU visible (srun --gpu-bind, CUDA_VISIBLE_DEVICES set per rank): device 0.
first=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | head -1 || echo 0)
CUDA_VISIBLE_DEVICES=$first "$CHARNN" train --data "$DATA" "${QUICK[@]}" --device cuda --checkpoint_dir bound \
  >bound.log 2>&1 || die "bound rank: $(tail -3 bound.log)"
grep -q "device cuda:0" bound.log || die "expected cuda:0: $(grep device bound.log)"
pass "one visible GPU: the rank takes device 0"

# 2. Every GPU visible (mpirun): rank 0 of one takes its local rank's GPU.
"$CHARNN" train --data "$DATA" "${QUICK[@]}" --device cuda --checkpoint_dir all >all.log 2>&1 || die "all visible"
grep -q "device cuda:0" all.log || die "expected cuda:0: $(grep device all.log)"
pass "all GPUs visible: local rank 0 takes device 0"

# 3. Two ranks bound to the same GPU stop at start-up with a clear message, never hang.
rc=0
out=$(CUDA_VISIBLE_DEVICES=$first timeout 120 mpirun --oversubscribe -np 2 --bind-to none -x CUDA_VISIBLE_DEVICES \
  "$CHARNN" train --data "$DATA" "${QUICK[@]}" --device cuda --checkpoint_dir shared 2>&1) || rc=$?
[ "$rc" -ne 0 ] || die "two ranks on one GPU ran"
[ "$rc" -ne 124 ] || die "two ranks on one GPU hung"
grep -q "were both given" <<<"$out" || die "no clear message: $out"
pass "two ranks on one GPU: one clear line, exit $rc, no hang"

# 4. No GPU visible but device: cuda: a clear error.
expect_error "no GPU is visible" env CUDA_VISIBLE_DEVICES= "$CHARNN" train --data "$DATA" "${QUICK[@]}" --device cuda \
  --checkpoint_dir none
pass "device cuda with no GPU visible is a clear error"

# 5. The NCCL reducer, active on a one-rank communicator, captured in the CUDA
# graph with the rest of the step (the multi-GPU step): the average over one rank
# is the identity, so the first 20 losses are those of the unreduced graph step.
"$CHARNN" train --data "$DATA" "${QUICK[@]}" --device cuda --checkpoint_dir plain >plain.log 2>&1 || die "plain run"
"$CHARNN" train --data "$DATA" "${QUICK[@]}" --device cuda --reduce_single_rank true --checkpoint_dir nccl \
  >nccl.log 2>&1 || die "reduce_single_rank: $(tail -3 nccl.log)"
grep -q "CUDA graph with the NCCL all-reduces inside" nccl.log ||
  die "the NCCL all-reduces were not captured: $(grep -i -e graph -e nccl nccl.log | head -5)"
same_losses plain nccl 1 20 1e-4 || die "the NCCL-reduced graph step differs"
pass "NCCL all-reduce captured in the graph on a one-rank communicator equals the unreduced graph step"
finish
