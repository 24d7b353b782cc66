# Sampling with the GPU kernels: the CPU's argmax text, seeded repeatability,
# and the CPU's character distribution.
source "$(dirname "$0")/lib.sh"
DATA=$(shakespeare_h5)
"$CHARNN" train --data "$DATA" "${SMALL[@]}" --max_iters 300 --eval_val_every 300 --device cuda --checkpoint_dir run \
  >train.log 2>&1 || die "train: $(tail -3 train.log)"
ck=$("$CHARNN" best run)

"$CHARNN" sample "$ck" --argmax --length 120 --primetext "ROMEO:" --device cpu >cpu.txt
"$CHARNN" sample "$ck" --argmax --length 120 --primetext "ROMEO:" --device cuda >gpu.txt
[ "$(head -c 80 cpu.txt)" = "$(head -c 80 gpu.txt)" ] || die "argmax text differs: cpu '$(head -c 80 cpu.txt)' gpu '$(head -c 80 gpu.txt)'"
pass "GPU argmax sampling writes the CPU's text"

"$CHARNN" sample "$ck" --length 2000 --seed 9 --device cuda --output a.txt >/dev/null
"$CHARNN" sample "$ck" --length 2000 --seed 9 --device cuda >b.txt
"$CHARNN" sample "$ck" --length 2000 --seed 10 --device cuda >c.txt
[ "$(cat a.txt)" = "$(cat b.txt)" ] || die "same seed, other text"  # $(...): stdout ends with a newline
[ "$(cat a.txt)" != "$(cat c.txt)" ] || die "other seed, same text"
[ "$(wc -m <a.txt)" -eq 2000 ] || die "length $(wc -m <a.txt)"
pass "GPU sampling: exact length, a seed repeats, another seed differs"

"$CHARNN" sample "$ck" --length 30000 --seed 1 --device cpu >dc.txt
"$CHARNN" sample "$ck" --length 30000 --seed 1 --device cuda >dg.txt
"$PY" - dc.txt dg.txt <<'PYEOF' || die "GPU and CPU character distributions differ"
import collections, sys
a, b = (collections.Counter(open(f, encoding="utf-8").read()) for f in sys.argv[1:])
na, nb = sum(a.values()), sum(b.values())
tv = 0.5 * sum(abs(a[k] / na - b[k] / nb) for k in set(a) | set(b))
print(f"total variation between CPU and GPU character frequencies: {tv:.4f}")
sys.exit(0 if tv < 0.03 else 1)
PYEOF
pass "GPU samples follow the CPU's character distribution"

out=$("$CHARNN" sample "$ck" --length 50 --top-k 3 --device cuda 2>&1 >/dev/null)
grep -q "sampling on the CPU" <<<"$out" || die "top-k on cuda: $out"
pass "--top-k on cuda falls back to the CPU with a note"
out=$("$CHARNN" sample "$ck" --length 50 --top-p 0.9 --device cuda 2>&1 >/dev/null)
grep -q "sampling on the CPU" <<<"$out" || die "top-p on cuda: $out"
pass "--top-p on cuda falls back to the CPU with a note"

# --json on cuda: the GPU's text (b.txt: seed 9), scored by stepping through it on the
# CPU; its mean_logprob estimates the same entropy as a CPU sample's (std ~0.03 apart).
"$CHARNN" sample "$ck" --length 2000 --seed 9 --device cuda --json >g.jsonl 2>/dev/null
"$CHARNN" sample "$ck" --length 2000 --seed 9 --device cpu --json >c.jsonl
"$PY" - g.jsonl c.jsonl b.txt <<'PYEOF' || die "--json on cuda"
import json, sys
g, c = (json.loads(open(f, encoding="utf-8").read()) for f in sys.argv[1:3])
assert g["text"] + "\n" == open(sys.argv[3], encoding="utf-8").read(), "not the GPU's text for the seed"
print(f"mean_logprob: GPU sample {g['mean_logprob']:.4f}, CPU sample {c['mean_logprob']:.4f}")
sys.exit(0 if abs(g["mean_logprob"] - c["mean_logprob"]) < 0.15 else 1)
PYEOF
pass "--json on cuda: the GPU's text, scored like a CPU sample"
finish
