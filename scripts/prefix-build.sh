#!/usr/bin/env bash
# Builds charnn without root and without apt, against dependencies that live in a
# prefix other than /usr, found the way a cluster provides them: MPI from its compiler
# wrapper (mpicc), the libraries from CMAKE_PREFIX_PATH, LibTorch from a pip wheel's
# torch.utils.cmake_prefix_path (or CHARNN_TORCH_DIR), CUDA/NCCL from CUDA_HOME/NCCL_HOME
# (docs/install.md). The prefix here is the .debs of scripts/gpu/bundle.sh unpacked with
# `dpkg -x`; on a GPU machine with none of the Debian libraries (scripts/gpu/build.sh,
# scripts/gpu/check.sh) it is the only copy. Then ctest, and with CHARNN_INSTALL_PREFIX
# `cmake --install` there. Run from anywhere:
#
#   scripts/prefix-build.sh [CTEST_ARGS...]     unpack -> configure -> build -> [install] -> ctest
#   scripts/prefix-build.sh --rehearse [--as-user USER] [ARGS]
#                         the same on Debian 12, in a mount namespace that hides the
#                         system's copies of the bundled libraries (started as root for the
#                         mounts; with --as-user the build, install and tests run as USER,
#                         e.g. nobody; see rehearse() below)
#
# Afterwards `source build-gpu/env.sh` gives a shell the same PATH, LD_LIBRARY_PATH,
# OPAL_PREFIX, ... (mpirun, charnn, the tests' python).
#
# Knobs (environment):
#   CHARNN_DEPS_PREFIX   where the .debs are unpacked                ($PWD/.gpu-prefix)
#   CHARNN_BUILD_DIR     build directory                             (build-gpu)
#   CHARNN_PYTHON        python3 with torch (cmake path) / h5py+numpy (tests)   (probed)
#   CHARNN_TORCH_DIR     directory for CMAKE_PREFIX_PATH to find TorchConfig.cmake, instead
#                        of torch.utils.cmake_prefix_path
#   CUDA_HOME            CUDA toolkit                                 (/usr/local/cuda)
#   TORCH_CUDA_ARCH_LIST GPU architectures                            (from nvidia-smi, else 9.0)
#   NCCL_HOME            NCCL with include/nccl.h and lib/libnccl.so* (the nvidia-nccl wheel)
#   CHARNN_BUILD_JOBS    parallel compile jobs                        (nproc)
#   CHARNN_PREFER_BUNDLED=1  link every bundled library, even where the system has that soname
#   CHARNN_SKIP_TESTS=1  stop after the build (and the install)
#   CHARNN_INSTALL_PREFIX  after the build, `cmake --install` there and run the installed
#                        copy (--version, mpirun -np 2)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { echo "prefix-build.sh: $*" >&2; }
die() { echo "prefix-build.sh: ERROR: $*" >&2; exit 1; }

DEBS=$ROOT/.gpu-bundle/debs
PREFIX=${CHARNN_DEPS_PREFIX:-$ROOT/.gpu-prefix}
BUILD=${CHARNN_BUILD_DIR:-build-gpu}
MA=x86_64-linux-gnu
LIBDIR=$PREFIX/usr/lib/$MA

# ---------------------------------------------------------------- rehearsal (Debian 12 only)
# Re-runs this script inside `unshare -m` with empty files/dirs bind-mounted over the
# system's Open MPI, PMIx, HDF5, yaml-cpp, Boost, nlohmann-json, OpenSSL headers and
# GoogleTest, so anything not taken from the prefix fails loudly. Debian's libtorch-dev
# stands in for the wheel. Default tests: a 2-rank mpirun of the binary + HDF5 I/O.
rehearse() {
  [ "$(id -u)" -eq 0 ] || die "--rehearse needs root (unshare -m, mount --bind)"
  # The prefix outside the checkout, as a cluster's module tree is: CMake puts the
  # directories of linked libraries into the installed RUNPATH only when they lie outside
  # the source and build trees, and integration.install hides the source tree.
  export CHARNN_DEPS_PREFIX=${CHARNN_DEPS_PREFIX:-${TMPDIR:-/tmp}/charnn-rehearsal-prefix}
  local user="" drop=""
  if [ "${1:-}" = "--as-user" ]; then
    user=$2
    shift 2
    id "$user" >/dev/null || die "--as-user $user: no such user"
    [ "$(id -u "$user")" -ne 0 ] || die "--as-user $user: that is root"
    # What USER must write: the prefix, the build and install directories, a compiler
    # cache of its own (so nothing of root's cache is reused). The tree is only read.
    local dir
    for dir in "$CHARNN_DEPS_PREFIX" "$ROOT/${CHARNN_BUILD_DIR:-build-reloc}" \
               "${CHARNN_INSTALL_PREFIX:-$ROOT/${CHARNN_BUILD_DIR:-build-reloc}/installed}"; do
      mkdir -p "$dir"
      chown -R "$user:$(id -gn "$user")" "$dir"
    done
    drop="setpriv --reuid=$(id -u "$user") --regid=$(id -g "$user") --init-groups env HOME=$ROOT/${CHARNN_BUILD_DIR:-build-reloc} CCACHE_DIR=$ROOT/${CHARNN_BUILD_DIR:-build-reloc}/.ccache USER=$user LOGNAME=$user"
    say "rehearsal: the build, install and tests run as $user (uid $(id -u "$user"))"
  fi
  local empty_dir empty_file
  empty_dir=$(mktemp -d /tmp/charnn-hide-XXXXXX)
  empty_file=$empty_dir.file
  : >"$empty_file"
  local hide=(
    /usr/lib/"$MA"/openmpi /usr/share/openmpi /etc/openmpi /usr/lib/"$MA"/pmix2
    /usr/include/hdf5 /usr/lib/"$MA"/hdf5 /usr/include/yaml-cpp /usr/include/boost
    /usr/include/nlohmann /usr/share/cmake/nlohmann_json /usr/include/gtest /usr/include/gmock /usr/include/fmt
    /usr/src/googletest /usr/include/openssl /usr/include/"$MA"/openssl
    /usr/lib/"$MA"/cmake/Boost-1.74.0 /usr/lib/"$MA"/cmake/boost_headers-1.74.0
    /usr/lib/"$MA"/cmake/boost_program_options-1.74.0 /usr/lib/"$MA"/cmake/yaml-cpp /usr/lib/"$MA"/cmake/GTest
    /usr/lib/"$MA"/cmake/fmt
    /usr/bin/orterun /usr/bin/orted /usr/bin/opal_wrapper /usr/bin/ompi_info /usr/bin/h5cc
    /usr/lib/"$MA"/libhdf5_serial.so* /usr/lib/"$MA"/libhdf5_serial.a /usr/lib/"$MA"/libyaml-cpp* /usr/lib/"$MA"/libboost_program_options*
    /usr/lib/"$MA"/libgtest* /usr/lib/"$MA"/libgmock* /usr/lib/"$MA"/libsz.so* /usr/lib/"$MA"/libaec.so*
    /usr/lib/"$MA"/libpmix* /usr/lib/"$MA"/libhwloc.so* /usr/lib/"$MA"/libevent_core* /usr/lib/"$MA"/libevent_pthreads*
    /usr/lib/"$MA"/libfabric.so* /usr/lib/"$MA"/libucp.so* /usr/lib/"$MA"/libucs.so* /usr/lib/"$MA"/libuct.so*
    /usr/lib/"$MA"/libpsm2.so* /usr/lib/"$MA"/libcrypto.so /usr/lib/"$MA"/libssl.so /usr/lib/"$MA"/libcrypto.a
  )
  local script rc=0
  script="set -euo pipefail; mount --make-rprivate /"
  for p in "${hide[@]}"; do
    [ -e "$p" ] || continue
    [ -L "$p" ] && continue  # hiding the file a link points to is enough
    if [ -d "$p" ]; then script+="; mount --bind $empty_dir $p"; else script+="; mount --bind $empty_file $p"; fi
  done
  say "rehearsal: hiding ${#hide[@]} system paths in a private mount namespace"
  local args=("$@")
  [ ${#args[@]} -gt 0 ] || args=(-R 'integration\.(preprocess|mpi_exactness|install)')
  # shellcheck disable=SC2016
  script+="; exec $drop"' "$0" "$@"'
  CHARNN_BUILD_DIR=${CHARNN_BUILD_DIR:-build-reloc} CHARNN_PREFER_BUNDLED=1 CHARNN_REHEARSAL=1 \
    CHARNN_TORCH_DIR=${CHARNN_TORCH_DIR:-/usr/lib/$MA/cmake/Torch} CHARNN_PYTHON=${CHARNN_PYTHON:-/usr/bin/python3} \
    CHARNN_INSTALL_PREFIX=${CHARNN_INSTALL_PREFIX:-$ROOT/${CHARNN_BUILD_DIR:-build-reloc}/installed} \
    unshare -m bash -c "$script" "$ROOT/scripts/prefix-build.sh" "${args[@]}" || rc=$?
  rm -rf "$empty_dir" "$empty_file"
  return $rc
}
if [ "${1:-}" = "--rehearse" ]; then
  shift
  rehearse "$@"
  exit $?
fi

# ---------------------------------------------------------------- 1. unpack the .debs
ls "$DEBS"/*.deb >/dev/null 2>&1 || die "no .debs in $DEBS (run scripts/gpu/bundle.sh on the Debian machine)"
stamp=$(cd "$DEBS" && ls -l -- *.deb | md5sum | cut -d' ' -f1)
if [ "$(cat "$PREFIX/.bundle-stamp" 2>/dev/null)" = "$stamp" ]; then
  say "prefix $PREFIX is up to date with $DEBS"
else
  say "unpacking $(ls "$DEBS"/*.deb | wc -l) .debs into $PREFIX (dpkg -x; nothing goes into /)"
  mkdir -p "$PREFIX"
  find "$PREFIX" -mindepth 1 -delete  # emptied, not removed: a non-root user may own only the prefix itself
  for d in "$DEBS"/*.deb; do
    if command -v dpkg >/dev/null; then
      dpkg -x "$d" "$PREFIX"
    else  # no dpkg: a .deb is an ar archive holding data.tar.*
      member=$(ar t "$d" | grep '^data\.tar')
      ar p "$d" "$member" | tar -x -a -f - -C "$PREFIX" 2>/dev/null ||
        ar p "$d" "$member" | tar -x --xz -f - -C "$PREFIX"
    fi
  done
  echo "$stamp" >"$PREFIX/.bundle-stamp"
fi

# The links Debian makes in maintainer scripts (update-alternatives), which dpkg -x skips.
mkdir -p "$PREFIX/bin"
for t in mpirun:orterun mpiexec:orterun mpicc:opal_wrapper ompi_info:ompi_info orted:orted; do
  ln -sfn "../usr/bin/${t#*:}" "$PREFIX/bin/${t%%:*}"
done
# pgrep/pkill (tests/integration/mpi_failure.sh) only where the system has none.
for t in pgrep pkill; do
  rm -f "$PREFIX/bin/$t"
  if ! command -v "$t" >/dev/null; then
    ln -s "../usr/bin/$t" "$PREFIX/bin/$t"
    say "no $t on this machine: using the bundled one"
  fi
done

# Runtime libraries: Open MPI and PMIx from their own directories; every other bundled
# library by its SONAME from lib-overlay/, but only where the system lacks that soname,
# so that the system's programs (cmake, python, nvcc) keep their own, newer copies.
command -v readelf >/dev/null || die "readelf (binutils) is needed to read sonames"
overlay=$PREFIX/lib-overlay
rm -rf "$overlay"
mkdir -p "$overlay"
system_sonames=$({ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | awk 'NR > 1 { print $1 }' | sort -u || true)
linked=0
skipped=()
while IFS= read -r -d '' f; do
  soname=$(readelf -d "$f" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ -n "$soname" ] || continue
  if [ "${CHARNN_PREFER_BUNDLED:-0}" != 1 ] && grep -qxF "$soname" <<<"$system_sonames"; then
    skipped+=("$soname")
    continue
  fi
  ln -sfn "$f" "$overlay/$soname"
  linked=$((linked + 1))
done < <(find "$LIBDIR" -maxdepth 1 -type f -name 'lib*.so.*' -print0; find "$PREFIX/usr/lib/libpsm1" -type f -name 'lib*.so.*' -print0 2>/dev/null)
say "lib-overlay: $linked bundled libraries; the system's own copy used for ${#skipped[@]} sonames${skipped:+ (${skipped[*]:0:12} ...)}"

# ---------------------------------------------------------------- 2. environment
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
export OPAL_PREFIX=$PREFIX/usr                                  # relocates Open MPI (wrappers, plugins, help)
# PMIx (libpmix2) is installed apart under pmix2/; its plugins and help files are found
# through these (PMIx 4's "env" pinstalldirs component).
export PMIX_PREFIX=$LIBDIR/pmix2 PMIX_PKGLIBDIR=$LIBDIR/pmix2/lib/pmix PMIX_PKGDATADIR=$LIBDIR/pmix2/share/pmix
export PATH=$PREFIX/bin:$PATH
[ -d "$CUDA_HOME/bin" ] && export PATH=$PATH:$CUDA_HOME/bin
export LD_LIBRARY_PATH=$LIBDIR/openmpi/lib:$LIBDIR/pmix2/lib:$overlay${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# Debian's /etc/openmpi/openmpi-mca-params.conf (sysconfdir is not relocated), as defaults.
export OMPI_MCA_btl_base_warn_component_unused=${OMPI_MCA_btl_base_warn_component_unused:-0}
export OMPI_MCA_mtl=${OMPI_MCA_mtl:-^ofi}
export OMPI_MCA_btl=${OMPI_MCA_btl:-^uct,openib,ofi}
export OMPI_MCA_pml=${OMPI_MCA_pml:-^ucx}
export OMPI_MCA_osc=${OMPI_MCA_osc:-^ucx,pt2pt}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# python3: one that imports torch (for its CMake path) and one with h5py + numpy (tests).
candidates=()
[ -n "${CHARNN_PYTHON:-}" ] && candidates+=("$CHARNN_PYTHON")
candidates+=("$(command -v python3 || true)" /opt/torch/.venv/bin/python3 /usr/bin/python3)
py_with() {  # first candidate that imports all of $@
  local p
  for p in "${candidates[@]}"; do
    [ -n "$p" ] && [ -x "$p" ] && "$p" -c "import $(IFS=,; echo "$*")" 2>/dev/null && { echo "$p"; return 0; }
  done
  return 1
}
TEST_PY=$(py_with h5py numpy) || die "no python3 with h5py and numpy among: ${candidates[*]} (set CHARNN_PYTHON)"
export CHARNN_PYTHON=$TEST_PY
say "tests' python: $TEST_PY"

# Slurm: without slurm-wlm the Slurm test skips (exit 77) instead of trying apt-get here.
if ! command -v slurmctld >/dev/null; then
  export CHARNN_SLURM_NO_INSTALL=1
  say "no slurmctld: integration.slurm_sweep will skip (CHARNN_SLURM_NO_INSTALL=1)"
  [ "${CI:-}" = true ] && { unset CI; say "unset CI, which would turn that skip into a failure"; }
fi

mkdir -p "$BUILD"
{
  echo "# Generated by scripts/prefix-build.sh: the environment its build and tests ran with."
  for v in PATH LD_LIBRARY_PATH OPAL_PREFIX PMIX_PREFIX PMIX_PKGLIBDIR PMIX_PKGDATADIR CHARNN_PYTHON OMPI_ALLOW_RUN_AS_ROOT \
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_btl_base_warn_component_unused OMPI_MCA_mtl OMPI_MCA_btl \
           OMPI_MCA_pml OMPI_MCA_osc CHARNN_SLURM_NO_INSTALL; do
    [ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
  done
  echo "export CHARNN_DEPS_PREFIX=$(printf %q "$PREFIX")"
} >"$BUILD/env.sh"
say "wrote $BUILD/env.sh"

# Relocation smoke test before spending minutes on the build.
mpicc -showme:compile | grep -qF "$PREFIX" || die "mpicc does not report the prefix: $(mpicc -showme:compile)"
mpirun --oversubscribe --bind-to none -np 2 true || die "relocated mpirun -np 2 true failed"
say "relocated Open MPI works: $(command -v mpirun) -np 2 true; mpicc -showme:compile -> $(mpicc -showme:compile)"

# ---------------------------------------------------------------- 3. configure
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=Release
  -DMPI_C_COMPILER="$PREFIX/bin/mpicc"    # FindMPI asks the relocated wrapper (OPAL_PREFIX)
  -DMPI_CXX_SKIP_MPICXX=ON
  -DHDF5_C_COMPILER_EXECUTABLE=""         # h5cc would report /usr paths: FindHDF5 searches CMAKE_PREFIX_PATH
  -DOPENSSL_ROOT_DIR="$PREFIX/usr"
  # Debian's multiarch headers (openssl/opensslconf.h): a default include dir for /usr only.
  -DCMAKE_C_STANDARD_INCLUDE_DIRECTORIES="$PREFIX/usr/include/$MA"
  -DCMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES="$PREFIX/usr/include/$MA"
  -DBoost_NO_SYSTEM_PATHS=ON -DBOOST_ROOT="$PREFIX/usr")

if [ -n "${CHARNN_TORCH_DIR:-}" ]; then
  torch_prefix=$CHARNN_TORCH_DIR
  say "Torch: CHARNN_TORCH_DIR=$torch_prefix"
  torch_has_cuda=no
else
  TORCH_PY=$(py_with torch) || die "no python3 that imports torch among: ${candidates[*]} (set CHARNN_PYTHON or CHARNN_TORCH_DIR)"
  read -r torch_prefix torch_version torch_cuda torch_abi < <("$TORCH_PY" -c '
import torch, torch.utils
print(torch.utils.cmake_prefix_path, torch.__version__, torch.version.cuda or "none", int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  say "Torch $torch_version (CUDA $torch_cuda, _GLIBCXX_USE_CXX11_ABI=$torch_abi) from $TORCH_PY: $torch_prefix"
  [ "$torch_abi" = 1 ] || say "WARNING: this torch uses the pre-C++11 string ABI; the bundled Debian libraries (yaml-cpp, Boost) use the C++11 ABI: expect link errors"
  torch_has_cuda=$([ "$torch_cuda" = none ] && echo no || echo yes)
fi
cmake_args+=(-DCMAKE_PREFIX_PATH="$torch_prefix;$PREFIX/usr")

# cmake and ninja: from PATH, else from the torch python's environment (pip's cmake/ninja).
for tool in cmake ninja; do
  command -v "$tool" >/dev/null && continue
  for p in "${TORCH_PY:-}" "${candidates[@]}"; do
    if [ -n "$p" ] && [ -x "$(dirname "$p")/$tool" ]; then
      dir=$(dirname "$p")
      export PATH=$PATH:$dir
      say "$tool: $dir/$tool (not in PATH)"
      break
    fi
  done
done
command -v cmake >/dev/null || die "no cmake"
if command -v ninja >/dev/null; then
  say "cmake $(cmake --version | sed -n 's/cmake version //p'), ninja $(ninja --version)"
else
  cmake_args[1]="Unix Makefiles"
  say "no ninja: using Unix Makefiles with cmake $(cmake --version | sed -n 's/cmake version //p')"
fi

if [ "$torch_has_cuda" = yes ]; then
  [ -x "$CUDA_HOME/bin/nvcc" ] || say "WARNING: CUDA torch but no $CUDA_HOME/bin/nvcc: Torch's CMake config needs nvcc (set CUDA_HOME)"
  if [ -z "${TORCH_CUDA_ARCH_LIST:-}" ]; then
    cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' ' || true)
    TORCH_CUDA_ARCH_LIST=${cap:-9.0}
  fi
  cmake_args+=(-DCUDAToolkit_ROOT="$CUDA_HOME" -DCUDA_TOOLKIT_ROOT_DIR="$CUDA_HOME"
    -DCMAKE_CUDA_COMPILER="$CUDA_HOME/bin/nvcc" -DTORCH_CUDA_ARCH_LIST="$TORCH_CUDA_ARCH_LIST"
    -DCMAKE_CUDA_ARCHITECTURES="${TORCH_CUDA_ARCH_LIST//./}")
  export TORCH_CUDA_ARCH_LIST CUDA_HOME
  say "CUDA: $CUDA_HOME ($("$CUDA_HOME/bin/nvcc" --version 2>/dev/null | sed -n 's/.*release \([0-9.]*\).*/\1/p' || echo '?')), TORCH_CUDA_ARCH_LIST=$TORCH_CUDA_ARCH_LIST"

  # NCCL: the nvidia-nccl wheel next to torch (lib/libnccl.so.2, include/nccl.h), or NCCL_HOME.
  nccl_dirs=()
  [ -n "${NCCL_HOME:-}" ] && nccl_dirs+=("$NCCL_HOME")
  while IFS= read -r d; do [ -n "$d" ] && nccl_dirs+=("$d"); done < <("$TORCH_PY" -c '
import importlib.util, os, sys
found = []
try:
    s = importlib.util.find_spec("nvidia.nccl")
    found += list(s.submodule_search_locations or []) if s else []
except Exception:
    pass
found += [os.path.join(p, "nvidia", "nccl") for p in sys.path if os.path.isdir(os.path.join(p, "nvidia", "nccl"))]
print("\n".join(dict.fromkeys(found)))' 2>/dev/null || true)
  nccl_dirs+=("$CUDA_HOME" /usr /usr/local)
  nccl_lib="" nccl_inc=""
  for d in "${nccl_dirs[@]}"; do
    [ -z "$nccl_lib" ] && nccl_lib=$(ls "$d"/lib/libnccl.so* "$d"/lib64/libnccl.so* "$d"/lib/$MA/libnccl.so* 2>/dev/null | sort | head -1 || true)
    [ -z "$nccl_inc" ] && [ -f "$d/include/nccl.h" ] && nccl_inc=$d/include
  done
  if [ -n "$nccl_lib" ] && [ -n "$nccl_inc" ]; then
    say "NCCL: library $nccl_lib, header $nccl_inc/nccl.h"
    cmake_args+=(-DNCCL_LIBRARY="$nccl_lib" -DNCCL_INCLUDE_DIR="$nccl_inc")
  else
    missing=$([ -z "$nccl_lib" ] && echo "library (libnccl.so*)"; [ -z "$nccl_inc" ] && echo "header (include/nccl.h)")
    say "WARNING: NCCL $(echo $missing) not found in: ${nccl_dirs[*]}: the NCCL path will NOT be built (set NCCL_HOME)"
    [ -n "$nccl_lib" ] && cmake_args+=(-DNCCL_LIBRARY="$nccl_lib")
    [ -n "$nccl_inc" ] && cmake_args+=(-DNCCL_INCLUDE_DIR="$nccl_inc")
  fi
fi

# C++ standard: LibTorch releases whose headers #error below C++20 need -std=c++20. The
# top-level CMakeLists.txt pins CMAKE_CXX_STANDARD 17, so the switch goes through
# CMAKE_PROJECT_INCLUDE, which redefines the flag CMake emits for "C++17".
use_cxx20() {
  echo 'set(CMAKE_CXX17_STANDARD_COMPILE_OPTION "-std=c++20")' >"$BUILD/charnn-cxx20.cmake"
  cmake_args+=(-DCMAKE_PROJECT_INCLUDE="$(cd "$BUILD" && pwd)/charnn-cxx20.cmake")
  say "C++20: $*"
}
torch_inc=$(cd "$torch_prefix/../.." 2>/dev/null && pwd)/include
if grep -qs "C++20 or later compatible compiler is required" "$torch_inc/c10/util/C++17.h" "$torch_inc/ATen/ATen.h" "$torch_inc/torch/all.h"; then
  use_cxx20 "$torch_inc requires it"
else
  say "C++17 (the project's standard): LibTorch headers in ${torch_inc} do not require C++20"
fi

configure() {
  rm -f "$BUILD/CMakeCache.txt"  # a fresh cache: no stale result of an earlier configure is reused
  say "cmake -S . -B $BUILD ${cmake_args[*]}"
  cmake -S . -B "$BUILD" "${cmake_args[@]}" >"$BUILD/configure.log" 2>&1 || {
    tail -60 "$BUILD/configure.log" >&2
    die "configure failed (full log: $BUILD/configure.log)"
  }
  grep -E "charnn:|Caffe2:|Found (MPI|HDF5|OpenSSL|Boost|CUDAToolkit)|CUDA|NCCL|WARNING|Warning" "$BUILD/configure.log" | sed 's/^/  | /' >&2 || true
}
configure

# The bundled copies, not some other installation, must have been found.
for v in MPI_C_HEADER_DIR HDF5_C_INCLUDE_DIR yaml-cpp_DIR Boost_DIR GTest_DIR nlohmann_json_DIR fmt_DIR OPENSSL_INCLUDE_DIR; do
  val=$(sed -n "s/^$v:[A-Z]*=//p" "$BUILD/CMakeCache.txt")
  case "$val" in
    "$PREFIX"/*) say "  $v = $val" ;;
    *) die "$v = '$val' is not in the prefix $PREFIX" ;;
  esac
done

torch_dir=$(sed -n 's/^Torch_DIR:PATH=//p' "$BUILD/CMakeCache.txt")
case "$(readlink -f "$torch_dir")/" in
  "$(readlink -f "$torch_prefix")"/*) say "  Torch_DIR = $torch_dir" ;;
  *) die "Torch_DIR = '$torch_dir' is not under $torch_prefix (another LibTorch was found)" ;;
esac

# ---------------------------------------------------------------- 4. build
jobs=${CHARNN_BUILD_JOBS:-$(nproc)}
build() {
  local rc=0
  say "cmake --build $BUILD -j $jobs (log: $BUILD/build.log)"
  cmake --build "$BUILD" -j "$jobs" >"$BUILD/build.log" 2>&1 || rc=$?
  grep -E "^FAILED|error:|Linking" "$BUILD/build.log" | sed 's/^/  | /' >&2 || true
  say "$(grep -c 'warning: ' "$BUILD/build.log" || true) compiler warning lines (in the log)"
  return $rc
}
if ! build; then
  if grep -q "C++20 or later" "$BUILD/build.log" && [ ! -f "$BUILD/charnn-cxx20.cmake" ]; then
    use_cxx20 "the build says LibTorch needs it; reconfiguring"
    configure
    build || die "build failed with C++20 too (log: $BUILD/build.log)"
  else
    grep -B2 -A12 -m3 "error" "$BUILD/build.log" >&2 || tail -40 "$BUILD/build.log" >&2
    die "build failed (log: $BUILD/build.log)"
  fi
fi
grep -rqs "CHARNN_HAVE_NCCL" "$BUILD/build.ninja" "$BUILD/CMakeFiles/charnn_torch.dir/flags.make" && say "built with NCCL (CHARNN_HAVE_NCCL)" ||
  say "built WITHOUT the NCCL path (CPU LibTorch, or NCCL not found)"
ldd "$BUILD/charnn" | grep -E "not found" && die "charnn has unresolved libraries (above)"
say "charnn links: $(ldd "$BUILD/charnn" | grep -E "libmpi|hdf5|yaml|boost|libcrypto|nccl|torch_cuda" | awk '{print $3}' | tr '\n' ' ')"

# ---------------------------------------------------------------- 5. install
if [ -n "${CHARNN_INSTALL_PREFIX:-}" ]; then
  say "cmake --install $BUILD --prefix $CHARNN_INSTALL_PREFIX"
  cmake --install "$BUILD" --prefix "$CHARNN_INSTALL_PREFIX" >"$BUILD/install.log" 2>&1 || {
    tail -20 "$BUILD/install.log" >&2
    die "install failed (log: $BUILD/install.log)"
  }
  installed=$CHARNN_INSTALL_PREFIX/bin/charnn
  say "installed: $(find "$CHARNN_INSTALL_PREFIX" -type f | wc -l) files; RUNPATH $(readelf -d "$installed" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')"
  env -u LD_LIBRARY_PATH ldd "$installed" | grep -F "not found" && say "WARNING: without LD_LIBRARY_PATH the installed charnn misses the libraries above"
  say "installed copy under mpirun -np 2: $(mpirun --oversubscribe --bind-to none -np 2 "$installed" --version 2>&1 | sort -u | tr '\n' ' ')"
fi

# ---------------------------------------------------------------- 6. tests
[ "${CHARNN_SKIP_TESTS:-0}" = 1 ] && { say "CHARNN_SKIP_TESTS=1: not running ctest"; exit 0; }
if [ "${CHARNN_REHEARSAL:-0}" = 1 ]; then
  say "rehearsal: mpirun -np 2 of the binary: $(mpirun --oversubscribe --bind-to none -np 2 "$BUILD/charnn" --version 2>&1 | tr '\n' ' ')"
fi
say "ctest --output-on-failure $*"
rc=0
(cd "$BUILD" && ctest --output-on-failure --timeout 900 "$@") 2>&1 | tee "$BUILD/ctest.log" || rc=$?
echo "---- summary"
grep -E "tests passed|tests failed|\(Skipped\)|\(Failed\)|\(Timeout\)|\*\*\*|Total Test time" "$BUILD/ctest.log" | grep -v "^ *[0-9]*/[0-9]* Test .*Passed" || true
grep -h "^SKIP" "$BUILD/Testing/Temporary/LastTest.log" 2>/dev/null || true  # why a test skipped
exit $rc
