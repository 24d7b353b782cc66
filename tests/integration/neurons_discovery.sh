# charnn neurons, known answer: on a corpus where the next character can only
# be predicted by knowing whether one is inside double quotes (lowercase words
# outside, UPPERCASE words inside), a small LSTM learns a quote cell, and the
# discovery table ranks one first for "inside double quotes" with |r| >= 0.8.
# NEURONS_SEED (default 1) seeds the corpus and the training.
source "$(dirname "$0")/lib.sh"
SEED=${NEURONS_SEED:-1}

# lowercase words; now and then a quoted span of 1-4 UPPERCASE words
quotes_corpus() {  # quotes_corpus SEED CHARACTERS
  "$PY" - "$1" "$2" <<'PYEOF'
import random, sys
rng = random.Random(int(sys.argv[1]))
lower, upper = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
word = lambda letters: "".join(rng.choice(letters) for _ in range(rng.randint(2, 6)))
out, line = [], []
while sum(map(len, out)) < int(sys.argv[2]):
    if rng.random() < 0.25:
        line.append('"' + " ".join(word(upper) for _ in range(rng.randint(1, 4))) + '"')
    else:
        line.append(word(lower))
    if sum(len(w) + 1 for w in line) > 60:
        out.append(" ".join(line) + "\n")
        line = []
sys.stdout.write("".join(out))
PYEOF
}

quotes_corpus "$SEED" 300000 > quotes.txt
quotes_corpus "$((SEED + 1000))" 3000 > page.txt
"$CHARNN" preprocess --input quotes.txt --output quotes.h5 >/dev/null
"$CHARNN" train --data quotes.h5 --device cpu --threads 1 --model lstm --num_layers 1 --rnn_size 32 \
  --embedding_size 16 --batch_size 16 --seq_length 64 --max_iters 400 --eval_val_every 400 --val_max_batches 4 \
  --print_every 100 --progress lines --seed "$SEED" --checkpoint_dir run >train.log 2>&1 || die "train: $(tail -3 train.log)"
ck=$("$CHARNN" best run)
"$CHARNN" neurons "$ck" --text page.txt --out quotes.html --json quotes.json >/dev/null 2>&1 || die "neurons"
"$PY" - <<'PYEOF' || die "no quote cell found"
import json, sys
j = json.load(open("quotes.json"))
p = next(p for p in j["properties"] if p["name"] == "in_quotes")
top = p["top"][0]
print(f"in_quotes: top cell {top['view']} r = {top['r']:+.3f}; mean surprise {j['mean_surprise']:.3f} nats/char")
sys.exit(0 if abs(top["r"]) >= 0.8 else 1)
PYEOF
grep -q "<a href=\"#view=$("$PY" -c 'import json; print(next(p for p in json.load(open("quotes.json"))["properties"] if p["name"] == "in_quotes")["top"][0]["view"])')\">" quotes.html \
  || die "the page's table does not list the JSON's top quote cell"
pass "a quote cell is found: the top cell for in_quotes has |r| >= 0.8 (seed $SEED)"
finish
