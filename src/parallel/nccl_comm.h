// NCCL all-reduce for CUDA gradients, bootstrapped over MPI: rank 0 creates
// the unique id, MPI_Bcast shares it, every rank joins with ncclCommInitRank.
// Plain CUDA/NCCL types only (no LibTorch), so this compiles on any machine
// with the CUDA toolkit, even when the LibTorch there is CPU-only.
#pragma once
#include <cstddef>
#include <string>

namespace charnn {

struct NcclComm;

// `device` is the CUDA device this rank uses (its node-local rank).
NcclComm* nccl_init(int rank, int world_size, int device);
void nccl_destroy(NcclComm* c);
// In-place average of `n` floats at `device_ptr`, enqueued on `cuda_stream` (a cudaStream_t).
void nccl_allreduce_average(NcclComm* c, float* device_ptr, size_t n, void* cuda_stream);
// Throws charnn::Error if NCCL reported an asynchronous error (a peer died, a
// network failure); called while waiting so a broken job never hangs.
void nccl_check_async(NcclComm* c);
// Blocks until `cuda_stream` has drained, polling nccl_check_async; throws after timeout_s.
void nccl_wait(NcclComm* c, void* cuda_stream, double timeout_s);
// "2.27.3": the NCCL of nccl.h at build time, and " (2.28.1 loaded)" when the
// library loaded now differs (charnn --version).
std::string nccl_version();

}  // namespace charnn
