#include "parallel/nccl_comm.h"

#include <cuda_runtime.h>
#include <mpi.h>
#include <nccl.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "util/log.h"
#include "util/status.h"

namespace charnn {

struct NcclComm {
  ncclComm_t comm = nullptr;
  int rank = 0, size = 1;
};

static void check_cuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) fail(what, ": ", cudaGetErrorString(e));
}
static void check_nccl(ncclResult_t r, const char* what) {
  if (r != ncclSuccess && r != ncclInProgress) fail(what, ": ", ncclGetErrorString(r));
}

NcclComm* nccl_init(int rank, int world_size, int device) {
  int count = 0;
  check_cuda(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (device >= count)
    fail("node-local rank ", device, " needs GPU ", device, " but this node has ", count,
         " GPU(s); start at most ", count, " ranks per node (srun --ntasks-per-node / --gpus-per-node)");
  check_cuda(cudaSetDevice(device), "cudaSetDevice");
  ncclUniqueId id;
  if (rank == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  if (world_size > 1) {
    const int rc = MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) fail("MPI_Bcast of the NCCL unique id failed (MPI error ", rc, ")");
  }
  auto* c = new NcclComm;
  c->rank = rank;
  c->size = world_size;
  check_nccl(ncclCommInitRank(&c->comm, world_size, id, rank), "ncclCommInitRank");
  return c;
}

void nccl_destroy(NcclComm* c) {
  if (!c) return;
  if (c->comm) {
    // Teardown must not throw: a failure here is reported and the process goes on exiting.
    const ncclResult_t r = ncclCommDestroy(c->comm);
    if (r != ncclSuccess) log::warn_rank("ncclCommDestroy: {}", ncclGetErrorString(r));
  }
  delete c;
}

void nccl_allreduce_average(NcclComm* c, float* device_ptr, size_t n, void* cuda_stream) {
  check_nccl(ncclAllReduce(device_ptr, device_ptr, n, ncclFloat32, ncclAvg, c->comm,
                           static_cast<cudaStream_t>(cuda_stream)),
             "ncclAllReduce");
}

void nccl_check_async(NcclComm* c) {
  ncclResult_t async = ncclSuccess;
  check_nccl(ncclCommGetAsyncError(c->comm, &async), "ncclCommGetAsyncError");
  if (async != ncclSuccess && async != ncclInProgress) {
    ncclCommAbort(c->comm);
    c->comm = nullptr;
    fail("NCCL asynchronous error (a peer rank failed or the network broke): ", ncclGetErrorString(async));
  }
}

void nccl_wait(NcclComm* c, void* cuda_stream, double timeout_s) {
  auto stream = static_cast<cudaStream_t>(cuda_stream);
  auto start = std::chrono::steady_clock::now();
  while (true) {
    cudaError_t q = cudaStreamQuery(stream);
    if (q == cudaSuccess) return;
    if (q != cudaErrorNotReady) check_cuda(q, "cudaStreamQuery");
    nccl_check_async(c);
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > timeout_s) {
      ncclCommAbort(c->comm);
      c->comm = nullptr;
      fail("NCCL all-reduce did not complete within ", timeout_s, " s; aborting the communicator");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

std::string nccl_version() {
  int v = 0;
  check_nccl(ncclGetVersion(&v), "ncclGetVersion");
  std::string s = cat(NCCL_MAJOR, ".", NCCL_MINOR, ".", NCCL_PATCH);
  // ncclGetVersion's code is major*10000 + minor*100 + patch since NCCL 2.9.
  const std::string loaded = cat(v / 10000, ".", (v / 100) % 100, ".", v % 100);
  if (loaded != s) s += cat(" (", loaded, " loaded)");
  return s;
}

}  // namespace charnn
