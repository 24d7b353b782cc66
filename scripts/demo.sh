#!/usr/bin/env bash
# The main job of README.md on its embedded default: install, build, preprocess
# tiny-shakespeare, run a small sweep whose trials train data-parallel on 2
# local MPI ranks, table it, pick the best checkpoint, plot, sample.
# Everything lands in runs/demo/. Takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # harmless when not root
mkdir -p runs/demo
# The cache is made once (a cache from an older charnn, which this one no longer reads, is made again).
build/charnn inspect runs/demo/tinyshakespeare.h5 >/dev/null 2>&1 || rm -f runs/demo/tinyshakespeare.h5
[ -f runs/demo/tinyshakespeare.h5 ] ||
  build/charnn preprocess --input data/tinyshakespeare/input.txt --output runs/demo/tinyshakespeare.h5
build/charnn sweep run configs/demo-sweep.yaml --local --dir runs/demo/sweep --force
best=$(build/charnn best runs/demo/sweep --link runs/demo/best.h5)
echo "best checkpoint: $best"
build/charnn plot runs/demo/sweep --output runs/demo/curves.png
build/charnn sample runs/demo/best.h5 --length 500 --temperature 0.7 --primetext "ROMEO:"
