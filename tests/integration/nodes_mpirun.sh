# mpirun across two nodes (network namespaces on this machine, tests/cluster/nodes.sh):
# a hostfile of 2 nodes x 2 ranks, launched without ssh, TCP between the nodes.
# Each rank reports its host and node-local rank; 2x2 ranks train exactly what
# one rank with the same global batch trains; rank 0 alone writes checkpoints.
source "$(dirname "$0")/nodes_lib.sh"
COMMON=("${TINY[@]}" --max_iters 20 --eval_val_every 10 --keep_last 0)

"$CHARNN" train --data "$DATA" "${COMMON[@]}" --batch_size 8 --checkpoint_dir one >/dev/null 2>&1 || die "1 rank"
nodes_mpirun 4 "$CHARNN" train --data "$DATA" "${COMMON[@]}" --batch_size 2 --checkpoint_dir two \
  >two.out 2>two.err || die "mpirun across the nodes: $(tail -20 two.err)"

# Where the ranks landed, as rank 0 reports it (log line and metrics.jsonl).
want="ranks: 0 node1 local 0/2 1 thread(s), 1 node1 local 1/2 1 thread(s), 2 node2 local 0/2 1 thread(s), 3 node2 local 1/2 1 thread(s)"
grep -qF "$want" two.err || die "rank layout: expected '$want' in: $(grep ranks: two.err)"
"$PY" - two/metrics.jsonl <<'PYEOF' || die "metrics.jsonl start event"
import json, sys
start = next(j for j in map(json.loads, open(sys.argv[1])) if j["event"] == "start")
got = [(r["host"], r["local_rank"], r["local_size"]) for r in start["ranks"]]
assert got == [("node1", 0, 2), ("node1", 1, 2), ("node2", 0, 2), ("node2", 1, 2)], got
PYEOF
pass "2 nodes x 2 ranks: each rank on its node with node-local rank 0/1 of 2"

d=$("$PY" - "$(losses one/metrics.jsonl)" "$(losses two/metrics.jsonl)" <<'PYEOF'
import sys
a, b = [float(x) for x in sys.argv[1].split()], [float(x) for x in sys.argv[2].split()]
assert len(a) == len(b) == 20, (len(a), len(b))
worst = max(abs(x - y) / abs(x) for x, y in zip(a, b))
assert worst <= 1e-5, f"relative difference {worst:.3g} > 1e-5"
print(f"max relative difference {worst:.2e}")
PYEOF
) || die "2x2 ranks vs 1 rank: $d"
echo "  $d"
pass "first 20 losses of 2 nodes x 2 ranks x 2 streams match 1 rank x 8 streams (1e-5 relative)"

# Two saves (iterations 10 and 20), each written once: two checkpoint files, two
# "val" events, no temporary left (node2 writing nothing there: nodes_faults.sh).
n_ck=$(find two -name 'lm_*.h5' | wc -l)
n_val=$(grep -c '"event":"val"' two/metrics.jsonl)
[ "$n_ck" = 2 ] && [ "$n_val" = 2 ] || die "expected 2 checkpoints and 2 val events, got $n_ck and $n_val: $(ls -a two)"
[ -z "$(find two -name '.*.tmp.*')" ] || die "temporary left: $(ls -a two)"
"$CHARNN" inspect two/latest >/dev/null || die "latest checkpoint unreadable"
pass "rank 0 wrote each checkpoint once (2 saves, 2 files, no temporary)"
finish
