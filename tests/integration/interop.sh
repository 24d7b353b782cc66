# torch-rnn caches (.h5 + .json, 1-based ids, first-seen vocabulary order) train as-is.
source "$(dirname "$0")/lib.sh"

# Written the way torch-rnn's scripts/preprocess.py writes them.
"$PY" - "$SHAKESPEARE" <<'PYEOF'
import sys, json, h5py, numpy as np
text = open(sys.argv[1], encoding="utf-8").read()[:200000]
token_to_idx = {}
for ch in text:
    if ch not in token_to_idx:
        token_to_idx[ch] = len(token_to_idx) + 1
n = len(text); nval = int(0.1 * n); ntest = int(0.1 * n); ntrain = n - nval - ntest
arr = np.array([token_to_idx[c] for c in text], dtype=np.uint8)
with h5py.File("tr.h5", "w") as f:
    f.create_dataset("train", data=arr[:ntrain])
    f.create_dataset("val", data=arr[ntrain:ntrain + nval])
    f.create_dataset("test", data=arr[ntrain + nval:])
json.dump({"token_to_idx": token_to_idx, "idx_to_token": {v: k for k, v in token_to_idx.items()}},
          open("tr.json", "w"))
PYEOF

"$CHARNN" inspect tr.h5 | grep -q "torch-rnn format" || die "inspect torch-rnn"
pass "inspect reads a torch-rnn pair (sibling .json found)"

"$CHARNN" train --data tr.h5 "${TINY[@]}" --max_iters 6 --eval_val_every 3 --checkpoint_dir run >/dev/null 2>&1 || die "train on torch-rnn cache"
ck=$("$CHARNN" best run)
"$CHARNN" sample "$ck" --length 50 --primetext "First" >/dev/null || die "sample"
pass "trains on a torch-rnn cache and samples"

mv tr.json vocab-elsewhere.json
expect_error "nor a torch-rnn cache (no tr.json beside it; pass --vocab FILE.json)" "$CHARNN" inspect tr.h5
"$CHARNN" inspect tr.h5 --vocab vocab-elsewhere.json | grep -q "vocabulary    " || die "--vocab"
pass "--vocab names the JSON; a missing one is a clear error"
finish
