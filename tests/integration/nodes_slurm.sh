# Slurm across two nodes (tests/cluster/nodes-slurm.sh: slurmctld on the switch,
# a slurmd in each namespace node): srun --mpi=pmix over both nodes trains what
# one rank trains; sbatch --nodes=2 --ntasks-per-node=2 of scripts/slurm/train.sbatch
# (its GPU request overridden: CPU nodes); a sweep whose trial spans both nodes.
source "$(dirname "$0")/nodes_lib.sh"
SLURM="$CHARNN_SOURCE_DIR/tests/cluster/nodes-slurm.sh"
if ! "$SLURM" start >slurm.env 2>slurm-start.err; then
  reason=$(tail -1 slurm-start.err)
  "$SLURM" stop >/dev/null 2>&1
  [ "${CI:-}" = true ] && die "two-node Slurm could not start: $reason"
  echo "SKIP: two-node Slurm could not start: $reason"
  exit 77
fi
trap '"$SLURM" stop >/dev/null 2>&1; rm -rf "$WORK"' EXIT
# What every rank needs, exported into the jobs (sbatch/srun --export=ALL):
# TCP between the nodes on their own network only.
JOB_ENV=(OMPI_MCA_pml=ob1 OMPI_MCA_btl=tcp,vader,self OMPI_MCA_btl_tcp_if_include=10.213.0.0/24
         OMPI_MCA_oob_tcp_if_include=10.213.0.0/24 OPENBLAS_NUM_THREADS=1)
slurm() { timeout 300 "$SLURM" run env "${JOB_ENV[@]}" "$@"; }
LAYOUT="ranks: 0 node1 local 0/2 1 thread(s), 1 node1 local 1/2 1 thread(s), 2 node2 local 0/2 1 thread(s), 3 node2 local 1/2 1 thread(s)"
COMMON=("${TINY[@]}" --data "$DATA" --max_iters 20 --eval_val_every 10)

"$CHARNN" train "${COMMON[@]}" --batch_size 8 --checkpoint_dir one >/dev/null 2>&1 || die "1 rank"
slurm srun --mpi=pmix --nodes=2 --ntasks-per-node=2 "$CHARNN" train "${COMMON[@]}" --batch_size 2 \
  --checkpoint_dir "$WORK/srun" >srun.out 2>srun.err || die "srun across the nodes: $(tail -20 srun.err)"
grep -qF "$LAYOUT" srun.err || die "srun rank layout: $(grep 'ranks:' srun.err)"
"$PY" - "$(losses one/metrics.jsonl)" "$(losses srun/metrics.jsonl)" <<'PYEOF' || die "srun 2x2 ranks vs 1 rank"
import sys
a, b = [float(x) for x in sys.argv[1].split()], [float(x) for x in sys.argv[2].split()]
assert len(a) == len(b) == 20 and max(abs(x - y) / abs(x) for x, y in zip(a, b)) <= 1e-5, (a, b)
PYEOF
pass "srun --mpi=pmix, 2 nodes x 2 tasks: ranks on both nodes, first 20 losses = 1 rank x 8 streams (1e-5)"

# The job script users submit, as it is; only its GPU request is overridden.
wait_job() {  # wait_job ID: until the job left the queue (at most 5 minutes)
  local deadline=$((SECONDS + 300))
  while [ -n "$("$SLURM" run squeue -h -j "$1" 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || die "job $1 still queued or running after 5 minutes: $("$SLURM" run squeue)"
    sleep 1
  done
}
job=$(slurm env CHARNN="$CHARNN" sbatch --parsable --nodes=2 --ntasks-per-node=2 --gpus-per-node=0 --cpus-per-task=1 \
  "$CHARNN_SOURCE_DIR/scripts/slurm/train.sbatch" "${COMMON[@]}" --batch_size 2 --checkpoint_dir "$WORK/sb") ||
  die "sbatch train.sbatch: $job"
wait_job "$job"
out=$(cat charnn-charnn-"$job".out)
grep -qF "$LAYOUT" <<<"$out" || die "sbatch: rank layout: $out"
grep -q "^charnn: done: 20 iterations" <<<"$out" || die "sbatch: no done line: $out"
"$CHARNN" inspect sb/latest >/dev/null || die "sbatch: checkpoint unreadable"
pass "sbatch --nodes=2 --ntasks-per-node=2 scripts/slurm/train.sbatch: 2x2 ranks trained to the end"

# A sweep trial over both nodes (nodes: 2, ranks: 4, srun --mpi=pmix).
cat > spec.yaml <<YAML
name: two-nodes
base: {data: $DATA, embedding_size: 16, batch_size: 2, seq_length: 16, max_iters: 20, eval_val_every: 10,
       val_max_batches: 4, threads: 1, print_every: 5, device: cpu}
sweep: {method: grid, parameters: {rnn_size: [16]}}
slurm: {time: "00:05:00", nodes: 2, ranks: 4, gpus_per_node: 0, cpus_per_task: 1, launcher: srun}
YAML
"$CHARNN" sweep plan spec.yaml --dir sw >/dev/null || die "sweep plan"
job=$(slurm "$CHARNN" sweep submit sw) || die "sweep submit: $job"
wait_job "$job"
grep -q '"status": "done"' sw/trials/0000/status.json || die "trial: $(cat sw/trials/0000/status.json; cat sw/logs/*)"
"$PY" -c 'import json,sys; s=next(j for j in map(json.loads, open(sys.argv[1])) if j["event"]=="start"); assert sorted({r["host"] for r in s["ranks"]}) == ["node1","node2"], s' \
  sw/trials/0000/metrics.jsonl || die "the trial did not span both nodes"
pass "a sweep trial with nodes: 2, ranks: 4 ran on both nodes and finished"
finish
