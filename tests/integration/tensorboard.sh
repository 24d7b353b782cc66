# TensorBoard event files: written while training (tensorboard_dir, also across a
# resume) and converted afterwards (`charnn tensorboard` of a run and of a sweep),
# each decoded by python3-protobuf with every record's CRCs checked and every value
# equal to metrics.jsonl's and samples.jsonl's (tensorboard_check.py); the outputs
# it may replace, and the inputs it refuses.
source "$(dirname "$0")/lib.sh"
DATA=$(readlink -f "$(shakespeare_h5)")
CHECK="$PY $CHARNN_SOURCE_DIR/tests/integration/tensorboard_check.py"

"$CHARNN" train --data "$DATA" "${TINY[@]}" --max_iters 12 --eval_val_every 6 --sample_every 6 --sample_length 40 \
  --sample_temperatures 0.5,1 --checkpoint_dir run --tensorboard_dir tb > train.log 2>&1 || die "train: $(cat train.log)"
[ "$(ls tb | grep -c '^events.out.tfevents\.')" = 1 ] || die "one event file expected in tb: $(ls tb)"
$CHECK tb run || die "live event file"
"$CHARNN" train --data "$DATA" "${TINY[@]}" --max_iters 18 --eval_val_every 6 --sample_every 6 --sample_length 40 \
  --sample_temperatures 0.5,1 --checkpoint_dir run --tensorboard_dir tb --resume auto > resume.log 2>&1 \
  || die "resume: $(cat resume.log)"
[ "$(ls tb | grep -c '^events.out.tfevents\.')" = 2 ] || die "a resumed run adds a second event file: $(ls tb)"
$CHECK tb run || die "live event files after a resume"
pass "tensorboard_dir: scalars and samples as metrics.jsonl and samples.jsonl have them, across a resume"

"$CHARNN" tensorboard run -o conv > conv.out || die "convert run"
[ "$(cat conv.out)" = conv/events.out.tfevents.charnn ] || die "convert printed: $(cat conv.out)"
$CHECK conv run || die "converted run"
"$CHARNN" tensorboard run > /dev/null && $CHECK run/tensorboard run > /dev/null || die "default output DIR/tensorboard"
"$CHARNN" tensorboard run -o conv > /dev/null && $CHECK conv run > /dev/null || die "a second conversion replaces the first"
mkdir bad && cp conv/events.out.tfevents.charnn bad/
printf 'X' | dd of=bad/events.out.tfevents.charnn bs=1 seek=40 conv=notrunc status=none
! $CHECK bad run > bad.out 2>&1 && grep -q "CRC wrong" bad.out || die "the checker missed a corrupted byte: $(cat bad.out)"
pass "charnn tensorboard RUN: the same values from the run directory's files; a rerun replaces its own file"

cat > spec.yaml <<YAML
name: tb
base: {data: $DATA, rnn_size: 16, embedding_size: 8, batch_size: 4, seq_length: 8, max_iters: 8,
       eval_val_every: 4, val_max_batches: 2, threads: 1, sample_every: 4, sample_length: 20}
sweep:
  method: grid
  parameters:
    learning_rate: [0.002, 0.01]
slurm: {ranks: 1}
YAML
"$CHARNN" sweep plan spec.yaml --dir sw > /dev/null && "$CHARNN" sweep run sw --local --parallel 2 > sw.log 2>&1 \
  || die "sweep: $(cat sw.log)"
"$CHARNN" tensorboard sw > sw.out || die "convert sweep"
[ -f sw/tensorboard/0000_learning_rate=0.002/events.out.tfevents.charnn ] || die "trial 0's run: $(ls sw/tensorboard)"
[ -f sw/tensorboard/0001_learning_rate=0.01/events.out.tfevents.charnn ] || die "trial 1's run: $(ls sw/tensorboard)"
$CHECK "sw/tensorboard/0000_learning_rate=0.002" sw/trials/0000 && $CHECK "sw/tensorboard/0001_learning_rate=0.01" sw/trials/0001 \
  || die "converted trials"
pass "charnn tensorboard SWEEP: one run per trial, named by its number and swept values, each equal to its metrics"

echo "notes" > conv/events.out.tfevents.charnn
expect_error "conv/events.out.tfevents.charnn: exists and is not a TensorBoard event file" "$CHARNN" tensorboard run -o conv
[ "$(cat conv/events.out.tfevents.charnn)" = notes ] || die "a file that is not an event file was replaced"
echo x > afile
expect_error "afile: exists and is not a directory" "$CHARNN" tensorboard run -o afile
mkdir empty
expect_error "empty: neither a sweep directory" "$CHARNN" tensorboard empty
printf '{"event":"train","iter":1,"loss":"x"}\n{"event":"done"}\n' > run/metrics.jsonl
expect_error "run/metrics.jsonl:1: loss: got \"x\", expected" "$CHARNN" tensorboard run -o conv2
[ ! -e conv2/events.out.tfevents.charnn ] || die "a failed conversion left a file"
sed 's/^base: {/base: {tensorboard_dir: tb2, /' spec.yaml > spec2.yaml
expect_error "tensorboard_dir cannot be set in a sweep" "$CHARNN" sweep plan spec2.yaml --dir sw2
pass "refused: over a file that is not an event file, -o a file, a directory that is no run, a bad metrics line, tensorboard_dir in a sweep"
echo "$PASSED checks passed"
