#!/usr/bin/env bash
# Data-parallel scaling on CPU ranks: for 1, 2 and 4 ranks (weak scaling: each
# rank keeps batch_size streams), the per-iteration breakdown from metrics.jsonl:
# waiting for data, forward+backward, all-reduce left exposed after overlap,
# optimizer; then chars/s and weak-scaling efficiency. Also per-rank peak RSS.
#   bench/scaling.sh [--corpus FILE.h5] [--iters N] [--ranks "1 2 4"] [-- extra charnn train options]
# Run from the repository root after building (scripts/build.sh). On a machine
# with fewer cores than ranks the ranks share cores (--oversubscribe): the
# efficiency then measures contention, not the network.
set -euo pipefail
cd "$(dirname "$0")/.."
CHARNN=${CHARNN:-build/charnn}
corpus="" iters=60 ranks="1 2 4"
while [ $# -gt 0 ]; do
  case $1 in
    --corpus) corpus=$2; shift 2 ;;
    --iters) iters=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ -z "$corpus" ]; then
  corpus=$tmp/ts.h5
  "$CHARNN" preprocess -i data/tinyshakespeare/input.txt -o "$corpus" >/dev/null
fi
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
printf "%-6s %10s %12s %14s %12s %12s %12s %10s %12s\n" ranks "data ms" "fwd+bwd ms" "allreduce ms" "optim ms" "iter ms" "chars/s" "weak eff" "max RSS MB"
base=""
for n in $ranks; do
  dir=$tmp/run$n
  # Each rank under /usr/bin/time for its peak RSS; the last metrics window
  # (the second half of the run) gives the timings, past start-up and warm-up.
  mpirun --oversubscribe --bind-to none -np "$n" \
    bash -c 'exec /usr/bin/time -f "rss_kb %M" -o "$0.rss.$OMPI_COMM_WORLD_RANK" "$@"' "$dir" \
    "$CHARNN" train --data "$corpus" --max_iters "$iters" --eval_val_every 1000000 --val_max_batches 1 \
    --print_every $((iters / 2)) --progress lines --checkpoint_dir "$dir" "$@" >/dev/null 2>"$dir.log" ||
    { cat "$dir.log" >&2; exit 1; }
  rss=$(cat "$dir".rss.* | awk '/rss_kb/ {if ($2 > m) m = $2} END {printf "%.0f", m / 1024}')
  /usr/bin/python3 - "$dir/metrics.jsonl" "$n" "${base:-0}" "$rss" <<'PY'
import json, sys
path, n, base, rss = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
t = [j for j in map(json.loads, open(path)) if j["event"] == "train"][-1]
it = t["ms_data"] + t["ms_compute"] + t["ms_allreduce_exposed"] + t["ms_optimizer"]
cps = t["chars_per_sec"]
eff = cps / (base * n) if base > 0 else 1.0
print(f"{n:<6d} {t['ms_data']:10.2f} {t['ms_compute']:12.2f} {t['ms_allreduce_exposed']:14.2f} {t['ms_optimizer']:12.2f} {it:12.2f} {cps:12.0f} {eff:10.2f} {rss:>12}")
open(path + ".cps", "w").write(str(cps))
PY
  [ -z "$base" ] && base=$(cat "$dir/metrics.jsonl.cps")
done
