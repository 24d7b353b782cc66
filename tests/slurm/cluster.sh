#!/usr/bin/env bash
# tests/slurm/cluster.sh — a real one-node Slurm cluster on localhost, for tests.
#
#   cluster.sh start    install (if missing) slurm-wlm + munge, start munged,
#                       slurmctld and slurmd, wait until the node is idle, then
#                       print `export SLURM_CONF=...` (eval-able) on stdout
#   cluster.sh stop     cancel all jobs, stop slurmd + slurmctld, and munged
#                       only if this script started it
#   cluster.sh status   print the exports and `sinfo` (as # comments, so the
#                       output can be eval'ed too); exit 1 if not up
#   cluster.sh env      print the exports only
#
# Everything (slurm.conf, state, spool, logs, pid files) lives under
# $CHARNN_SLURM_DIR (default /tmp/charnn-slurm); the daemons and clients are
# pointed at it with SLURM_CONF / -f, nothing is written to /etc/slurm.
# munged is the system one (/run/munge socket, /etc/munge/munge.key), because
# Slurm's auth plugin and the munge clients look there.
#
# Knobs (env):
#   CHARNN_SLURM_DIR      base directory                 (/tmp/charnn-slurm)
#   CHARNN_SLURM_CPUS     CPUs the node advertises       (max(8, 4*nproc))
#   CHARNN_SLURM_TIMEOUT  seconds to wait for idle node  (60)
#   CHARNN_SLURM_CLEAN=1  start from empty state (forget old jobs)
#   CHARNN_SLURM_CRED_EXPIRE  job credential life; a requeued job becomes
#                         eligible again this many (+1) seconds later   (20)
#   CHARNN_SLURM_CTLD_PORT / CHARNN_SLURM_SLURMD_PORT    (6817 / 6818; when unset
#                         and those are in use, a free pair is chosen)
#
# On failure: exit non-zero, last stderr line is "cluster.sh: <reason>".
set -u -o pipefail

DIR=${CHARNN_SLURM_DIR:-/tmp/charnn-slurm}
CONF=$DIR/slurm.conf
LOGDIR=$DIR/log
STATEDIR=$DIR/state
SPOOLDIR=$DIR/spool
RUNDIR=$DIR/run
TIMEOUT=${CHARNN_SLURM_TIMEOUT:-60}
CTLD_PORT=${CHARNN_SLURM_CTLD_PORT:-6817}
SLURMD_PORT=${CHARNN_SLURM_SLURMD_PORT:-6818}
CRED_EXPIRE=${CHARNN_SLURM_CRED_EXPIRE:-20}
NODE=$(hostname -s 2>/dev/null || hostname)

export SLURM_CONF=$CONF

die() { echo "cluster.sh: $*" >&2; exit 1; }
note() { echo "cluster.sh: $*" >&2; }

print_env() { echo "export SLURM_CONF=$CONF"; }

pid_alive() {   # running (a zombie waiting for init to reap it does not count)
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null &&
    [[ $(awk '{print $3}' /proc/"$1"/stat 2>/dev/null) != Z ]]
}
pid_from() { [[ -s $1 ]] && tr -dc '0-9' <"$1"; }

lock() {   # serialize concurrent start/stop calls on the same directory
  [[ -d $DIR ]] || return 0
  # (daemons are started with 9>&- so that they do not inherit the lock)
  exec 9>"$DIR/.lock" || die "cannot write $DIR/.lock"
  flock -w 120 9 || die "timed out waiting for $DIR/.lock (another cluster.sh start/stop?)"
}

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (slurmd and munged need it)"; }

# ---------------------------------------------------------------- install
install_pkgs() {
  local missing=()
  command -v slurmctld >/dev/null 2>&1 || missing+=(slurmctld)
  command -v slurmd    >/dev/null 2>&1 || missing+=(slurmd)
  command -v sinfo     >/dev/null 2>&1 || missing+=(slurm-client)
  command -v munged    >/dev/null 2>&1 || missing+=(munge)
  command -v unmunge   >/dev/null 2>&1 || missing+=(munge)
  # the plugins live in slurm-wlm-basic-plugins (a dependency of the above)
  ((${#missing[@]})) || return 0
  # Machines without a package mirror (scripts/gpu/build.sh sets this) skip instead of waiting on apt.
  [[ -z ${CHARNN_SLURM_NO_INSTALL:-} ]] || die "slurm-wlm/munge not installed (missing: ${missing[*]}) and CHARNN_SLURM_NO_INSTALL is set"
  note "installing slurm-wlm munge (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  local log=$DIR/apt.log
  if ! apt-get install -y -qq --no-install-recommends slurm-wlm munge >"$log" 2>&1 9>&-; then
    apt-get update -qq >>"$log" 2>&1
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >>"$log" 2>&1 9>&- ||
      die "apt-get install slurm-wlm munge failed: $(grep -E '^E:' "$log" | tail -1) (see $log)"
  fi
  if ! { command -v slurmctld && command -v slurmd && command -v munged; } >/dev/null; then
    die "slurm-wlm/munge installed but binaries not found (see $log)"
  fi
}

# ---------------------------------------------------------------- munge
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  if munge_ok; then return 0; fi          # a working munged: use it, don't own it
  local key=/etc/munge/munge.key
  install -d -o munge -g munge -m 0700 /etc/munge
  if [[ ! -s $key ]]; then
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile="$key" >/dev/null 2>&1 ||
        dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
    else
      dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
    fi
  fi
  chown munge:munge "$key" && chmod 0400 "$key"
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge
  install -d -o munge -g munge -m 0711 /var/lib/munge
  # a munged that is alive but not answering is not ours to kill: report it
  local old; old=$(pid_from /run/munge/munged.pid)
  if pid_alive "$old" && [[ $(cat /proc/"$old"/comm 2>/dev/null) == munged ]]; then
    die "munged (pid $old) is running but 'munge -n | unmunge' fails; see /var/log/munge/munged.log"
  fi
  local err=$DIR/log/munged.start.err
  # --force: start even if a stale socket/lock from a killed munged is left over
  if ! runuser -u munge -- /usr/sbin/munged --force >"$err" 2>&1 9>&-; then
    die "munged failed to start: $(tail -1 "$err") (see /var/log/munge/munged.log)"
  fi
  local _
  for _ in $(seq 50); do munge_ok && break; sleep 0.1; done
  munge_ok || die "munged started but 'munge -n | unmunge' fails (see /var/log/munge/munged.log)"
  pid_from /run/munge/munged.pid >"$RUNDIR/munged.ours"   # we own it: stop kills it
}

stop_munge() {
  [[ -f $RUNDIR/munged.ours ]] || return 0
  local pid; pid=$(pid_from "$RUNDIR/munged.ours")
  # another cluster (other CHARNN_SLURM_DIR) still uses munged: leave it running
  local p other=0
  for p in $(pgrep -x slurmctld; pgrep -x slurmd); do pid_alive "$p" && other=1; done
  if ((other)); then
    note "munged left running: other slurm daemons still use it"
    rm -f "$RUNDIR/munged.ours"; return 0
  fi
  if pid_alive "$pid" && [[ $(cat /proc/"$pid"/comm 2>/dev/null) == munged ]]; then
    kill "$pid" 2>/dev/null
    local _; for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
  fi
  rm -f "$RUNDIR/munged.ours"
}

# ---------------------------------------------------------------- ports
port_busy() {   # something listens on PORT (any address of this network namespace)
  [[ -n $(ss -Htln "sport = :$1" 2>/dev/null) ]] || (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null
}

# Slurm's own ports (6817/6818) unless they are taken, say by a Slurm that someone
# else runs on this machine: then a free pair elsewhere, so that the test cluster
# starts beside it instead of failing. Ports named in the environment are kept as
# given (the caller asked for them): taken, they are an error.
choose_ports() {
  local p
  if [[ -n ${CHARNN_SLURM_CTLD_PORT:-}${CHARNN_SLURM_SLURMD_PORT:-} ]]; then
    for p in "$CTLD_PORT" "$SLURMD_PORT"; do
      port_busy "$p" && die "port $p (CHARNN_SLURM_CTLD_PORT/CHARNN_SLURM_SLURMD_PORT) already in use"
    done
    return 0
  fi
  local try
  for try in $(seq 50); do
    port_busy "$CTLD_PORT" || port_busy "$SLURMD_PORT" || break
    # a random pair: two clusters starting at once rarely pick the same one
    CTLD_PORT=$((20000 + RANDOM % 20000)) SLURMD_PORT=$((CTLD_PORT + 1))
  done
  port_busy "$CTLD_PORT" || port_busy "$SLURMD_PORT" && die "no free pair of ports for slurmctld/slurmd after 50 tries"
  [[ $CTLD_PORT == 6817 ]] || note "ports 6817/6818 in use: slurmctld on $CTLD_PORT, slurmd on $SLURMD_PORT"
}

# ---------------------------------------------------------------- config
write_conf() {
  local ncpu memmb cpus realmem
  ncpu=$(nproc)
  memmb=$(awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo)
  cpus=${CHARNN_SLURM_CPUS:-$((ncpu * 4 > 8 ? ncpu * 4 : 8))}
  realmem=$((memmb * 9 / 10))
  cat >"$CONF" <<EOF
# Generated by tests/slurm/cluster.sh — one node on localhost, for tests.
ClusterName=charnn
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# a requeued job waits cred_expire+1 s before it may start again (default 120)
AuthInfo=cred_expire=$CRED_EXPIRE

StateSaveLocation=$STATEDIR
SlurmdSpoolDir=$SPOOLDIR/slurmd
SlurmctldPidFile=$RUNDIR/slurmctld.pid
SlurmdPidFile=$RUNDIR/slurmd.pid
SlurmctldLogFile=$LOGDIR/slurmctld.log
SlurmdLogFile=$LOGDIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
PlugStackConfig=$DIR/plugstack.conf

# no cgroups, no accounting daemon, no MPI plugin by default
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOGDIR/jobcomp.log
MpiDefault=none
SwitchType=switch/none
LaunchType=launch/slurm

# the node advertises $cpus CPUs on $ncpu real cores so that several small
# (2-rank) jobs/array tasks run at once; config_overrides accepts the mismatch
SlurmdParameters=config_overrides
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2,batch_sched_delay=0,sched_min_interval=100000

ReturnToService=2
JobRequeue=1
MinJobAge=600
KillWait=5
InactiveLimit=0
Waittime=0
SlurmctldTimeout=30
SlurmdTimeout=60
MessageTimeout=10

NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE CPUs=$cpus RealMemory=$realmem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  : >"$DIR/plugstack.conf"
}

# ---------------------------------------------------------------- daemons
ctld_pid()   { pid_from "$RUNDIR/slurmctld.pid"; }
slurmd_pid() { pid_from "$RUNDIR/slurmd.pid"; }

node_state() { sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -1; }

is_up() {
  pid_alive "$(ctld_pid)" && pid_alive "$(slurmd_pid)" && [[ -f $CONF ]] &&
    scontrol ping 2>/dev/null | grep -q ' is UP'
}

first_and_last() {   # "first error line / last line" of a daemon's stderr, one line
  local first last
  first=$(grep -m1 -i 'error' "$1" 2>/dev/null); last=$(tail -1 "$1" 2>/dev/null)
  if [[ -n $first && $first != "$last" ]]; then echo "$first / $last"; else echo "$last"; fi
}

logs_hint() { echo "see $LOGDIR/slurmctld.log and $LOGDIR/slurmd.log"; }

last_error() {   # last fatal (else error) line from the daemon logs, for one-line reasons
  local f=("$LOGDIR"/slurmctld.stderr "$LOGDIR"/slurmd.stderr "$LOGDIR"/slurmctld.log "$LOGDIR"/slurmd.log)
  { grep -hi 'fatal' "${f[@]}" 2>/dev/null || grep -hv 'state file\|NOTE: Trying backup' "${f[@]}" 2>/dev/null |
      grep -i 'error'; } | tail -1
}

node_ready() { [[ ${1:-} =~ ^(idle|mixed|allocated|completing)$ ]]; }

start() {
  need_root
  mkdir -p "$DIR" "$LOGDIR" "$RUNDIR" "$SPOOLDIR" "$STATEDIR" 2>/dev/null || die "cannot create $DIR"
  lock
  if is_up && node_ready "$(node_state)"; then
    note "already running (logs in $LOGDIR)"; print_env; return 0
  fi
  local t0=$SECONDS
  install_pkgs
  start_munge
  # half-up cluster from an earlier run: stop what is left, then start fresh
  stop_daemons
  choose_ports
  # Saved state from a stop that could not cancel every job (slurmctld
  # killed, crashed, ...) holds "running" jobs whose processes are gone and
  # which slurmctld never clears: start from empty state then.
  if [[ ${CHARNN_SLURM_CLEAN:-0} == 1 ]] ||
     { [[ ! -f $RUNDIR/clean-stop ]] && [[ -n $(ls -A "$STATEDIR" 2>/dev/null) ]]; }; then
    [[ ${CHARNN_SLURM_CLEAN:-0} == 1 ]] || note "previous stop was not clean: discarding saved job state"
    rm -rf "$STATEDIR" "$SPOOLDIR"; mkdir -p "$STATEDIR" "$SPOOLDIR"
  fi
  mkdir -p "$SPOOLDIR/slurmd"
  write_conf
  local f   # fresh logs per start (the previous ones are kept as *.prev)
  for f in slurmctld.log slurmd.log; do [[ -f $LOGDIR/$f ]] && mv -f "$LOGDIR/$f" "$LOGDIR/$f.prev"; done

  slurmctld -f "$CONF" >"$LOGDIR/slurmctld.stderr" 2>&1 9>&- ||
    die "slurmctld failed to start: $(first_and_last "$LOGDIR/slurmctld.stderr") ($(logs_hint))"
  local _
  for _ in $(seq $((TIMEOUT * 5))); do
    scontrol ping 2>/dev/null | grep -q ' is UP' && break
    pid_alive "$(ctld_pid)" || { sleep 0.2; pid_alive "$(ctld_pid)" ||
      die "slurmctld exited: $(last_error) ($(logs_hint))"; }
    sleep 0.2
  done
  scontrol ping 2>/dev/null | grep -q ' is UP' ||
    die "slurmctld not answering after ${TIMEOUT}s: $(last_error) ($(logs_hint))"
  rm -f "$RUNDIR/clean-stop"    # from now on the state may hold live jobs

  slurmd -f "$CONF" -N "$NODE" >"$LOGDIR/slurmd.stderr" 2>&1 9>&- ||
    die "slurmd failed to start: $(first_and_last "$LOGDIR/slurmd.stderr") ($(logs_hint))"

  local st="" resumed=0
  while ((SECONDS - t0 < TIMEOUT)); do
    st=$(node_state)
    node_ready "$st" && break
    case $st in
      down*|drain*|fail*)
        # e.g. left DOWN by a previous unclean stop: bring it back once
        if ((!resumed)); then
          scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 ||
            scontrol update NodeName="$NODE" State=IDLE >/dev/null 2>&1
          resumed=1
        fi ;;
    esac
    pid_alive "$(slurmd_pid)" || { sleep 0.3; pid_alive "$(slurmd_pid)" ||
      die "slurmd exited: $(last_error) ($(logs_hint))"; }
    sleep 0.3
  done
  node_ready "$st" ||
    die "node $NODE not idle after ${TIMEOUT}s (state '${st:-unknown}', reason: $(sinfo -h -N -n "$NODE" -o '%E' 2>/dev/null)): $(last_error) ($(logs_hint))"
  note "cluster up in $((SECONDS - t0))s (node $NODE: $st; logs in $LOGDIR)"
  print_env
}

kill_pidfile() {   # kill_pidfile FILE NAME: TERM, wait, KILL
  local pid; pid=$(pid_from "$1")
  pid_alive "$pid" || { rm -f "$1"; return 0; }
  [[ $(cat /proc/"$pid"/comm 2>/dev/null) == "$2"* ]] || { rm -f "$1"; return 0; }
  kill "$pid" 2>/dev/null
  local _; for _ in $(seq 100); do pid_alive "$pid" || break; sleep 0.1; done
  pid_alive "$pid" && kill -9 "$pid" 2>/dev/null
  rm -f "$1"
}

descendants() {   # all descendant pids of $1
  local kids k
  kids=$(ps -eo pid=,ppid= | awk -v p="$1" '$2 == p {print $1}')
  for k in $kids; do echo "$k"; descendants "$k"; done
}

stop_daemons() {
  # cancel jobs first so that slurmstepd and job processes go away cleanly;
  # a stop that could do so marks the saved state as clean (see start)
  local ctld_was_up=0 clean=0
  if pid_alive "$(ctld_pid)" && scontrol ping 2>/dev/null | grep -q ' is UP'; then
    ctld_was_up=1
    local jobs; jobs=$(squeue -h -o '%A' 2>/dev/null | sort -u)
    if [[ -n $jobs ]]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null
      local _; for _ in $(seq 50); do
        [[ -z $(squeue -h -o '%A' 2>/dev/null) ]] && break; sleep 0.2
      done
    fi
    [[ -z $(squeue -h -o '%A' 2>/dev/null) ]] && clean=1
  elif pid_alive "$(ctld_pid)"; then
    rm -f "$RUNDIR/clean-stop"      # alive but not answering: state suspect
  fi
  kill_pidfile "$RUNDIR/slurmd.pid" slurmd
  kill_pidfile "$RUNDIR/slurmctld.pid" slurmctld
  if ((ctld_was_up)); then
    if ((clean)); then : >"$RUNDIR/clean-stop"; else rm -f "$RUNDIR/clean-stop"; fi
  fi
  # stray slurmstepd of this cluster (cwd = our log dir) and their job
  # processes, e.g. when slurmctld was already dead and scancel impossible
  local p
  for p in $(pgrep -x slurmstepd 2>/dev/null); do
    [[ $(readlink /proc/"$p"/cwd 2>/dev/null) == "$DIR"/* ]] || continue
    # shellcheck disable=SC2046
    kill -9 "$p" $(descendants "$p") 2>/dev/null
  done
  return 0
}

stop() {
  need_root
  lock
  stop_daemons
  stop_munge
  note "cluster stopped"
}

status() {
  if ! is_up; then
    echo "cluster.sh: not running (dir $DIR)" >&2
    return 1
  fi
  print_env
  sinfo | sed 's/^/# /'     # commented, so that `eval "$(cluster.sh status)"` works
}

# Sourced (tests/cluster/nodes-slurm.sh reuses the munge handling): no command.
[[ ${BASH_SOURCE[0]} != "$0" ]] && return 0

case ${1:-} in
  start)  start ;;
  stop)   stop ;;
  status) status ;;
  env)    print_env ;;
  *) echo "usage: $0 start|stop|status|env   (dir: \$CHARNN_SLURM_DIR=$DIR)" >&2; exit 2 ;;
esac
