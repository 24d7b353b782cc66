#!/usr/bin/env bash
# Compile-checks the CUDA side of charnn on a machine with neither a GPU nor a CUDA
# LibTorch: every source with CUDA or NCCL code (CHARNN_HAVE_CUDA / CHARNN_HAVE_NCCL) is
# parsed with both macros defined (-fsyntax-only) against Debian trixie's
# libtorch-cuda-dev headers (LibTorch 2.6: the 2.x API of the GPU machines, where this
# machine's LibTorch is 1.13 and CPU-only) and the CUDA toolkit's headers (nvcc's).
# The .deb is fetched once with apt-get download through a private sources list and
# unpacked into build/trixie-torch/; nothing is installed on the system.
#
#   bash scripts/gpu/syntax.sh            (from anywhere; needs the CUDA toolkit and network once)
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix=$PWD/build/trixie-torch
if [ ! -f "$prefix/usr/include/ATen/cuda/CUDAGraph.h" ]; then
  apt_dir=$(mktemp -d)
  trap 'rm -rf "$apt_dir"' EXIT
  mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$prefix"
  echo "deb http://deb.debian.org/debian trixie main contrib" >"$apt_dir/sources.list"
  apt_opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o Dir::State="$apt_dir/state" -o Dir::Cache="$apt_dir/cache" -o Debug::NoLocking=1
            -o APT::Sandbox::User=root -qq)
  echo "syntax.sh: fetching trixie's libtorch-cuda-dev (headers only)" >&2
  apt-get "${apt_opts[@]}" update
  (cd "$apt_dir" && apt-get "${apt_opts[@]}" download libtorch-cuda-dev)
  dpkg -x "$apt_dir"/libtorch-cuda-dev_*.deb "$prefix"
fi
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
[ -x "$nvcc" ] || { echo "syntax.sh: no CUDA toolkit (nvcc) found" >&2; exit 1; }
cuda_inc=$(dirname "$(dirname "$(readlink -f "$nvcc")")")/include
[ -f "$cuda_inc/nccl.h" ] || { echo "syntax.sh: no nccl.h in $cuda_inc" >&2; exit 1; }

# The trixie headers come before the system's LibTorch 1.13 headers in /usr/include.
flags=(-std=c++17 -fsyntax-only -Wall -Wextra -Wno-unused-parameter
       -DCHARNN_HAVE_CUDA=1 -DCHARNN_HAVE_NCCL=1 -DOMPI_SKIP_MPICXX=1
       -isystem "$prefix/usr/include" -isystem "$prefix/usr/include/torch/csrc/api/include"
       -isystem "$cuda_inc" -isystem /usr/include/hdf5/serial
       -I src $(pkg-config --cflags-only-I ompi-c 2>/dev/null || true))
mapfile -t files < <(grep -rlE 'CHARNN_HAVE_(CUDA|NCCL)' src --include='*.cpp' | sort)
files+=(src/parallel/nccl_comm.cpp src/train/step.cpp)
status=0
for f in "${files[@]}"; do
  if g++ "${flags[@]}" "$f" 2>"$prefix/err.txt"; then
    echo "syntax.sh: ok   $f"
  else
    echo "syntax.sh: FAIL $f"; head -30 "$prefix/err.txt"; status=1
  fi
done
exit $status
