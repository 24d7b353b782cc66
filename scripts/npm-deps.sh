#!/usr/bin/env bash
# The JavaScript test tools that Debian does not package, from the npm registry,
# installed into a cache folder outside the repository (never into it):
#   scripts/npm-deps.sh          install what is missing; quiet when it is all there
#   scripts/npm-deps.sh --path   print the node_modules folder (tests set NODE_PATH to it)
# CHARNN_NPM_DIR moves the cache (default ~/.cache/charnn/npm).
#
# onnxruntime-node: integration.export_onnx runs the ONNX file `charnn export`
# writes in ONNX Runtime (docs/export.md). Pinned: a test's runtime changes only here.
set -euo pipefail
dir=${CHARNN_NPM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/charnn/npm}
ort_version=1.31.1
if [ "${1:-}" = --path ]; then echo "$dir/node_modules"; exit 0; fi

have=$(node -p "require('$dir/node_modules/onnxruntime-node/package.json').version" 2>/dev/null || true)
[ "$have" = "$ort_version" ] && exit 0
command -v npm >/dev/null || { echo "npm-deps: npm not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
mkdir -p "$dir"
echo "npm-deps: installing onnxruntime-node@$ort_version into $dir" >&2
log=$(mktemp)
# --ignore-scripts: the package's install script only fetches the CUDA provider
# (from nuget.org); the CPU runtime for Linux x64 and arm64 is in the package.
if ! npm install --prefix "$dir" --no-audit --no-fund --no-save --ignore-scripts \
     "onnxruntime-node@$ort_version" >"$log" 2>&1; then
  cat "$log" >&2
  echo "npm-deps: npm install failed (output above); is registry.npmjs.org reachable?" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
