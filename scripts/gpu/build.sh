#!/usr/bin/env bash
# The GPU machine's build: scripts/prefix-build.sh (the one prefix build, against the
# .debs of scripts/gpu/bundle.sh unpacked into a private prefix; LibTorch, CUDA and NCCL
# from the pip wheels there), into build-gpu/. Same arguments and knobs.
exec "$(dirname "$0")/../prefix-build.sh" "$@"
