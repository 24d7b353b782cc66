#!/usr/bin/env bash
# Installs every Debian package charnn needs to build, test and run.
# Idempotent and quiet when everything is already there; loud on failure.
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --bench    also what bench/ uses beside (time, jq)
# Then the JavaScript test tools from npm, into a cache outside the repository
# (scripts/npm-deps.sh).
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config
  libtorch-dev
  libopenblas0-pthread   # without it LibTorch falls back to reference BLAS: ~12x slower training
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools
  libyaml-cpp-dev libboost-program-options-dev nlohmann-json3-dev libfmt-dev libssl-dev
  libgtest-dev
  python3-h5py python3-numpy   # tests read and write HDF5 files the way users' scripts do
  python3-torch                # integration.neurons checks the page's numbers against torch.nn
  python3-protobuf python3-crc32c  # integration.tensorboard decodes the event files and checks their CRCs
  gnuplot-nox                  # charnn plot
  chromium                     # tests open the HTML pages of neurons/report/export in headless Chromium
  nodejs python3-onnx          # integration.export_onnx: ONNX Runtime (scripts/npm-deps.sh) and onnx.checker
  clang libclang-rt-14-dev     # scripts/fuzz.sh: libFuzzer with ASan and UBSan
  iproute2 util-linux          # tests/cluster/nodes.sh: two nodes as network namespaces (ip, nsenter, unshare)
  help2man man-db dpkg-dev     # cmake --install / cpack: man pages from each --help; the .deb's Depends (dpkg-shlibdeps)
  lmod bash-completion         # integration.install: the installed module and completion, as a cluster user meets them
)
[ "${1:-}" = "--bench" ] && packages+=(time jq)
# npm, unless a node.js from elsewhere (NodeSource's nodejs) brings its own:
# Debian's npm package would conflict with that one.
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exec bash "$(dirname "$0")/npm-deps.sh"; fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
log=$(mktemp)
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps: apt-get failed (output above)" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
exec bash "$(dirname "$0")/npm-deps.sh"
