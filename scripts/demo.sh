#!/usr/bin/env bash
# The main job of README.md on its embedded default: install, build, preprocess
# tiny-shakespeare, train data-parallel on local MPI ranks, pick the best
# checkpoint, sample from it. Everything lands in runs/demo/.
#   CHARNN_DEMO_RANKS (default 2)  MPI ranks
#   any further arguments go to `charnn train` (e.g. --max_epochs 10)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ranks=${CHARNN_DEMO_RANKS:-2}
mkdir -p runs/demo
[ -f runs/demo/tinyshakespeare.h5 ] ||
  build/charnn preprocess --input data/tinyshakespeare/input.txt --output runs/demo/tinyshakespeare.h5
# Each rank takes batch_size streams, so 2 ranks x 25 = the config's 50 streams.
mpirun --oversubscribe -np "$ranks" --bind-to none build/charnn train \
  --config configs/tinyshakespeare.yaml --data runs/demo/tinyshakespeare.h5 \
  --batch_size $((50 / ranks)) --checkpoint_dir runs/demo/train --max_epochs 2 "$@"
best=$(build/charnn best runs/demo/train --link runs/demo/best.h5)
echo "best checkpoint: $best"
build/charnn sample runs/demo/best.h5 --length 500 --temperature 0.7 --primetext "ROMEO:"
