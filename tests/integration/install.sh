# The installed charnn as a cluster user meets it (docs/install.md): `cmake --install`
# into a prefix, that prefix copied elsewhere and the original removed, then in a clean
# environment (env -i, no profile) with the source tree and the build directory hidden
# (a private mount namespace binds empty directories over them): Debian's Lmod loads
# the module, and the installed copy runs preprocess -> 2-rank mpirun train -> sample ->
# sweep plan of an installed example; `man charnn-train` renders from the module's
# MANPATH and bash completion (found through the module's XDG_DATA_DIRS) offers the
# subcommands and options.
source "$(dirname "$0")/lib.sh"
BUILD=$(cd "$(dirname "$CHARNN")" && pwd)
LMOD_INIT=/usr/share/lmod/lmod/init/bash
[ -f "$LMOD_INIT" ] || { echo "SKIP: no Lmod ($LMOD_INIT; Debian: apt install lmod)"; exit 77; }
command -v help2man >/dev/null || { echo "SKIP: no help2man (Debian: apt install help2man)"; exit 77; }
[ -f /usr/share/bash-completion/bash_completion ] || { echo "SKIP: no bash-completion"; exit 77; }
if [ "$(id -u)" -eq 0 ]; then UNSHARE=(unshare -m); else UNSHARE=(unshare -r -m); fi
"${UNSHARE[@]}" true 2>/dev/null || { echo "SKIP: cannot make a mount namespace (${UNSHARE[*]})"; exit 77; }

cmake --install "$BUILD" --prefix "$WORK/prefix" >install.log 2>&1 || { cat install.log >&2; die "cmake --install"; }
cp -a "$WORK/prefix" "$WORK/moved"
rm -rf "$WORK/prefix"
! grep -rqsF -e "$BUILD" -e "$CHARNN_SOURCE_DIR" "$WORK/moved/share/modulefiles" "$WORK/moved/share/bash-completion" \
  "$WORK/moved/share/man" || die "the installed module, completion or man pages name the build or source tree"
readelf -d "$WORK/moved/bin/charnn" | grep -E 'R(UN)?PATH' | grep -qF -e "$BUILD" -e "$CHARNN_SOURCE_DIR" &&
  die "the installed binary's RPATH names the build or source tree: $(readelf -d "$WORK/moved/bin/charnn" | grep PATH)"
head -c 300000 "$SHAKESPEARE" >input.txt
pass "cmake --install, prefix copied elsewhere; no build or source path in RPATH, module, man pages, completion"

# The run, as a user with a fresh login shell would type it; every line is checked.
cat >user.sh <<'USER'
set -euo pipefail
source /usr/share/lmod/lmod/init/bash
module use "$MOVED/share/modulefiles"
module load charnn
[ "$(command -v charnn)" = "$MOVED/bin/charnn" ] || { echo "charnn on PATH: $(command -v charnn)"; exit 1; }
charnn --version | tee version.txt
grep -qxF "data directory: $MOVED/share/charnn" version.txt
grep -qE "^built with LibTorch [0-9.]+.*, CUDA .*, NCCL .*, (Open MPI|MPICH|MPI) .*, HDF5 [0-9.]+" version.txt
charnn preprocess --input input.txt --output corpus.h5
mpirun --oversubscribe -np 2 --bind-to none -x OPENBLAS_NUM_THREADS charnn train --data corpus.h5 --device cpu \
  --rnn_size 32 --embedding_size 16 --num_layers 1 --batch_size 4 --seq_length 16 --max_iters 6 --eval_val_every 6 \
  --val_max_batches 2 --threads 1 --progress lines --checkpoint_dir run >train.log 2>&1 || { cat train.log; exit 1; }
grep -q "ranks: " train.log || { echo "not a 2-rank run:"; cat train.log; exit 1; }
charnn sample "$(charnn best run)" --length 40 --seed 1 --primetext "ROMEO:" >sample.txt
[ "$(head -c 6 sample.txt)" = "ROMEO:" ]
charnn sweep plan sweep-tinyshakespeare.yaml --dir sweep
[ -f sweep/sweep.sbatch ] && grep -qF "$MOVED/bin/charnn" sweep/sweep.sbatch
man charnn-train 2>/dev/null | sed 's/.\x08//g' >man.txt
grep -q "charnn-train - train a model" man.txt && grep -q -- "--rnn_size" man.txt
source /usr/share/bash-completion/bash_completion
_completion_loader charnn || true
complete -p charnn | grep -q -- "-F _charnn"
offer() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _charnn; echo "${COMPREPLY[*]}"; }
[ "$(offer charnn s)" = "sample sweep" ] || { echo "charnn s<TAB>: $(offer charnn s)"; exit 1; }
offer charnn sweep "" | grep -qx "plan submit run table"
offer charnn train --rnn | grep -qw -- "--rnn_size"
echo user.sh: all done
USER
# The clean environment keeps only what a site's MPI module would set: mpirun's
# directory on PATH and a relocated Open MPI's variables (scripts/prefix-build.sh).
keep=(PATH="$(dirname "$(command -v mpirun)"):/usr/bin:/bin")
for v in OPAL_PREFIX PMIX_PREFIX PMIX_PKGLIBDIR PMIX_PKGDATADIR LD_LIBRARY_PATH OMPI_MCA_mtl OMPI_MCA_btl OMPI_MCA_pml OMPI_MCA_osc; do
  [ -z "${!v:-}" ] || keep+=("$v=${!v}")
done
hide=$(mktemp -d "$WORK/empty-XXXXXX")
chmod 755 "$WORK"
out=$("${UNSHARE[@]}" bash -c '
  set -e
  mount --make-rprivate /
  for d in "$1" "$2"; do [ -d "$d" ] && mount --bind "'"$hide"'" "$d"; done
  [ ! -e "'"$CHARNN"'" ] || { echo "the build tree binary is still reachable"; exit 1; }
  shift 2
  exec env -i HOME="'"$WORK"'" "$@" TERM=dumb MOVED="'"$WORK/moved"'" OPENBLAS_NUM_THREADS=1 \
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none \
    bash --noprofile --norc user.sh' hide "$CHARNN_SOURCE_DIR" "$BUILD" "${keep[@]}" 2>&1) || die "the installed copy, module loaded, source and build hidden: $out"
echo "$out" | sed 's/^/  | /'
pass "module load charnn in a clean shell, source and build trees hidden: preprocess, mpirun -np 2 train, sample, sweep plan of an installed example, man charnn-train, completion"
echo "$PASSED checks passed"
