# Sweeps without Slurm: plan, run locally, table, best, plot; spec validation;
# swept values are data, never shell; paths cannot climb out of the sweep dir.
source "$(dirname "$0")/lib.sh"
DATA=$(readlink -f "$(shakespeare_h5)")

cat > spec.yaml <<YAML
name: local-test
base:
  data: $DATA
  rnn_size: 24
  embedding_size: 16
  batch_size: 8
  seq_length: 16
  max_iters: 30
  eval_val_every: 15
  val_max_batches: 4
  threads: 1
sweep:
  method: grid
  parameters:
    learning_rate: [0.002, 0.004]
    savefile: ['x"; touch PWNED; "', 'plain']
slurm:
  ranks: 1
YAML
"$CHARNN" sweep plan spec.yaml --dir sw | grep -q "4 trial(s) planned" || die "plan"
[ "$(wc -l < sw/trials.csv)" = 5 ] || die "trials.csv rows"
grep -qF 'savefile: "x\"; touch PWNED; \""' sw/trials/0000/config.yaml || die "value not verbatim: $(grep savefile sw/trials/0000/config.yaml)"
grep -q -- "--array=0-3%4" sw/sweep.sbatch || die "sbatch array line"
bash -n sw/sweep.sbatch || die "sweep.sbatch is not valid bash"
expect_error "sw: exists; pass --force" "$CHARNN" sweep plan spec.yaml --dir sw
pass "plan: one config per trial, trials.csv, a valid job array; re-plan refused without --force"

"$CHARNN" sweep run sw --local --parallel 2 > run.out 2>&1 || die "local run: $(cat run.out)"
[ ! -e PWNED ] && ! find . -name PWNED | grep -q . || die "a swept value was executed"
for t in 0 1 2 3; do grep -q '"status": "done"' sw/trials/000$t/status.json || die "trial $t not done"; done
ls sw/trials/0000 | grep -qF 'lm_x"; touch PWNED; "_epoch' || die "savefile with quotes not used verbatim"
pass "run --local: every trial done; the value with shell syntax reached the trial verbatim and ran nothing"

"$CHARNN" sweep table sw > table.txt
[ "$(grep -c ' done ' table.txt)" = 4 ] || die "table: $(cat table.txt)"
"$CHARNN" sweep table sw --format json | "$PY" -c '
import json, sys
rows = json.load(sys.stdin)
losses = [r["best_val_loss"] for r in rows]
assert len(rows) == 4 and losses == sorted(losses), losses
assert all(r["params"]["learning_rate"] in ("0.002", "0.004") for r in rows)' || die "json table"
"$CHARNN" sweep table sw --format csv | head -1 | grep -q "^trial,learning_rate,savefile,status,val_loss" || die "csv"
"$CHARNN" sweep table sw --format markdown | grep -q "^| trial |" || die "markdown"
best=$("$CHARNN" best sw --link best.h5)
first=$("$CHARNN" sweep table sw --format json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["best_checkpoint"])')
[ "$best" = "$first" ] || die "best $best is not the table's first row $first"
"$CHARNN" sample best.h5 --length 20 >/dev/null || die "sample best"
pass "table sorted by val loss in table/csv/markdown/json; best = its first row; sample from it"

if command -v gnuplot >/dev/null; then
  "$CHARNN" plot sw -o curves.png >/dev/null && [ "$(head -c 4 curves.png | tail -c 3)" = PNG ] || die "plot sweep"
  "$CHARNN" plot sw/trials/0001 -o run.png >/dev/null && [ -s run.png ] || die "plot run"
  pass "plot writes a PNG for a sweep and for a run"
fi

# Relative input paths are relative to the spec's folder, like base_config, not
# to the directory the sweep is planned from.
mkdir -p specs elsewhere
printf 'base: {data: corpus/ts.h5}\nsweep:\n  parameters:\n    init_from: [init/lm.h5]\n' > specs/rel.yaml
(cd elsewhere && "$CHARNN" sweep plan ../specs/rel.yaml --dir rel >/dev/null) || die "plan from another directory"
SPECS=$(readlink -f specs)
grep -qxF "data: \"$SPECS/corpus/ts.h5\"" elsewhere/rel/trials/0000/config.yaml ||
  die "data not relative to the spec: $(grep '^data:' elsewhere/rel/trials/0000/config.yaml)"
grep -qxF "init_from: \"$SPECS/init/lm.h5\"" elsewhere/rel/trials/0000/config.yaml ||
  die "swept init_from not relative to the spec: $(grep '^init_from:' elsewhere/rel/trials/0000/config.yaml)"
pass "relative data and init_from (base or swept) resolve against the spec's folder, wherever one plans from"

# A planned sweep whose spec names its base_config relatively runs from its
# directory (the copy in DIR/sweep.yaml is not re-resolved from there).
printf 'data: %s\nrnn_size: 16\nembedding_size: 8\nbatch_size: 4\nseq_length: 8\nmax_iters: 4\neval_val_every: 4\nval_max_batches: 2\nthreads: 1\n' "$DATA" > specs/base.yaml
printf 'base_config: base.yaml\nsweep:\n  parameters:\n    learning_rate: [0.002]\n' > specs/relbase.yaml
"$CHARNN" sweep plan specs/relbase.yaml --dir rb >/dev/null || die "plan relbase"
"$CHARNN" sweep run rb --local > rb.out 2>&1 || die "run of a planned sweep with a relative base_config: $(cat rb.out)"
grep -q '"status": "done"' rb/trials/0000/status.json || die "relbase trial not done"
pass "sweep run DIR --local on a planned sweep whose base_config is relative"

# Validation of the spec itself.
printf 'base: {data: x.h5}\nsweep:\n  method: grid\n  parameters:\n    rnn_sise: [1, 2]\n' > bad1.yaml
expect_error "bad1.yaml:5: unknown option 'rnn_sise'; did you mean 'rnn_size'?" "$CHARNN" sweep plan bad1.yaml --dir b1
printf 'base: {data: x.h5}\nsweep:\n  method: grid\n  parameters:\n    dropout: [0.1, 2]\n' > bad2.yaml
expect_error "bad2.yaml:5: dropout = '2': expected a number in [0, 0.99]" "$CHARNN" sweep plan bad2.yaml --dir b2
printf 'base: {data: ../../etc/x.h5}\nsweep:\n  parameters:\n    dropout: [0.1]\n' > bad3.yaml
expect_error "relative paths may not contain '..'" "$CHARNN" sweep plan bad3.yaml --dir b3
printf 'base: {data: x.h5}\nsweep:\n  method: grid\n  parameters:\n    dropout: {uniform: [0, 0.5]}\n' > bad4.yaml
expect_error "needs method random" "$CHARNN" sweep plan bad4.yaml --dir b4
[ ! -e b1 ] && [ ! -e b2 ] && [ ! -e b3 ] && [ ! -e b4 ] || die "a refused plan left a directory"
pass "bad specs: file, line, key, value and what is expected; nothing written"

cat > random.yaml <<YAML
base: {data: $DATA}
sweep:
  method: random
  trials: 5
  seed: 3
  parameters:
    learning_rate: {log_uniform: [0.0001, 0.01]}
    num_layers: {int_uniform: [1, 3]}
    model: {choice: [lstm, gru]}
YAML
"$CHARNN" sweep plan random.yaml --dir r1 >/dev/null
"$CHARNN" sweep plan random.yaml --dir r2 >/dev/null
cmp -s r1/trials.csv r2/trials.csv || die "random plan not reproducible from its seed"
"$PY" - r1/trials.csv <<'PYEOF' || die "random draws out of range"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 5
for r in rows:
    assert 1e-4 <= float(r["learning_rate"]) <= 1e-2 and r["num_layers"] in "123" and r["model"] in ("lstm", "gru"), r
PYEOF
pass "random search: seeded, in range, reproducible"
finish
