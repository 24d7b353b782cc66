# kill -9 at random moments while checkpoints are being written: the previous
# checkpoint stays whole, `latest` always loads, and --resume auto continues.
# A checkpoint is saved every iteration and is large enough (~10 MB: weights
# and two Adam moments) that most kills land inside a save.
source "$(dirname "$0")/lib.sh"
head -c 60000 "$SHAKESPEARE" > small.txt
"$CHARNN" preprocess -i small.txt -o small.h5 >/dev/null
TRIALS=${KILL_TRIALS:-50}
ARGS=(--data small.h5 --device cpu --threads 1 --rnn_size 384 --embedding_size 32 --num_layers 2 --batch_size 4
      --seq_length 8 --eval_val_every 1 --val_max_batches 1 --keep_last 2 --max_iters 100000 --progress lines
      --print_every 1000 --checkpoint_dir run)
"$CHARNN" train "${ARGS[@]}" --max_iters 1 >/dev/null 2>&1 || die "first checkpoint"
RANDOM=7  # the kill moments repeat run after run

iter_of() { "$PY" -c 'import sys, h5py; print(int(h5py.File(sys.argv[1], "r").attrs["iteration"]))' "$1"; }

last=$(iter_of run/latest)
mid_save=0
for t in $(seq "$TRIALS"); do
  saves=$(grep -c '"event":"val"' run/metrics.jsonl)
  "$CHARNN" train "${ARGS[@]}" --resume auto >log.txt 2>&1 &
  pid=$!
  # Past start-up (the first save of this process is logged), then 0-0.5 s into the
  # save-every-iteration loop: a save takes most of each iteration.
  for _ in $(seq 600); do
    [ "$(grep -c '"event":"val"' run/metrics.jsonl)" -gt "$saves" ] && break
    kill -0 "$pid" 2>/dev/null || die "trial $t: train exited early: $(tail -3 log.txt)"
    sleep 0.05
  done
  sleep "$(printf '0.%03d' $((RANDOM % 500)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ -n "$(find run -name '.*.tmp.*')" ] && mid_save=$((mid_save + 1))
  [ -L run/latest ] || die "trial $t: no latest link"
  "$CHARNN" inspect run/latest >inspect.txt 2>&1 || die "trial $t: latest does not load: $(cat inspect.txt)"
  now=$(iter_of run/latest)
  [ "$now" -ge "$last" ] || die "trial $t: latest went back from iteration $last to $now"
  last=$now
done
echo "$mid_save of $TRIALS kills landed inside a save (a temporary was left)"
[ "$mid_save" -gt 0 ] || die "no kill landed inside a save: the test does not test what it says"
pass "$TRIALS kills during saves: latest always loads, never goes back (ends at iteration $last)"

# What the kills left: hidden temporaries of dead processes, reaped by the next start.
"$CHARNN" train "${ARGS[@]}" --resume auto --max_iters $((last + 2)) >log.txt 2>&1 || die "resume: $(tail -3 log.txt)"
grep -q "resuming from" log.txt || die "did not resume: $(tail -3 log.txt)"
[ "$(iter_of run/latest)" = $((last + 2)) ] || die "resume did not continue to iteration $((last + 2))"
left=$(find run -name '.*.tmp.*' | wc -l)
[ "$left" = 0 ] || die "$left temporary files left after a clean run: $(ls -a run)"
pass "--resume auto continues from the last whole checkpoint; no temporaries left behind"
finish
