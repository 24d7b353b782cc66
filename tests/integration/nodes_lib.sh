# Shared by the two-node tests: start the netns harness (tests/cluster/nodes.sh)
# for this test alone, or skip (exit 77; under CI=true: fail) where namespaces
# cannot be made.
source "$(dirname "$0")/lib.sh"
NODES="$CHARNN_SOURCE_DIR/tests/cluster/nodes.sh"
# A prefix of this test's own: namespaces and interfaces of concurrent tests never meet.
export CHARNN_NODES_DIR=$WORK/nodes CHARNN_NODES_PREFIX=c$$
if ! "$NODES" start >nodes.env 2>nodes-start.err; then
  reason=$(tail -1 nodes-start.err)
  "$NODES" stop >/dev/null 2>&1
  [ "${CI:-}" = true ] && die "the two-node harness could not start: $reason"
  echo "SKIP: the two-node harness could not start: $reason"
  exit 77
fi
trap '"$NODES" stop >/dev/null 2>&1; rm -rf "$WORK"' EXIT
DATA=$(readlink -f "$(shakespeare_h5)")

# mpirun on node1, 2 ranks per node, TCP between the nodes (nodes.sh mpirun);
# a job still running after 5 minutes is ended (timeout signals mpirun itself).
nodes_mpirun() {  # nodes_mpirun NP CMD...
  local n=$1; shift
  timeout 300 "$NODES" mpirun -np "$n" --bind-to none -x OPENBLAS_NUM_THREADS "$@"
}

# Pids of charnn processes on NODE (its network namespace).
node_charnn_pids() {
  local p
  for p in $("$NODES" pids "$1"); do
    [ "$(cat /proc/"$p"/comm 2>/dev/null)" = charnn ] && echo "$p"
  done
  return 0
}
