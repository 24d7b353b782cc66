#!/usr/bin/env bash
# tests/cluster/nodes.sh — two "nodes" on one machine, for multi-node tests.
#
#   nodes.sh start     create node1 and node2 (idempotent), print eval-able exports
#   nodes.sh stop      kill every process on the nodes, remove everything made
#   nodes.sh status    print the exports and each node's state; exit 1 if not up
#   nodes.sh exec NODE CMD...     run CMD on NODE (as a login there would)
#   nodes.sh mpirun ARGS...       mpirun on node1 with both nodes in the hostfile
#                                 (2 slots each), TCP between nodes, no ssh
#   nodes.sh pids NODE            pids of the processes running on NODE
#   nodes.sh link NODE up|down    plug / unplug NODE's cable at the switch
#
# A node is a network namespace (its own interface eth0, address 10.213.0.N/24).
# Whatever runs on it also gets a UTS namespace (hostname nodeN) and a mount
# namespace (the nodes' /etc/hosts), made afresh at each entry: processes
# started one after another on a node share its network, and the same name,
# but not mounts (a test that fills node2's disk mounts into the namespace of
# a process already running there, /proc/PID/ns/mnt). The two nodes hang off a
# bridge that lives in a third namespace, the switch (address 10.213.0.254, name
# ctl, where nodes-slurm.sh runs Slurm's controller): nothing is added to the
# machine's own network namespace and no address leaves the namespaces made
# here.
#
# Open MPI reaches node2 without ssh: its rsh agent (plm_rsh_agent) is
# $DIR/rsh, which runs the orted command line inside node2's namespaces.
#
# Knobs (env):
#   CHARNN_NODES_DIR     state directory                  (/tmp/charnn-nodes)
#   CHARNN_NODES_NET     the /24 the nodes use             (10.213.0)
#   CHARNN_NODES_PREFIX  namespace and interface prefix    (chn)
# On failure: exit non-zero, the last stderr line is "nodes.sh: <reason>".
set -u -o pipefail

DIR=${CHARNN_NODES_DIR:-/tmp/charnn-nodes}
NET=${CHARNN_NODES_NET:-10.213.0}
P=${CHARNN_NODES_PREFIX:-chn}
NODES=(node1 node2)
SWITCH=$P-switch

die() { echo "nodes.sh: $*" >&2; exit 1; }
note() { echo "nodes.sh: $*" >&2; }
need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (namespaces need CAP_SYS_ADMIN)"; }
netns() { echo "$P-$1"; }             # node1 -> chn-node1 (ip netns name)
index() { echo "${1#node}"; }         # node1 -> 1

# Runs CMD on NODE: its network namespace, a UTS namespace named NODE and a
# mount namespace with the nodes' /etc/hosts and the node's own local disk at
# $DIR/scratch (the same path on every node, a different directory on each:
# Slurm's TmpFS, where its PMIx plugin makes per-step directories).
on() {
  local node=$1; shift
  # nsenter, not `ip netns exec`: that one mounts a sysfs of the namespace over
  # /sys, which hides /sys/fs/cgroup (slurmd needs it, nodes-slurm.sh).
  nsenter --net="/run/netns/$(netns "$node")" unshare --uts --mount --propagation private -- \
    sh -c 'hostname "$1" && mount --bind "$2" /etc/hosts && mount --bind "$3" "$4" && shift 4 && exec "$@"' \
    sh "$node" "$DIR/hosts" "$DIR/scratch.$node" "$DIR/scratch" "$@"
}

print_env() {
  echo "export CHARNN_NODES_DIR=$DIR"
  echo "export CHARNN_NODES_HOSTFILE=$DIR/hostfile"
}

is_up() {
  local n
  for n in "${NODES[@]}"; do
    [[ -e /run/netns/$(netns "$n") ]] || return 1
    [[ $(on "$n" hostname 2>/dev/null) == "$n" ]] || return 1
  done
  ip netns exec "$SWITCH" true 2>/dev/null
}

write_files() {
  { echo "127.0.0.1 localhost"; local n; for n in "${NODES[@]}"; do echo "$NET.$(index "$n") $n"; done
    echo "$NET.254 ctl"; } >"$DIR/hosts"
  printf '%s slots=2\n' "${NODES[@]}" >"$DIR/hostfile"
  mkdir -p "$DIR/scratch" "$DIR/scratch.node1" "$DIR/scratch.node2"
  # Open MPI calls the agent as `AGENT [options] HOST COMMAND...`, like ssh;
  # the command is shell text (ssh hands it to the remote shell too).
  cat >"$DIR/rsh" <<AGENT
#!/bin/sh
while [ \$# -gt 0 ]; do case \$1 in -*) shift ;; *) break ;; esac; done
host=\$1; shift
CHARNN_NODES_DIR=$DIR CHARNN_NODES_NET=$NET CHARNN_NODES_PREFIX=$P exec "$(readlink -f "$0")" exec "\$host" /bin/sh -c "\$*"
AGENT
  chmod +x "$DIR/rsh"
}

make_switch() {
  ip netns exec "$SWITCH" true 2>/dev/null || ip netns add "$SWITCH" || die "ip netns add $SWITCH failed"
  ip -n "$SWITCH" link show br0 >/dev/null 2>&1 || ip -n "$SWITCH" link add br0 type bridge ||
    die "cannot create the bridge in $SWITCH"
  ip -n "$SWITCH" link set lo up && ip -n "$SWITCH" link set br0 up || die "cannot bring the bridge up"
  # The switch's own address, for a controller (Slurm's, nodes-slurm.sh) beside the nodes.
  [[ $(ip -n "$SWITCH" addr show dev br0) == *"inet $NET.254/"* ]] || ip -n "$SWITCH" addr add "$NET.254/24" dev br0 ||
    die "cannot give the switch its address"
}

make_node() {
  local n=$1 ns i
  ns=$(netns "$n"); i=$(index "$n")
  ip netns exec "$ns" true 2>/dev/null || ip netns add "$ns" || die "ip netns add $ns failed"
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    # one veth: eth0 in the node, port$i on the switch
    ip link add "$P-$n" type veth peer name "$P-p$i" || die "cannot create the veth pair for $n"
    ip link set "$P-$n" netns "$ns" && ip -n "$ns" link set "$P-$n" name eth0 &&
      ip link set "$P-p$i" netns "$SWITCH" && ip -n "$SWITCH" link set "$P-p$i" name "port$i" ||
      die "cannot move the veth pair of $n into its namespaces"
    ip -n "$SWITCH" link set "port$i" master br0 up || die "cannot plug $n into the switch"
    ip -n "$ns" addr add "$NET.$i/24" dev eth0 || die "cannot give $n its address"
  fi
  ip -n "$ns" link set lo up && ip -n "$ns" link set eth0 up && ip -n "$SWITCH" link set "port$i" up ||
    die "cannot bring $n's links up"
}

# node1 reaches node2 when a TCP connect to a closed port there is refused at
# once (no ping on a minimal machine); a cut link times out instead.
reachable() {
  local out
  out=$(on node1 timeout 3 bash -c "exec 3<>/dev/tcp/$NET.2/9" 2>&1) || [[ $out == *refused* ]]
}

start() {
  need_root
  command -v nsenter >/dev/null && command -v unshare >/dev/null || die "nsenter/unshare (util-linux) not found"
  command -v ip >/dev/null || die "ip (iproute2) not found"
  mkdir -p "$DIR" || die "cannot create $DIR"
  exec 9>"$DIR/.lock" && flock -w 60 9 || die "timed out waiting for $DIR/.lock"
  write_files
  make_switch
  local n
  for n in "${NODES[@]}"; do make_node "$n"; done
  reachable || die "node1 cannot reach node2 ($NET.2) over the bridge"
  is_up || die "the nodes did not come up"
  note "nodes up: node1 $NET.1, node2 $NET.2 (state in $DIR)"
  print_env
}

# Kills every process in a network namespace (TERM, then KILL).
kill_ns_procs() {
  local ns=$1
  local pids; pids=$(ip netns pids "$ns" 2>/dev/null)
  [[ -z $pids ]] && return 0
  # shellcheck disable=SC2086
  kill $pids 2>/dev/null; sleep 0.5
  pids=$(ip netns pids "$ns" 2>/dev/null)
  # shellcheck disable=SC2086
  [[ -n $pids ]] && kill -9 $pids 2>/dev/null
  # SIGKILL also ends a stopped (SIGSTOP) process
  return 0
}

stop() {
  need_root
  [[ -d $DIR ]] || { note "not running"; return 0; }
  exec 9>"$DIR/.lock" && flock -w 60 9 || die "timed out waiting for $DIR/.lock"
  local n
  for n in "${NODES[@]}"; do
    kill_ns_procs "$(netns "$n")"
    ip netns del "$(netns "$n")" 2>/dev/null   # takes its veth end, and with it the peer
  done
  kill_ns_procs "$SWITCH"   # a controller left there (nodes-slurm.sh)
  ip netns del "$SWITCH" 2>/dev/null
  rm -rf "$DIR"
  note "nodes stopped"
}

status() {
  if ! is_up; then echo "nodes.sh: not running (dir $DIR)" >&2; return 1; fi
  print_env
  local n
  for n in "${NODES[@]}"; do
    echo "# $n: $(on "$n" ip -br addr show eth0 | awk '{print $2, $3}'), $(ip netns pids "$(netns "$n")" | wc -l) process(es)"
  done
}

mpirun_nodes() {
  is_up || die "the nodes are not up: run '$0 start'"
  # pml ob1 with the tcp, vader (same node) and self transports only; both the
  # MPI traffic and Open MPI's own control channel (oob) on the nodes' network.
  # TCP keepalive on the control channel (idle 5 s, then 3 probes 2 s apart):
  # with Open MPI's defaults (300 s, 9 x 20 s) a cut link leaves mpirun waiting
  # ~8 minutes for node2's daemon after the ranks have aborted (docs/hpc.md).
  on node1 mpirun --hostfile "$DIR/hostfile" --mca plm_rsh_agent "$DIR/rsh" \
    --mca pml ob1 --mca btl tcp,vader,self --mca btl_tcp_if_include "$NET.0/24" \
    --mca oob_tcp_if_include "$NET.0/24" --mca oob_tcp_keepalive_time 5 \
    --mca oob_tcp_keepalive_intvl 2 --mca oob_tcp_keepalive_probes 3 "$@"
}

link() {
  local i; i=$(index "$1")
  ip -n "$SWITCH" link set "port$i" "$2"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) print_env ;;
  exec) shift; n=${1:?node}; shift; on "$n" "$@" ;;
  mpirun) shift; mpirun_nodes "$@" ;;
  pids) ip netns pids "$(netns "${2:?node}")" ;;
  link) link "${2:?node}" "${3:?up|down}" ;;
  *) echo "usage: $0 start|stop|status|env|exec NODE CMD...|mpirun ARGS...|pids NODE|link NODE up|down" >&2; exit 2 ;;
esac
