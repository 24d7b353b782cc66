# Failure handling: a killed rank ends the whole job quickly and leaves the last
# checkpoint usable; a frozen rank ends it after collective_timeout, named by the
# others; launch mistakes fail at once with advice.
source "$(dirname "$0")/lib.sh"
DATA=$(shakespeare_h5)

mpirun_n 4 "$CHARNN" train --data "$DATA" "${TINY[@]}" --batch_size 4 --max_iters 100000 --eval_val_every 20 \
  --checkpoint_dir run > train.log 2>&1 &
launcher=$!
for _ in $(seq 600); do [ -e run/latest ] && break; sleep 0.1; done
[ -e run/latest ] || die "no checkpoint appeared"
sleep 1
victim=$(my_charnn_pids | tail -1)
[ -n "$victim" ] || die "no rank process found"
start=$(date +%s)
kill -9 "$victim"
rc=0
for _ in $(seq 600); do kill -0 $launcher 2>/dev/null || break; sleep 0.1; done
if kill -0 $launcher 2>/dev/null; then kill -9 $launcher; die "mpirun still running 60 s after a rank was killed"; fi
wait $launcher || rc=$?
elapsed=$(( $(date +%s) - start ))
[ $rc -ne 0 ] || die "mpirun exited 0 after a rank was killed"
left=$(left_after 10 my_charnn_pids); [ -z "$left" ] || die "ranks left running 10 s after mpirun exited: $left"
echo "  mpirun exited $rc, ${elapsed}s after kill -9 of one of 4 ranks"
pass "kill -9 of one of 4 ranks: mpirun exits non-zero within 60 s, no rank left behind"

"$CHARNN" inspect run/latest >/dev/null || die "last checkpoint unreadable"
ls run | grep -q '\.tmp\.' && rm -f run/.*.tmp.*  # a save interrupted mid-write only leaves a temp file
iter=$("$PY" -c 'import h5py,sys; print(h5py.File(sys.argv[1],"r").attrs["iteration"])' run/latest)
mpirun_n 4 "$CHARNN" train --data "$DATA" "${TINY[@]}" --batch_size 4 --max_iters $((iter + 5)) --eval_val_every 20 \
  --checkpoint_dir run --resume auto >/dev/null 2>&1 || die "resume after the crash"
pass "the last checkpoint is intact and resumes (from iteration $iter)"

# SIGUSR2 (Slurm's preemption warning) to ONE rank: all ranks stop together at
# the same iteration, rank 0 checkpoints, everyone exits 75; the run resumes.
mpirun_n 2 "$CHARNN" train --data "$DATA" "${TINY[@]}" --max_iters 100000 --eval_val_every 100000 \
  --checkpoint_dir pre > pre.log 2>&1 &
launcher=$!
for _ in $(seq 300); do grep -q '"event":"train"' pre/metrics.jsonl 2>/dev/null && break; sleep 0.1; done
kill -USR2 "$(my_charnn_pids | tail -1)"
rc=0
wait $launcher || rc=$?
[ $rc -eq 75 ] || die "preempted run exited $rc, expected 75: $(cat pre.log)"
grep -q "stop requested (signal)" pre.log || die "no stop message"
iter=$("$PY" -c 'import h5py,sys; print(h5py.File(sys.argv[1],"r").attrs["iteration"])' pre/latest)
mpirun_n 2 "$CHARNN" train --data "$DATA" "${TINY[@]}" --max_iters $((iter + 3)) --eval_val_every 1000 \
  --checkpoint_dir pre --resume auto >/dev/null 2>&1 || die "resume after preemption"
pass "SIGUSR2 to one rank: all ranks stop together, checkpoint, exit 75, resume"

# A frozen rank (SIGSTOP): MPI alone would wait for it forever. The other
# rank's collective_timeout names it and aborts the job; nothing is left behind.
mpirun_n 2 "$CHARNN" train --data "$DATA" "${TINY[@]}" --max_iters 100000 --eval_val_every 100000 \
  --collective_timeout 10 --checkpoint_dir frozen > frozen.log 2>&1 &
launcher=$!
for _ in $(seq 600); do grep -q '"event":"train"' frozen/metrics.jsonl 2>/dev/null && break; sleep 0.1; done
victim=$(my_charnn_pids | tail -1)
vrank=$(rank_of "$victim")
[ -n "$vrank" ] || die "no rank process found"
kill -STOP "$victim"
start=$(date +%s)
for _ in $(seq 400); do kill -0 $launcher 2>/dev/null || break; sleep 0.1; done
if kill -0 $launcher 2>/dev/null; then kill -9 "$victim" $launcher; die "mpirun still running 40 s after a rank froze"; fi
rc=0
wait $launcher || rc=$?
elapsed=$(( $(date +%s) - start ))
[ $rc -ne 0 ] || die "mpirun exited 0 after a rank froze"
left=$(left_after 10 my_charnn_pids); [ -z "$left" ] || die "ranks left running 10 s after mpirun exited: $left"
grep -qE "^charnn: error: \[rank $((1 - vrank))\] collective_timeout: allreduce.* started 1[0-9]\.[0-9] s ago .*no answer from rank $vrank \\($(hostname)\\): stopped, dead or unreachable; aborting the job" frozen.log ||
  die "no collective_timeout line naming rank $vrank: $(cat frozen.log)"
echo "  mpirun exited $rc, ${elapsed}s after SIGSTOP of rank $vrank (collective_timeout 10 s)"
pass "SIGSTOP of one of 2 ranks: collective_timeout names it and ends the job within the timeout + a few seconds"

export SLURM_NTASKS=3
expect_error "SLURM_NTASKS=3 but the MPI world has 2 ranks" mpirun_n 2 -x SLURM_NTASKS "$CHARNN" train --data "$DATA" "${TINY[@]}" --max_iters 1
SLURM_NTASKS=2 SLURM_PROCID=0 expect_error "not started by an MPI launcher" "$CHARNN" train --data "$DATA" "${TINY[@]}" --max_iters 1
unset SLURM_NTASKS
pass "SLURM_NTASKS that disagrees with the MPI world fails at once with what to change"
finish
