# charnn preprocess / inspect on tiny-shakespeare, read back through h5py; every bad input.
source "$(dirname "$0")/lib.sh"

out=$("$CHARNN" preprocess --input "$SHAKESPEARE" --output ts.h5)
grep -q "1115394 tokens" <<<"$out" || die "token count: $out"
SHAKESPEARE="$SHAKESPEARE" "$PY" - <<'PYEOF' || die "h5py check"
import h5py, numpy as np
f = h5py.File("ts.h5", "r")
n = sum(f[s].shape[0] for s in ("train", "val", "test"))
assert n == 1115394, n
assert f["vocab/value"].shape[0] == 65
assert f["train"].dtype == np.uint8 and f["train"].chunks is None  # contiguous: the seal skips its raw bytes
assert f.attrs["format"] == "charnn-corpus" and f.attrs["encoding"] == "utf-8"
assert f.attrs["input_sha256"] == "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
assert list(f.attrs["input_sizes"]) == [1115394]
vocab = [bytes(t).decode() if not isinstance(t, str) else t for t in f["vocab/token"][()]]
assert vocab == sorted(vocab), "ids in code point order"
text = open(__import__("os").environ["SHAKESPEARE"], encoding="utf-8").read()
ids = np.concatenate([f[s][()] for s in ("train", "val", "test")])
assert "".join(vocab[i] for i in ids[:2000]) == text[:2000]
assert "".join(vocab[i] for i in ids[-500:]) == text[-500:]
assert f["val"].shape[0] == int(1115394 * 0.05)
PYEOF
pass "tiny-shakespeare: 1115394 tokens, 65-token vocabulary, text round-trips through h5py"

"$CHARNN" inspect ts.h5 | grep -q "vocabulary    65 tokens" || die "inspect"
pass "inspect describes the cache"

"$CHARNN" preprocess -i "$SHAKESPEARE" -i "$SHAKESPEARE" -o two.h5 --encoding bytes --val-frac 0.1 --test-frac 0 |
  grep -q "2230788 tokens" || die "two inputs"
pass "several inputs concatenate; bytes encoding"

printf 'abc\xff def' > bad.txt
: > empty.txt
mkdir adir
expect_error "bad.txt: invalid UTF-8 at byte offset 3" "$CHARNN" preprocess -i bad.txt -o o.h5
expect_error "--encoding bytes" "$CHARNN" preprocess -i bad.txt -o o.h5
expect_error "input is empty" "$CHARNN" preprocess -i empty.txt -o o.h5
expect_error "missing.txt: input text file not found" "$CHARNN" preprocess -i missing.txt -o o.h5
expect_error "is a directory" "$CHARNN" preprocess -i adir -o o.h5
expect_error "output directory nodir does not exist" "$CHARNN" preprocess -i "$SHAKESPEARE" -o nodir/o.h5
expect_error "expected a fraction in [0, 1)" "$CHARNN" preprocess -i "$SHAKESPEARE" -o o.h5 --val-frac 1.5
expect_error "must leave a non-empty train split" "$CHARNN" preprocess -i "$SHAKESPEARE" -o o.h5 --val-frac 0.6 --test-frac 0.5
printf 'tiny' > tiny.txt
expect_error "val split of 0.05 x 4 tokens comes out empty" "$CHARNN" preprocess -i tiny.txt -o o.h5
expect_error "expected utf-8 or bytes" "$CHARNN" preprocess -i tiny.txt -o o.h5 --encoding latin1
expect_error "unrecognised option" "$CHARNN" preprocess -i tiny.txt -o o.h5 --bogus
[ ! -e o.h5 ] || die "a failed preprocess left o.h5"
ls -a | grep -q '\.tmp\.' && die "temporary file left behind"
pass "bad inputs: one clear error line, non-zero exit, no output"

cp ts.h5 keep.h5
before=$(sha256sum keep.h5)
expect_error "output exists; pass --force" "$CHARNN" preprocess -i tiny.txt -o keep.h5
expect_error "invalid UTF-8" "$CHARNN" preprocess -i bad.txt -o keep.h5 --force
[ "$(sha256sum keep.h5)" = "$before" ] || die "existing cache was modified"
pass "an existing cache is never clobbered by a refused or failed run"
finish
