#!/usr/bin/env bash
# Two nodes against one, on this machine (tests/cluster/nodes.sh: network
# namespaces, TCP between the nodes): the same 4 ranks x batch_size streams of
# a 2x128 LSTM, once all on node1 (shared memory between ranks) and once 2 per
# node (TCP between the nodes). Prints per-iteration times from metrics.jsonl
# (second half of the run), the exposed all-reduce, the bytes node2's interface
# carried per iteration against the gradient size, and the step time around a
# checkpoint save on two nodes.
#   bench/nodes.sh [--iters N] [-- extra charnn train options]
# Needs root (namespaces). The ranks share this machine's cores, so absolute
# times measure contention; the difference between the two layouts is the network.
set -euo pipefail
cd "$(dirname "$0")/.."
CHARNN=$(readlink -f "${CHARNN:-build/charnn}")
NODES=$PWD/tests/cluster/nodes.sh
iters=60
while [ $# -gt 0 ]; do
  case $1 in
    --iters) iters=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
tmp=$(mktemp -d /tmp/charnn-bench-nodes-XXXXXX)
export CHARNN_NODES_DIR=$tmp/nodes CHARNN_NODES_PREFIX=b$$
trap '"$NODES" stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT
"$NODES" start >/dev/null
"$CHARNN" preprocess -i data/tinyshakespeare/input.txt -o "$tmp/ts.h5" >/dev/null
MODEL=(--data "$tmp/ts.h5" --device cpu --rnn_size 128 --num_layers 2 --batch_size 8 --seq_length 50 --threads 1
       --progress lines --val_max_batches 1 --collective_timeout 120)

wire_bytes() {  # bytes node2's eth0 has received and sent
  "$NODES" exec node2 awk '$1 == "eth0:" {print $2 + $10}' /proc/net/dev
}
run() {  # run NAME ITERS [mpirun placement...]: 4 ranks; prints the bytes node2's link carried
  local name=$1 n=$2; shift 2
  local b0; b0=$(wire_bytes)
  "$NODES" mpirun -np 4 --bind-to none -x OPENBLAS_NUM_THREADS "$@" "$CHARNN" train "${MODEL[@]}" \
    --max_iters "$n" --eval_val_every 1000000 --print_every $((n / 2)) --checkpoint_dir "$tmp/$name" \
    >/dev/null 2>"$tmp/$name.log" || { cat "$tmp/$name.log" >&2; exit 1; }
  echo $(( $(wire_bytes) - b0 ))
}
window() {  # the last metrics window of a run: "iter_ms compute_ms allreduce_ms"
  python3 -c 'import json,sys
t=[j for j in map(json.loads, open(sys.argv[1])) if j["event"]=="train"][-1]
print("%.1f %.1f %.2f" % (t["ms_data"]+t["ms_compute"]+t["ms_allreduce_exposed"]+t["ms_optimizer"], t["ms_compute"], t["ms_allreduce_exposed"]))' "$tmp/$1/metrics.jsonl"
}

run one $iters --host node1:4 --oversubscribe >/dev/null
short=$(run two_short $((iters / 2)))
long=$(run two $iters)
params=$(python3 -c 'import json,sys; print(next(j["parameters"] for j in map(json.loads, open(sys.argv[1])) if j["event"]=="start"))' "$tmp/two/metrics.jsonl")
grad=$((params * 4))
per_iter=$(( (long - short) / (iters - iters / 2) ))
read -r one_ms one_c one_ar <<<"$(window one)"
read -r two_ms two_c two_ar <<<"$(window two)"
printf "%-24s %10s %12s %14s\n" layout "iter ms" "fwd+bwd ms" "allreduce ms"
printf "%-24s %10s %12s %14s\n" "1 node x 4 ranks" "$one_ms" "$one_c" "$one_ar"
printf "%-24s %10s %12s %14s\n" "2 nodes x 2 ranks (TCP)" "$two_ms" "$two_c" "$two_ar"
echo "gradient: $params parameters = $grad bytes; a ring all-reduce sends 2(N-1)/N = 1.5x that per rank ($((grad * 3 / 2)) bytes)"
echo "node2's link, both directions: $per_iter bytes per iteration = $(python3 -c "print(round($per_iter / $grad, 2))")x the gradient"

# Step time around a save (2 nodes): checkpoint every 10 iterations, a line per iteration.
"$NODES" mpirun -np 4 --bind-to none -x OPENBLAS_NUM_THREADS "$CHARNN" train "${MODEL[@]}" --max_iters 40 \
  --eval_val_every 10 --print_every 1 --checkpoint_dir "$tmp/save" >/dev/null 2>"$tmp/save.log" ||
  { cat "$tmp/save.log" >&2; exit 1; }
python3 - "$tmp/save/metrics.jsonl" <<'PYEOF'
import json, statistics, sys
ev = [j for j in map(json.loads, open(sys.argv[1])) if j["event"] in ("train", "val")]
wall = {j["iter"]: j["wall"] for j in ev if j["event"] == "train"}
saves = {j["iter"]: j["wall"] for j in ev if j["event"] == "val"}
steps = [1000 * (wall[i] - wall[i - 1]) for i in wall if i - 1 in wall and i - 1 not in saves and i > 2]
after = [1000 * (wall[i + 1] - saves[i]) for i in saves if i + 1 in wall]
cost = [1000 * (saves[i] - wall[i]) for i in saves]
print(f"2 nodes: median step {statistics.median(steps):.1f} ms; validation + save {statistics.median(cost):.1f} ms; "
      f"the step after a save {statistics.median(after):.1f} ms (median of {len(after)})")
PYEOF
