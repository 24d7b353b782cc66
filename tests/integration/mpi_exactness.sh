# Data parallelism over real mpirun ranks: N ranks x B streams train the same
# model as 1 rank x N*B streams; val loss does not depend on the rank count;
# multi-rank resume is exact.
source "$(dirname "$0")/lib.sh"
DATA=$(shakespeare_h5)
close() {  # close A B TOL: element-wise relative agreement of two loss lists
  "$PY" - "$1" "$2" "$3" <<'PYEOF'
import sys
a, b, tol = [float(x) for x in sys.argv[1].split()], [float(x) for x in sys.argv[2].split()], float(sys.argv[3])
assert len(a) == len(b) == 20, (len(a), len(b))
worst = max(abs(x - y) / abs(x) for x, y in zip(a, b))
assert worst <= tol, f"relative difference {worst:.3g} > {tol}"
print(f"max relative difference {worst:.2e}")
PYEOF
}
COMMON=("${TINY[@]}" --max_iters 20 --eval_val_every 20 --keep_last 1)

"$CHARNN" train --data "$DATA" "${COMMON[@]}" --batch_size 8 --checkpoint_dir one >/dev/null 2>&1
for n in 2 4; do
  for overlap in true false; do
    mpirun_n $n "$CHARNN" train --data "$DATA" "${COMMON[@]}" --batch_size $((8 / n)) --overlap $overlap \
      --bucket_mb 0.01 --checkpoint_dir n$n-$overlap >/dev/null 2>&1 || die "mpirun -np $n"
    d=$(close "$(losses one/metrics.jsonl)" "$(losses n$n-$overlap/metrics.jsonl)" 1e-5) || die "$n ranks (overlap $overlap) vs 1: $d"
    echo "  $n ranks, overlap $overlap: $d"
  done
done
pass "2 and 4 ranks x B streams match 1 rank x N*B streams over 20 iterations (1e-5 relative), overlap on and off"

"$CHARNN" train --data "$DATA" "${COMMON[@]}" --batch_size 8 --block_shuffle 2 --checkpoint_dir one-bs >/dev/null 2>&1
mpirun_n 2 "$CHARNN" train --data "$DATA" "${COMMON[@]}" --batch_size 4 --block_shuffle 2 --checkpoint_dir n2-bs \
  >/dev/null 2>&1 || die "mpirun -np 2 with block_shuffle"
d=$(close "$(losses one-bs/metrics.jsonl)" "$(losses n2-bs/metrics.jsonl)" 1e-5) || die "block_shuffle: 2 ranks vs 1: $d"
pass "block_shuffle: 2 ranks x 4 streams match 1 rank x 8 streams ($d)"

ck=$(readlink -f one/latest)
v1=$(mpirun_n 1 "$CHARNN" eval "$ck" --data "$DATA" --json)
for n in 2 3; do
  vn=$(mpirun_n $n "$CHARNN" eval "$ck" --data "$DATA" --json)
  "$PY" -c 'import json,sys; a,b=(json.loads(x) for x in sys.argv[1:]); assert a["characters"]==b["characters"]; assert abs(a["loss"]-b["loss"])<=1e-6, (a,b); print("  val", a["loss"], b["loss"])' "$v1" "$vn" ||
    die "val loss with $n ranks differs: $v1 vs $vn"
done
pass "val loss on the same weights agrees to 1e-6 with 1, 2 and 3 ranks"

# Exact multi-rank resume (dropout on: every rank's RNG and hidden state restored).
R=("${TINY[@]}" --batch_size 4 --dropout 0.1 --eval_val_every 10 --keep_last 0)
mpirun_n 2 "$CHARNN" train --data "$DATA" "${R[@]}" --max_iters 30 --checkpoint_dir straight >/dev/null 2>&1
mpirun_n 2 "$CHARNN" train --data "$DATA" "${R[@]}" --max_iters 20 --checkpoint_dir resumed >/dev/null 2>&1
mpirun_n 2 "$CHARNN" train --data "$DATA" "${R[@]}" --max_iters 30 --checkpoint_dir resumed --resume auto >/dev/null 2>&1
same_weights straight/latest resumed/latest || die "2-rank resume differs from uninterrupted"
pass "2 ranks: stop + --resume auto is bitwise identical to uninterrupted"

out=$(mpirun_n 4 "$CHARNN" train --data "$DATA" "${R[@]}" --max_iters 35 --checkpoint_dir resumed --resume auto 2>&1) || die "resume on 4 ranks: $out"
grep -q "written by 2 rank(s) x 4 streams, resuming with 4 x 4" <<<"$out" || die "no re-partition warning: $out"
pass "resuming with a different rank count re-partitions with a warning"
finish
