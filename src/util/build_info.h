// What this charnn was built with, for `charnn --version`: the versions of
// LibTorch, CUDA, NCCL, MPI and HDF5 from their headers at build time, and
// where a library loaded now reports another version, that one too.
#pragma once
#include <string>

namespace charnn {

// "built with LibTorch 1.13.1, CUDA none, NCCL none, Open MPI 4.1.4, HDF5 1.10.8"
std::string build_summary();

}  // namespace charnn
