# Faults on two nodes (tests/cluster/nodes.sh), 2 ranks each: whatever happens to
# node2 or the link, the whole job ends (non-zero, no charnn process left on
# either node) within 60 s of the fault plus collective_timeout, with a message
# naming the lost rank or node, and the latest checkpoint resumes. A full disk
# on node2 under the checkpoint directory breaks nothing: only rank 0 writes.
# Prints one "figure:" line per fault (seconds from fault to exit, exit code,
# the message), the figures of docs/hpc.md.
source "$(dirname "$0")/nodes_lib.sh"
TIMEOUT=20  # collective_timeout (s): above start-up skew and a save on this loaded machine
RUN=("${TINY[@]}" --batch_size 2 --eval_val_every 20 --keep_last 2 --collective_timeout $TIMEOUT)

# start_job NAME: 2x2 ranks train in the background (job pid in $job) until a
# checkpoint exists and training has gone on past it.
start_job() {
  nodes_mpirun 4 "$CHARNN" train --data "$DATA" "${RUN[@]}" --max_iters 100000 --checkpoint_dir "$1" \
    >"$1.log" 2>&1 &
  job=$!
  local _
  for _ in $(seq 1200); do [ -e "$1/latest" ] && break; kill -0 $job 2>/dev/null || break; sleep 0.1; done
  [ -e "$1/latest" ] || die "$1: no checkpoint appeared: $(tail -20 "$1.log")"
  sleep 1
}

# expect_end NAME PATTERN: the job ends non-zero within 60 s + TIMEOUT of the
# fault (at $fault_at), leaves no process on either node, and its output has PATTERN.
expect_end() {
  local name=$1 pattern=$2 limit=$((60 + TIMEOUT)) rc=0 n left
  while kill -0 $job 2>/dev/null && [ $(($(date +%s) - fault_at)) -le $limit ]; do sleep 0.2; done
  if kill -0 $job 2>/dev/null; then
    "$NODES" link node2 up; kill -9 $job
    die "$name: the job still runs $limit s after the fault: $(tail -20 "$name.log")"
  fi
  wait $job || rc=$?
  local took=$(($(date +%s) - fault_at))
  [ $rc -ne 0 ] || die "$name: the job exited 0 after the fault"
  for n in node1 node2; do
    left=$(left_after 10 node_charnn_pids $n)
    [ -z "$left" ] || die "$name: charnn left running on $n 10 s after the job ended: $left"
  done
  # Nor Open MPI's daemon, nor anything else (a few seconds for orted to go).
  local _
  for _ in $(seq 50); do
    left=$("$NODES" pids node1; "$NODES" pids node2)
    [ -z "$left" ] && break
    sleep 0.2
  done
  [ -z "$left" ] || die "$name: processes left on the nodes: $(ps -o pid=,comm= -p "$(echo $left | tr ' ' ,)")"
  local msg
  msg=$(grep -E -m1 -- "$pattern" "$name.log") || die "$name: no message matching '$pattern' in: $(cat "$name.log")"
  echo "  figure: $name: exit $rc, ${took} s after the fault; $msg"
}

# expect_resume NAME: the latest checkpoint loads and the job continues from it on both nodes.
expect_resume() {
  "$NODES" link node2 up
  "$CHARNN" inspect "$1/latest" >/dev/null || die "$1: latest checkpoint unreadable"
  rm -f "$1"/.*.tmp.*  # a save cut off mid-write leaves only its temporary
  local iter
  iter=$("$PY" -c 'import h5py,sys; print(h5py.File(sys.argv[1],"r").attrs["iteration"])' "$1/latest")
  nodes_mpirun 4 "$CHARNN" train --data "$DATA" "${RUN[@]}" --max_iters $((iter + 3)) \
    --checkpoint_dir "$1" --resume auto >"$1.resume.log" 2>&1 || die "$1: resume failed: $(tail -20 "$1.resume.log")"
  grep -q "resuming from" "$1.resume.log" || die "$1: did not resume: $(cat "$1.resume.log")"
}

# 1. Node2 dies: kill -9 both of its ranks. Open MPI's daemon on node2 sees
#    them go and mpirun ends the job, naming the node.
start_job kill
kill -9 $(node_charnn_pids node2)
fault_at=$(date +%s)
expect_end kill "on node node2"
expect_resume kill
pass "kill -9 of node2's ranks: the job ends non-zero, nothing left, node2 named, resume works"

# 2. One rank freezes (SIGSTOP, as a stuck NFS read or a swapped-out node would):
#    the other ranks' collective timeout names it and aborts the job.
start_job stop
victim=$(node_charnn_pids node2 | tail -1)
vrank=$(rank_of "$victim")
kill -STOP "$victim"
fault_at=$(date +%s)
expect_end stop "collective_timeout: .*no answer from rank $vrank \(node2\): stopped, dead or unreachable"
expect_resume stop
pass "SIGSTOP of one rank on node2: collective_timeout names it and ends the job; resume works"

# 3. The network between the nodes goes down mid-training. Open MPI's control
#    channel notices first (keepalive, tests/cluster/nodes.sh) and mpirun ends
#    the job naming node2; else node1's ranks time out naming node2's ranks.
start_job link
"$NODES" link node2 down
fault_at=$(date +%s)
expect_end link "Remote daemon: .* on node node2|no answer from ranks 2 \(node2\), 3 \(node2\)"
expect_resume link
pass "link to node2 cut: the job ends, naming node2's ranks; resume works"

# 4. Node2's disk is full under the checkpoint directory (a node-local tmpfs of
#    4 KB mounted over it, in the mount namespace of node2's ranks) while rank 0,
#    on node1, goes on saving: nothing breaks, the run finishes.
full=$WORK/full
mkdir -p "$full"
nodes_mpirun 4 "$CHARNN" train --data "$DATA" "${RUN[@]}" --max_iters 200 --checkpoint_dir "$full" >full.log 2>&1 &
job=$!
for _ in $(seq 1200); do [ -n "$(node_charnn_pids node2)" ] && break; sleep 0.1; done
rank2=$(node_charnn_pids node2 | sed -n 1p)  # (head would close the pipe early: SIGPIPE under pipefail)
[ -n "$rank2" ] || die "no rank started on node2: $(cat full.log)"
# node2's ranks share one mount namespace (their orted's): one mount covers both.
nsenter --target "$rank2" --mount sh -c "mount -t tmpfs -o size=4k tmpfs '$full' && ! cat /dev/zero >'$full/fill'" \
  2>/dev/null || die "cannot fill node2's $full"
[ "$(nsenter --target "$rank2" --mount df --output=avail "$full" | tail -1 | tr -d ' ')" = 0 ] || die "node2's $full is not full"
rc=0
wait $job || rc=$?
[ $rc -eq 0 ] || die "full disk on node2: the job exited $rc: $(tail -20 full.log)"
[ "$(grep -c '"event":"val"' "$full/metrics.jsonl")" = 10 ] || die "full disk on node2: expected 10 saves: $(ls -a "$full")"
"$CHARNN" inspect "$full/latest" >/dev/null || die "full disk on node2: latest checkpoint unreadable"
pass "node2's checkpoint directory full while rank 0 saves 10 times: the run finishes, exit 0"
finish
