# The bad-input matrix: every subcommand, as a hostile new user would call it.
#
# Each case is one line:   ID  CULPRIT  charnn-arguments...
#   t  ID CULPRIT ARGS...   runs: charnn ARGS...
#   m  ID CULPRIT ARGS...   runs: mpirun -np 2 charnn ARGS...   (every rank must exit)
# CULPRIT is text the error line must contain (the file, key or value at fault);
# "a,b" requires both. For every case the runner checks that
#   - the exit code is 1..127 (not 0, not 128+ = killed by a signal, not 124 = timed out);
#   - stderr has exactly one line starting "charnn: error: ", and it names the culprit;
#   - no LibTorch backtrace, "terminate called", or unwrapped yaml-cpp/JSON/stoi text;
#   - every file that existed before (here, and any absolute path the case names)
#     has the same sha256 (links: the same target), and no temporary file
#     (charnn's hidden .NAME.tmp.PID) is left anywhere.
# Whatever a case creates is removed after it, so cases do not see each other.
# It prints PASS/FAIL per case and a count, and fails if any case failed.
# MATRIX_ONLY=REGEX runs the cases whose id matches (while working on one class);
# MATRIX_VERBOSE=1 shows the error line of passing cases too; MATRIX_JOBS=N workers;
# MATRIX_SKIP_MPI=1 leaves out the mpirun cases (scripts/sanitize.sh: Open MPI's
# plugins leave allocations LeakSanitizer reports, and mpirun runs are not its scope).
#
# Shared fixtures are built once: a small corpus cache, a checkpoint trained for
# a few iterations with lib.sh's TINY flags, and broken copies of both (h5py),
# torch-rnn caches with malformed .json vocabularies, YAML configs and sweep
# specs, and a planned sweep with corrupted trials.csv/status.json/metrics.jsonl.
source "$(dirname "$0")/lib.sh"
ONLY=${MATRIX_ONLY:-}
SKIP_MPI=${MATRIX_SKIP_MPI:-0}

# ---------------------------------------------------------------- fixtures
head -c 30000 "$SHAKESPEARE" > text.txt
for _ in $(seq 300); do echo "zyx wvu tsr qpo"; done > other.txt  # another vocabulary
"$CHARNN" preprocess --input text.txt --output c.h5 >/dev/null
"$CHARNN" preprocess --input other.txt --output c2.h5 >/dev/null
"$CHARNN" train --data c.h5 "${TINY[@]}" --max_iters 4 --eval_val_every 2 --checkpoint_dir run >/dev/null 2>&1 \
  || die "fixture: training the tiny checkpoint failed"
cp "$("$CHARNN" best run)" ck.h5
mkdir -p plain emptydir
echo "my notes, not charnn's" > notes.txt
printf 'abc\xff' > bad-utf8.txt   # invalid UTF-8 at byte offset 3
printf 'ab\xe2\x82\xac' > other-chars.txt  # a character the model has not seen
echo "# a folder that is neither a sweep nor a run" > plain/README.md
ln -s text.txt sl-text.txt
ln text.txt hl-text.txt
ln -s ck.h5 sl-ck.h5
ln ck.h5 hl-ck.h5
# A run directory whose `latest` leads to something that is not a checkpoint.
mkdir rbad && cp notes.txt rbad/lm_lstm_epoch1.00_2.0000.h5 && ln -s lm_lstm_epoch1.00_2.0000.h5 rbad/latest

"$PY" - <<'PYEOF'
import json, os, shutil
import h5py, numpy as np

def variant(src, name, fn):
    shutil.copy(src, name)
    with h5py.File(name, "r+") as f:
        fn(f)

def replace(f, path, data):
    del f[path]
    f[path] = data

def setattr_(obj, key, value):
    obj.attrs[key] = value

# Checkpoints: each broken in one way.
ck = "ck.h5"
size = os.path.getsize(ck)
with open(ck, "rb") as f, open("ck-trunc.h5", "wb") as g:
    g.write(f.read(size // 2))
variant(ck, "ck-nomodel.h5", lambda f: f.__delitem__("model"))
variant(ck, "ck-layers0.h5", lambda f: setattr_(f["model"], "num_layers", np.int64(0)))
variant(ck, "ck-layersneg.h5", lambda f: setattr_(f["model"], "num_layers", np.int64(-3)))
variant(ck, "ck-rnnhuge.h5", lambda f: setattr_(f["model"], "rnn_size", np.int64(10**9)))
variant(ck, "ck-type.h5", lambda f: setattr_(f["model"], "type", "transformer"))
variant(ck, "ck-config.h5", lambda f: setattr_(f, "config", "rnn_size: [1, 2"))
variant(ck, "ck-shape.h5", lambda f: replace(f, "model/rnn.weight_hh_l0", np.zeros((3, 3), np.float32)))
def nan_weight(f):
    w = f["model/decoder.bias"][()]
    w[0] = np.nan
    replace(f, "model/decoder.bias", w)
variant(ck, "ck-wnan.h5", nan_weight)
variant(ck, "ck-m1.h5", lambda f: replace(f, "optimizer/m", np.zeros(1, np.float32)))
def nan_moment(f):
    m = f["optimizer/m"][()]
    m[3] = np.nan
    replace(f, "optimizer/m", m)
variant(ck, "ck-mnan.h5", nan_moment)
variant(ck, "ck-hidden.h5", lambda f: replace(f, "state/hidden_h", np.zeros((1, 1, 1), np.float32)))
variant(ck, "ck-rng.h5", lambda f: replace(f, "state/rng", np.zeros(7, np.uint8)))
variant(ck, "ck-iterneg.h5", lambda f: (setattr_(f, "iteration", np.int64(-5)), setattr_(f["state"], "iteration", np.int64(-5))))

# Corpus caches.
c = "c.h5"
with open(c, "rb") as f, open("c-trunc.h5", "wb") as g:
    g.write(f.read(os.path.getsize(c) // 2))
open("c-zero.h5", "wb").close()
with open("c-text.h5", "w") as f:
    f.write("train,val,test\n")
variant(c, "c-notrain.h5", lambda f: f.__delitem__("train"))
variant(c, "c-float.h5", lambda f: replace(f, "train", f["train"][()].astype(np.float32)))
def big_id(f):
    t = f["train"][()]
    t[5] = 250
    replace(f, "train", t)
variant(c, "c-idbig.h5", big_id)
variant(c, "c-fmtverneg.h5", lambda f: setattr_(f, "format_version", np.int64(-1)))
variant(c, "c-valfrac.h5", lambda f: setattr_(f, "val_frac", "a lot"))

# torch-rnn caches: X.h5 with 1-based ids, X.json beside it.
ids = np.array([1, 2, 3, 1, 2, 3] * 400, np.int64)
def torch_rnn(name, vocab, data=ids):
    with h5py.File(name + ".h5", "w") as f:
        f["train"], f["val"], f["test"] = data, data[:600], data[:600]
    if vocab is not None:
        with open(name + ".json", "w") as f:
            f.write(vocab if isinstance(vocab, str) else json.dumps(vocab))
torch_rnn("tr-notjson", "{idx_to_token: oops")
torch_rnn("tr-noidx", {"token_to_idx": {"a": 1}})
torch_rnn("tr-multichar", {"idx_to_token": {"1": "ab", "2": "b", "3": "c"}})
torch_rnn("tr-nojson", None)
PYEOF

# YAML train configs, one fault each.
printf 'rnn_size: abc\n' > y-type.yaml
printf 'rnn_sise: 8\n' > y-unknown.yaml
printf '? [a, b]\n: 1\n' > y-key.yaml
printf 'rnn_size: [16, 32]\n' > y-list.yaml
printf 'data: [c.h5]\n' > y-datalist.yaml
printf 'rnn_size: 32\nrnn_size: 64\n' > y-dup.yaml
: > y-empty.yaml
printf '\x89PNG\x00\x01\xff\xfe{[\x07\x1b]: ][\n\t\x80\x81 : :\n' > y-garbage.yaml  # binary, and not YAML
printf 'model: lstm\n\trnn_size: 3\n' > y-tabs.yaml
printf 'rnn_size:\n' > y-null.yaml
printf 'dropout: .nan\n' > y-nan.yaml
printf -- '- rnn_size\n- 32\n' > y-toplist.yaml
printf 'savefile: a/b\n' > y-savefile.yaml

# Sweep specs: a good one, and one fault each.
spec() {  # spec FILE SWEEP-BODY [EXTRA-TOP-LEVEL]
  printf 'base: {data: c.h5, max_iters: 2, rnn_size: 16}\n%s\nsweep:\n%s\n' "${3:-}" "$2" > "$1"
}
spec s-good.yaml '  method: grid
  parameters:
    dropout: [0.0, 0.1]'
spec s-method.yaml '  method: bayes
  parameters: {dropout: [0.0]}'
spec s-methodlist.yaml '  method: [grid]
  parameters: {dropout: [0.0]}'
spec s-namelist.yaml '  parameters: {dropout: [0.0]}' 'name: [x]'
spec s-toplevelkey.yaml '  parameters: {dropout: [0.0]}' '? [a, b]
: 1'
spec s-paramkey.yaml '  parameters:
    ? [rnn_size]
    : [1]'
spec s-noint.yaml '  method: random
  trials: 3
  parameters:
    num_layers: {int_uniform: [1.2, 1.8]}'
spec s-bigrid.yaml '  parameters:
    rnn_size: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    num_layers: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    embedding_size: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    seq_length: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    batch_size: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    seed: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    keep_last: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]'
spec s-emptylist.yaml '  parameters:
    rnn_size: []'
spec s-trialshuge.yaml '  method: random
  trials: 10000000
  parameters: {dropout: {uniform: [0.0, 0.5]}}'
spec s-uniformint.yaml '  method: random
  trials: 2
  parameters: {rnn_size: {uniform: [16, 64]}}'
spec s-dupparam.yaml '  parameters:
    rnn_size: [16]
    rnn-size: [32]'
spec s-slurmlist.yaml '  parameters: {dropout: [0.0]}' 'slurm: {partition: [gpu]}'
cp y-garbage.yaml s-garbage.yaml

# A planned sweep, and copies of it with one file corrupted each.
"$CHARNN" sweep plan s-good.yaml --dir sw >/dev/null
corrupt() {  # corrupt NAME FILE CONTENT
  cp -r sw "$1"
  printf '%b' "$3" > "$1/$2"
}
corrupt sw-csv-id trials.csv 'id,dropout\nx,0.0\n1,0.1\n'
corrupt sw-csv-fields trials.csv 'id,dropout\n0\n1,0.1\n'
corrupt sw-csv-dup trials.csv 'id,dropout\n0,0.0\n0,0.1\n'
corrupt sw-csv-empty trials.csv ''
corrupt sw-st-json trials/0000/status.json '{"status": "done", '
corrupt sw-st-type trials/0000/status.json '{"status": "done", "restarts": "three"}\n'
corrupt sw-st-array trials/0000/status.json '["done"]\n'
corrupt sw-metrics trials/0000/metrics.jsonl '{"event":"val","iter":2,"val_loss":"x"}\n{"event":"val","iter":4,"val_loss":1.5}\n'

# ---------------------------------------------------------------- runner
# The cases are shared out over MATRIX_JOBS workers (default 2, one per core),
# each in its own copy of the fixtures (tar keeps links and hard links), so a
# case sees only the fixtures, never another case's files.
M=$(mktemp -d /tmp/charnn-matrix-XXXXXX)
trap 'rm -rf "$WORK" "$M"' EXIT
tar -C "$WORK" -cf "$M/pristine.tar" .
JOBS=${MATRIX_JOBS:-2}
mkdir "$M/results"

# What is here: every path, and what each is (type, inode, size, mtime, link
# target). The baseline is the state every case starts from, with the sha256 of
# every file; after a case, a file whose line differs from the baseline's is
# hashed again, a link must have its target, a directory must still be one.
listing() { find . -printf '%p\t%y %i %s %T@ %l\n' | LC_ALL=C sort; }
baseline() {
  listing > "$T/base.list"
  find . -type f -print0 | xargs -0 -r sha256sum | sed -E 's/^([0-9a-f]{64})  (.*)$/\2\t\1/' | LC_ALL=C sort \
    > "$T/base.sha"
}
restore() {  # the worker's copy, as it was before any case
  find . -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  tar -xf "$M/pristine.tar"
  baseline
}
changed_paths() {  # paths of the baseline that are gone or differ (files by sha256)
  local p info kind target sum
  LC_ALL=C comm -23 "$T/base.list" "$T/after.list" | while IFS=$'\t' read -r p info; do
    kind=${info%% *}
    case $kind in
      d) [ -d "$p" ] || echo "$p" ;;
      l) target=$(cut -d' ' -f5- <<<"$info")
         [ -L "$p" ] && [ "$(readlink "$p")" = "$target" ] || echo "$p" ;;
      *) sum=$(awk -F'\t' -v p="$p" '$1 == p {print $2}' "$T/base.sha")
         [ -f "$p" ] && [ ! -L "$p" ] && [ "$(sha256sum < "$p" | cut -c1-64)" = "$sum" ] || echo "$p" ;;
    esac
  done
}

run_case() {  # run_case ID CULPRIT COMMAND...
  local id=$1 culprit=$2; shift 2
  IDX=$((IDX + 1))
  [ $((IDX % JOBS)) -eq "$WORKER" ] || return 0
  [ -z "$ONLY" ] || [[ $id =~ $ONLY ]] || return 0
  local result a outside=()
  result=$M/results/$(printf %04d "$IDX")
  if [ "$SKIP_MPI" = 1 ] && [ "$1" = mpirun ]; then echo "SKIP  $id: mpirun (MATRIX_SKIP_MPI=1)" > "$result"; return 0; fi
  for a in "${@:2}"; do  # files the case names outside the work dir
    if [[ $a == /* && -f $a && $a != "$PWD"/* ]]; then outside+=("$a"); fi
  done
  [ ${#outside[@]} -eq 0 ] || sha256sum "${outside[@]}" > "$T/outside"
  local rc=0
  timeout -k 5 120 "$@" > "$T/out" 2> "$T/err" < /dev/null || rc=$?
  local why=()
  if [ "$rc" -eq 0 ]; then why+=("exit 0")
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then why+=("timed out")
  elif [ "$rc" -gt 127 ]; then why+=("exit $rc (a signal)"); fi
  local n line part
  n=$(grep -ac '^charnn: error: ' "$T/err" || true)
  [ "$n" -eq 1 ] || why+=("$n 'charnn: error:' lines")
  line=$(grep -a -m1 '^charnn: error: ' "$T/err" || true)
  IFS=',' read -ra parts <<<"$culprit"
  for part in "${parts[@]}"; do
    grep -qaF -- "$part" <<<"$line" || why+=("error does not name '$part'")
  done
  grep -qaE 'Exception raised from|frame #[0-9]|terminate called|yaml-cpp|json\.exception|bad conversion|^stoi$|: stoi$|Segmentation fault|Aborted' "$T/err" \
    && why+=("library text or crash on stderr")
  listing > "$T/after.list"
  local changed temps
  changed=$(changed_paths | tr '\n' ' ')
  if [ ${#outside[@]} -gt 0 ] && ! sha256sum --quiet -c "$T/outside" >/dev/null 2>&1; then changed+="${outside[*]}"; fi
  [ -z "$changed" ] || why+=("changed: $changed")
  temps=$(grep -a $'/\\.[^/]*\\.tmp\\.[0-9]*\t' "$T/after.list" | cut -f1 | tr '\n' ' ' || true)
  [ -z "$temps" ] || why+=("temp files left: $temps")
  # Remove whatever the case created, deepest first; put back what it changed.
  LC_ALL=C comm -13 <(cut -f1 "$T/base.list" | LC_ALL=C sort) <(cut -f1 "$T/after.list" | LC_ALL=C sort) |
    sort -r | while read -r p; do rm -rf -- "$p"; done
  [ -z "$changed" ] || restore
  if [ ${#why[@]} -eq 0 ]; then
    { echo "PASS  $id"; [ -z "${MATRIX_VERBOSE:-}" ] || echo "      $line"; } > "$result"
  else
    { echo "FAIL  $id: $(IFS=';'; echo "${why[*]}")"
      echo "      \$ ${*#"$CHARNN"}" | sed "s|$CHARNN|charnn|g"
      echo "      rc=$rc; stderr: $(head -c 600 "$T/err" | tr '\n' '|')"
    } > "$result"
  fi
}

t() { local id=$1 culprit=$2; shift 2; run_case "$id" "$culprit" "$CHARNN" "$@"; }
m() {
  local id=$1 culprit=$2; shift 2
  run_case "$id" "$culprit" mpirun --oversubscribe -np 2 --bind-to none -x OPENBLAS_NUM_THREADS "$CHARNN" "$@"
}

D=(--data c.h5)  # the cache most train cases read
R=(--device cpu --threads 1 --progress lines --max_iters 6 --eval_val_every 3)  # a short resumed run

# ---------------------------------------------------------------- the cases
cases() {
# id                         culprit                 arguments

# preprocess: the output against the inputs (by inode) and against what is there
t pre.same-name              text.txt                preprocess --input text.txt --output text.txt --force
t pre.dot-path               text.txt                preprocess --input text.txt --output ./text.txt --force
t pre.symlink                sl-text.txt             preprocess --input text.txt --output sl-text.txt --force
t pre.hardlink               hl-text.txt             preprocess --input text.txt --output hl-text.txt --force
t pre.exists                 c.h5                    preprocess --input text.txt --output c.h5
t pre.text-out               notes.txt               preprocess --input text.txt --output notes.txt
t pre.text-out-force         notes.txt               preprocess --input text.txt --output notes.txt --force
t pre.ckpt-out-force         ck.h5                   preprocess --input text.txt --output ck.h5 --force
t pre.dir-out                plain                   preprocess --input text.txt --output plain --force
# preprocess --vocab-from: a checkpoint, of the encoding asked for, never the output
t pre.vocab-from-missing     missing.h5              preprocess --input text.txt --output x.h5 --vocab-from missing.h5
t pre.vocab-from-text        notes.txt               preprocess --input text.txt --output x.h5 --vocab-from notes.txt
t pre.vocab-from-cache       c.h5,not\ a\ charnn\ checkpoint preprocess --input text.txt --output x.h5 --vocab-from c.h5
t pre.vocab-from-encoding    --encoding,bytes,ck.h5  preprocess --input text.txt --output x.h5 --vocab-from ck.h5 --encoding bytes
t pre.vocab-from-out         ck.h5                   preprocess --input text.txt --output ck.h5 --vocab-from ck.h5 --force
# preprocess: inputs and flags
t pre.missing-input          missing.txt             preprocess --input missing.txt --output x.h5
t pre.val-neg                --val-frac              preprocess --input text.txt --output x.h5 --val-frac -0.1
t pre.val-nan                --val-frac              preprocess --input text.txt --output x.h5 --val-frac nan

# inspect: files that are not what they claim, and its flags
t insp.missing               missing.h5              inspect missing.h5
t insp.top-neg               --top                   inspect c.h5 --top -1
t cache.trunc                c-trunc.h5              inspect c-trunc.h5
t cache.zero                 c-zero.h5               inspect c-zero.h5
t cache.text                 c-text.h5               inspect c-text.h5
t cache.notrain              c-notrain.h5            inspect c-notrain.h5
t cache.float                c-float.h5              inspect c-float.h5
t cache.fmtver-neg           c-fmtverneg.h5          inspect c-fmtverneg.h5
t cache.valfrac-type         c-valfrac.h5            inspect c-valfrac.h5
t json.not-json              tr-notjson.json         inspect tr-notjson.h5
t json.no-idx                tr-noidx.json           inspect tr-noidx.h5
t json.multichar             tr-multichar.json       inspect tr-multichar.h5
t json.missing               tr-nojson.json          inspect tr-nojson.h5
t ck.trunc                   ck-trunc.h5             inspect ck-trunc.h5
t ck.nomodel                 ck-nomodel.h5           inspect ck-nomodel.h5
t ck.layers0                 ck-layers0.h5           inspect ck-layers0.h5
t ck.layersneg               ck-layersneg.h5         inspect ck-layersneg.h5
t ck.rnnhuge                 ck-rnnhuge.h5           inspect ck-rnnhuge.h5
t ck.config                  ck-config.h5            inspect ck-config.h5

# train: flags
t tr.rnn-zero                rnn_size                train "${D[@]}" --rnn_size 0
t tr.rnn-neg                 rnn_size                train "${D[@]}" --rnn_size -5
t tr.rnn-huge                rnn_size                train "${D[@]}" --rnn_size 99999999999999999999
t tr.dropout-nan             dropout                 train "${D[@]}" --dropout nan
t tr.lr-inf                  learning_rate           train "${D[@]}" --learning_rate inf
t tr.unknown                 rnn_sise                train "${D[@]}" --rnn_sise 3
t tr.savefile-slash          savefile                train "${D[@]}" --savefile a/b
t tr.savefile-dot            savefile                train "${D[@]}" --savefile .hidden
t tr.ckdir-empty             checkpoint_dir          train "${D[@]}" --checkpoint_dir ""
t tr.no-data                 data                    train --rnn_size 8
# train: inputs, and checkpoint_dir against them
t tr.data-missing            missing.h5              train --data missing.h5
t tr.vocab-missing           missing.json            train "${D[@]}" --vocab missing.json
t tr.ckdir-is-file           notes.txt               train "${D[@]}" --checkpoint_dir notes.txt
t tr.ckdir-is-data           c.h5                    train "${D[@]}" --checkpoint_dir c.h5
t tr.init-in-ckdir           init_from               train "${D[@]}" --init_from run/latest --checkpoint_dir run
t tr.resume-missing          missing.h5              train "${D[@]}" --resume missing.h5

# train: YAML configs
t y.type                     y-type.yaml,rnn_size    train "${D[@]}" --config y-type.yaml
t y.unknown                  y-unknown.yaml,rnn_sise train "${D[@]}" --config y-unknown.yaml
t y.nonstring-key            y-key.yaml              train "${D[@]}" --config y-key.yaml
t y.list                     y-list.yaml,rnn_size    train "${D[@]}" --config y-list.yaml
t y.data-list                y-datalist.yaml,data    train --config y-datalist.yaml
t y.duplicate                y-dup.yaml,rnn_size     train "${D[@]}" --config y-dup.yaml
t y.empty                    y-empty.yaml            train "${D[@]}" --config y-empty.yaml
t y.garbage                  y-garbage.yaml          train "${D[@]}" --config y-garbage.yaml
t y.tabs                     y-tabs.yaml             train "${D[@]}" --config y-tabs.yaml
t y.null                     y-null.yaml,rnn_size    train "${D[@]}" --config y-null.yaml
t y.nan                      y-nan.yaml,dropout      train "${D[@]}" --config y-nan.yaml
t y.top-list                 y-toplist.yaml          train "${D[@]}" --config y-toplist.yaml
t y.savefile                 y-savefile.yaml,savefile train "${D[@]}" --config y-savefile.yaml

# train: resume and init_from from broken checkpoints
t rs.trunc                   ck-trunc.h5             train "${D[@]}" "${R[@]}" --resume ck-trunc.h5 --checkpoint_dir rR
t rs.auto-bad-latest         rbad                    train "${D[@]}" "${R[@]}" --resume auto --checkpoint_dir rbad
t rs.vocab-mismatch          vocabulary              train --data c2.h5 "${R[@]}" --resume ck.h5 --checkpoint_dir rR
t ck.resume-m1               ck-m1.h5                train "${D[@]}" "${R[@]}" --resume ck-m1.h5 --checkpoint_dir rR
t ck.resume-mnan             ck-mnan.h5              train "${D[@]}" "${R[@]}" --resume ck-mnan.h5 --checkpoint_dir rR
t ck.resume-hidden           ck-hidden.h5            train "${D[@]}" "${R[@]}" --resume ck-hidden.h5 --checkpoint_dir rR
t ck.resume-rng              ck-rng.h5               train "${D[@]}" "${R[@]}" --resume ck-rng.h5 --checkpoint_dir rR
t ck.resume-iterneg          ck-iterneg.h5           train "${D[@]}" "${R[@]}" --resume ck-iterneg.h5 --checkpoint_dir rR
t ck.init-rnnhuge            ck-rnnhuge.h5           train "${D[@]}" "${R[@]}" --init_from ck-rnnhuge.h5 --checkpoint_dir rR

# sample: flags, inputs, and --output against the checkpoint
t s.temperature-nan          --temperature           sample ck.h5 --temperature nan
t s.temperature-inf          --temperature           sample ck.h5 --temperature inf
t s.length-neg               --length                sample ck.h5 --length -1
t s.top-k-neg                --top-k                 sample ck.h5 --top-k -2
t s.temperature-list         --temperature,abc       sample ck.h5 -t 0.5,abc
t s.top-p-zero               --top-p                 sample ck.h5 --top-p 0
t s.top-p-big                --top-p,1.5             sample ck.h5 --top_p 1.5
t s.seed-neg                 --seed                  sample ck.h5 --seed -1
t s.cache-as-ckpt            c.h5                    sample c.h5
t s.prime-file-missing       missing.txt             sample ck.h5 --primetext_file missing.txt
t s.prime-file-dir           plain                   sample ck.h5 --primetext_file plain
t s.prime-file-utf8          --primetext_file,bad-utf8.txt,byte\ offset\ 3 sample ck.h5 --primetext_file bad-utf8.txt
t s.prime-file-unknown       --primetext_file,other-chars.txt sample ck.h5 --primetext_file other-chars.txt
t s.prime-both               --primetext,--primetext_file sample ck.h5 --primetext a --primetext_file text.txt
t s.prime-file-out           text.txt                sample ck.h5 --length 5 --primetext_file text.txt -o text.txt
t s.out-same                 ck.h5                   sample ck.h5 --length 5 -o ck.h5
t s.out-symlink              sl-ck.h5                sample ck.h5 --length 5 -o sl-ck.h5
t s.out-hardlink             hl-ck.h5                sample ck.h5 --length 5 -o hl-ck.h5
t s.out-cache                c.h5                    sample ck.h5 --length 5 -o c.h5
t s.out-nodir                nodir                   sample ck.h5 --length 5 -o nodir/s.txt
t ck.not-hdf5                notes.txt               sample notes.txt
t ck.sample-shape            ck-shape.h5             sample ck-shape.h5 --length 5
t ck.sample-wnan             ck-wnan.h5              sample ck-wnan.h5 --length 5
t ck.sample-type             ck-type.h5              sample ck-type.h5 --length 5

# eval
t e.split                    bogus                   eval ck.h5 "${D[@]}" --split bogus
t e.batch-neg                --batch-size            eval ck.h5 "${D[@]}" --batch-size -1
t e.seq-huge                 --seq-length            eval ck.h5 "${D[@]}" --seq-length 99999999
t e.data-text                notes.txt               eval ck.h5 --data notes.txt
t e.vocab-mismatch           vocabulary              eval ck.h5 --data c2.h5
t cache.eval-idbig           c-idbig.h5              eval ck.h5 --data c-idbig.h5 --split train --batch-size 2 --seq-length 8

# sweep plan: malformed specs (nothing may be written)
t sp.method                  bayes                   sweep plan s-method.yaml --dir p1
t sp.method-list             s-methodlist.yaml,method sweep plan s-methodlist.yaml --dir p1
t sp.name-list               s-namelist.yaml,name    sweep plan s-namelist.yaml --dir p1
t sp.nonstring-key           s-toplevelkey.yaml      sweep plan s-toplevelkey.yaml --dir p1
t sp.param-nonstring-key     s-paramkey.yaml         sweep plan s-paramkey.yaml --dir p1
t sp.int-uniform-no-integer  s-noint.yaml,int_uniform sweep plan s-noint.yaml --dir p1
t sp.grid-huge               s-bigrid.yaml,10000000  sweep plan s-bigrid.yaml --dir p1
t sp.empty-list              s-emptylist.yaml,rnn_size sweep plan s-emptylist.yaml --dir p1
t sp.trials-huge             s-trialshuge.yaml,trials sweep plan s-trialshuge.yaml --dir p1
t sp.uniform-on-integer      s-uniformint.yaml,rnn_size sweep plan s-uniformint.yaml --dir p1
t sp.duplicate-param         s-dupparam.yaml,rnn_size sweep plan s-dupparam.yaml --dir p1
t sp.slurm-list              s-slurmlist.yaml,partition sweep plan s-slurmlist.yaml --dir p1
t sp.garbage                 s-garbage.yaml          sweep plan s-garbage.yaml --dir p1
# sweep plan: the directory it writes
t sp.dir-is-file             notes.txt               sweep plan s-good.yaml --dir notes.txt --force
t sp.dir-foreign-force       plain                   sweep plan s-good.yaml --dir plain --force
t sp.dir-run-force           run                     sweep plan s-good.yaml --dir run --force

# sweep run
t sr.parallel-zero           --parallel              sweep run sw --local --parallel 0
t sr.ranks-neg               --ranks                 sweep run sw --local --ranks -2

# sweep table: directories that are neither, and corrupted sweep files
t st.format                  html                    sweep table sw --format html
t st.neither                 plain                   sweep table plain
t st.empty-dir               emptydir                sweep table emptydir
t st.csv-id                  sw-csv-id/trials.csv,id sweep table sw-csv-id
t st.csv-fields              sw-csv-fields/trials.csv sweep table sw-csv-fields
t st.csv-duplicate-id        sw-csv-dup/trials.csv   sweep table sw-csv-dup
t st.csv-empty               sw-csv-empty/trials.csv sweep table sw-csv-empty
t st.status-json             sw-st-json/trials/0000/status.json sweep table sw-st-json
t st.status-type             sw-st-type/trials/0000/status.json,restarts sweep table sw-st-type
t st.status-array            sw-st-array/trials/0000/status.json sweep table sw-st-array
t st.metrics-type            sw-metrics/trials/0000/metrics.jsonl:1,val_loss sweep table sw-metrics

# best
t b.neither                  plain                   best plain
t b.status-json              sw-st-json/trials/0000/status.json best sw-st-json
t b.link-file                notes.txt               best run --link notes.txt
t b.link-checkpoint          ck.h5                   best run --link ck.h5
t b.link-dir                 plain                   best run --link plain
t b.link-latest              latest                  best run --link run/latest

# plot
t p.neither                  plain                   plot plain
t p.out-text                 notes.txt               plot run -o notes.txt
t p.out-cache                c.h5                    plot run -o c.h5
t p.out-metrics              run/metrics.jsonl       plot run -o run/metrics.jsonl

# report
t r.neither                  plain                   report plain
t r.missing                  nowhere                 report nowhere
t r.out-text                 notes.txt               report run -o notes.txt
t r.out-cache                c.h5                    report run -o c.h5
t r.out-metrics              run/metrics.jsonl       report run -o run/metrics.jsonl
t r.out-dir                  plain                   report run --output plain
t r.status-json              sw-st-json/trials/0000/status.json report sw-st-json
t r.metrics-type             sw-metrics/trials/0000/metrics.jsonl:1,val_loss report sw-metrics
t r.csv-empty                sw-csv-empty/trials.csv report sw-csv-empty

# export
t x.format                   pdf                     export ck.h5 --format pdf
t x.no-format                --format                export ck.h5 -o model.txt
t x.missing                  nowhere.h5              export nowhere.h5 --format onnx
t x.trunc                    ck-trunc.h5             export ck-trunc.h5 --format html
t x.cache                    c.h5                    export c.h5 --format onnx
t x.out-text                 notes.txt               export ck.h5 --format html -o notes.txt
t x.out-text-onnx            notes.txt               export ck.h5 --format onnx -o notes.txt
t x.out-input                ck.h5                   export ck.h5 --format onnx -o ck.h5
t x.out-dir                  plain                   export ck.h5 --format html -o plain

# mpirun -np 2: a bad start ends every rank, and rank 0 says why once
m mpi.yaml                   y-type.yaml,rnn_size    train "${D[@]}" --config y-type.yaml
m mpi.flag                   rnn_size                train "${D[@]}" --rnn_size -1
m mpi.data-missing           missing.h5              train --data missing.h5

# the binary itself
t top.unknown-command        frobnicate              frobnicate
}

# ---------------------------------------------------------------- run and summary
pids=()
for WORKER in $(seq 0 $((JOBS - 1))); do
  mkdir "$M/w$WORKER" "$M/w$WORKER.tmp"
  (cd "$M/w$WORKER" && tar -xf "$M/pristine.tar" && T=$M/w$WORKER.tmp && baseline && IDX=0 && cases &&
     echo "$IDX" > "$M/w$WORKER.count") &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || die "a matrix worker stopped early"; done
for k in $(seq 0 $((JOBS - 1))); do [ -f "$M/w$k.count" ] || die "matrix worker $k stopped early"; done
cat "$M"/results/* 2>/dev/null || true
TOTAL=$(find "$M/results" -type f | wc -l)
[ -n "$ONLY" ] || [ "$TOTAL" -eq "$(cat "$M/w0.count")" ] || die "$TOTAL results for $(cat "$M/w0.count") cases"
FAILED=$({ grep -l '^FAIL' "$M"/results/* || true; } | xargs -r -n1 head -1 | sed 's/^FAIL  \([^:]*\):.*/\1/' | tr '\n' ' ')
NFAILED=$({ grep -l '^FAIL' "$M"/results/* || true; } | wc -l)
NSKIPPED=$({ grep -l '^SKIP' "$M"/results/* || true; } | wc -l)
echo "bad-input matrix: $((TOTAL - NFAILED - NSKIPPED)) of $((TOTAL - NSKIPPED)) cases passed" \
  "$([ "$NSKIPPED" -eq 0 ] || echo "($NSKIPPED mpirun cases skipped: MATRIX_SKIP_MPI=1)")"
if [ "$NFAILED" -gt 0 ]; then
  echo "failed: $FAILED"
  exit 1
fi
