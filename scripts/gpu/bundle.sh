#!/usr/bin/env bash
# Downloads (here, on Debian 12) the .debs that charnn needs to build, test and run
# on a GPU machine that has no network and none of these libraries: Open MPI, HDF5,
# yaml-cpp, Boost.Program_options, nlohmann-json, OpenSSL headers, GoogleTest, plus
# their runtime library closure. scripts/gpu/build.sh unpacks them there with
# `dpkg -x` into a private prefix; nothing is installed into / on either machine.
#
#   sudo scripts/gpu/bundle.sh     -> .gpu-bundle/debs/*.deb (git-ignored; <= 48 MiB)
#
# Assumed present on the GPU machine (Ubuntu 24.04 base): glibc, libstdc++, libgcc_s,
# zlib and the libssl3/libcrypto3 runtime. Everything else a bundled ELF file needs
# must come from the bundle: the check at the end fails when a NEEDED soname is
# neither bundled nor in that base set.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.gpu-bundle/debs
LIMIT_MIB=48

packages=(
  # Open MPI 4.1: headers, wrappers, mpirun/orterun, help files, MCA plugins.
  libopenmpi-dev libopenmpi3 openmpi-bin openmpi-common
  # Open MPI's runtime closure (its MCA plugins dlopen some of these).
  libpmix2 libhwloc15 libevent-core-2.1-7 libevent-pthreads-2.1-7 libevent-2.1-7
  libfabric1 libucx0 libibverbs1 ibverbs-providers librdmacm1 libpsm2-2 libpsm-infinipath1
  libnl-3-200 libnl-route-3-200 libmunge2 libnuma1 libudev1 libuuid1 libatomic1
  # HDF5 (serial) and its runtime closure (libcurl for the ROS3 driver).
  libhdf5-dev libhdf5-103-1 libsz2 libaec0
  libcurl4 libbrotli1 libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2
  libkeyutils1 libidn2-0 libunistring2 libldap-2.5-0 libsasl2-2 libsasl2-modules-db libdb5.3
  libgnutls30 libnettle8 libhogweed6 libgmp10 libp11-kit0 libffi8 libtasn1-6
  libnghttp2-14 libpsl5 librtmp1 libssh2-1 libzstd1
  # yaml-cpp, Boost.Program_options (+ the Boost headers it includes), nlohmann-json.
  libyaml-cpp-dev libyaml-cpp0.7
  libboost-program-options-dev libboost-program-options1.74-dev libboost-program-options1.74.0
  libboost1.74-dev
  nlohmann-json3-dev
  # fmt: the log lines (util/log).
  libfmt-dev libfmt9
  # OpenSSL headers; libssl3 so that libcrypto.so -> libcrypto.so.3 resolves inside the prefix.
  libssl-dev libssl3
  # GoogleTest (static libs, headers, CMake config).
  libgtest-dev
  # pgrep for tests/integration/mpi_failure.sh (minimal images lack procps).
  procps libproc2-0 libsystemd0 libncursesw6 libtinfo6 libcap2 libgcrypt20 libgpg-error0
  liblz4-1 liblzma5
)

if [ "$(id -u)" -ne 0 ]; then
  echo "bundle.sh: run as root (apt-get download / update)" >&2
  exit 1
fi
# apt-get download needs the package lists.
if ! apt-cache show libopenmpi3 >/dev/null 2>&1; then
  echo "bundle.sh: apt-get update" >&2
  apt-get update -qq
fi

rm -rf "$OUT"
mkdir -p "$OUT"
# apt-get download writes into the current directory.
(cd "$OUT" && apt-get download -qq "${packages[@]}" 2>&1 | grep -v "unsandboxed" || true)
n=$(find "$OUT" -name '*.deb' | wc -l)
[ "$n" -eq "${#packages[@]}" ] || {
  echo "bundle.sh: expected ${#packages[@]} .debs, got $n" >&2
  exit 1
}
# Avoid the same package twice in the list going unnoticed.
printf '%s\n' "${packages[@]}" | sort | uniq -d | grep . && { echo "bundle.sh: duplicate packages above" >&2; exit 1; }

# Closure check: every NEEDED soname of every bundled ELF file (binaries, libraries,
# MCA/PMIx plugins) is bundled or in the assumed base set.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in "$OUT"/*.deb; do dpkg -x "$d" "$tmp/root"; done
base='^(libc|libm|libdl|libpthread|librt|libutil|libresolv|libanl|ld-linux-x86-64|libstdc\+\+|libgcc_s|libz|libssl|libcrypto)\.so\.[0-9.]+$'
find "$tmp/root" -type f \( -name '*.so*' -o -perm -u+x \) -print0 |
  xargs -0 file -N | grep -E ': *ELF .*(shared object|executable)' | cut -d: -f1 |
  while read -r f; do
    readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sed "s|^|$f\t|"
  done > "$tmp/needed"
# Provided: file names, plus SONAMEs (Debian makes some soname links, e.g. libpsm_infinipath.so.1,
# in maintainer scripts that dpkg -x does not run; build.sh links them by SONAME).
{ find "$tmp/root" \( -type f -o -type l \) -name '*.so*' -printf '%f\n'
  find "$tmp/root" -type f -name '*.so*' -print0 | xargs -0 readelf -d 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'
} | sort -u > "$tmp/have"
missing=$(cut -f2 "$tmp/needed" | sort -u | grep -Evx -f "$tmp/have" | grep -Ev "$base" || true)
if [ -n "$missing" ]; then
  echo "bundle.sh: sonames needed by bundled files but neither bundled nor assumed on the GPU machine:" >&2
  for s in $missing; do
    echo "  $s  (needed by $(grep -P "\t\Q$s\E$" "$tmp/needed" | head -1 | cut -f1 | sed "s|$tmp/root||"))" >&2
  done
  exit 1
fi

bytes=$(du -cb "$OUT"/*.deb | tail -1 | cut -f1)
mib=$(( (bytes + 1048575) / 1048576 ))
echo "bundle.sh: $n packages ($(wc -l < "$tmp/needed") NEEDED entries of bundled ELF files checked), $(numfmt --to=iec-i --suffix=B "$bytes") in $OUT (limit ${LIMIT_MIB} MiB); closure check passed"
[ "$mib" -le "$LIMIT_MIB" ] || { echo "bundle.sh: over the ${LIMIT_MIB} MiB limit" >&2; exit 1; }
