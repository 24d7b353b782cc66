#include "parallel/nccl_lane.h"

#include "util/status.h"

#ifdef CHARNN_HAVE_NCCL
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime.h>

#include <vector>

#include "parallel/nccl_comm.h"
#endif

namespace charnn {

#ifdef CHARNN_HAVE_NCCL

struct NcclLane::Impl {
  NcclComm* comm = nullptr;
  cudaStream_t side = nullptr;
  // One per bucket (the side stream waits for its gradients), and last the
  // join of the side stream back into the compute stream.
  std::vector<cudaEvent_t> events;
};

namespace {
cudaStream_t compute_stream() { return c10::cuda::getCurrentCUDAStream().stream(); }
}  // namespace

std::unique_ptr<NcclLane> NcclLane::open(int rank, int world, int device, size_t buckets) {
  auto impl = std::make_unique<Impl>();
  std::unique_ptr<NcclLane> lane(new NcclLane(std::move(impl)));  // from here on, the destructor cleans up
  Impl& m = *lane->impl_;
  m.comm = nccl_init(rank, world, device);
  C10_CUDA_CHECK(cudaStreamCreateWithFlags(&m.side, cudaStreamNonBlocking));
  for (size_t i = 0; i <= buckets; ++i) {
    cudaEvent_t ev;
    C10_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
    m.events.push_back(ev);
  }
  return lane;
}

NcclLane::~NcclLane() {
  for (cudaEvent_t ev : impl_->events) C10_CUDA_CHECK_WARN(cudaEventDestroy(ev));
  if (impl_->side) C10_CUDA_CHECK_WARN(cudaStreamDestroy(impl_->side));
  nccl_destroy(impl_->comm);
}

void NcclLane::reduce(size_t bucket, float* p, size_t n) {
  // In a capture, this wait forks the side stream into the graph.
  C10_CUDA_CHECK(cudaEventRecord(impl_->events[bucket], compute_stream()));
  C10_CUDA_CHECK(cudaStreamWaitEvent(impl_->side, impl_->events[bucket], 0));
  nccl_allreduce_average(impl_->comm, p, n, impl_->side);
}

void NcclLane::join() {
  cudaEvent_t join = impl_->events.back();
  C10_CUDA_CHECK(cudaEventRecord(join, impl_->side));
  C10_CUDA_CHECK(cudaStreamWaitEvent(compute_stream(), join, 0));
}

void NcclLane::wait(double timeout_s) { nccl_wait(impl_->comm, compute_stream(), timeout_s); }

#else  // no NCCL in this build: a GPU run across ranks cannot reduce its gradients

struct NcclLane::Impl {};

std::unique_ptr<NcclLane> NcclLane::open(int, int, int, size_t) {
  fail("CUDA gradients across ranks need NCCL, but this charnn was built without it");
}
NcclLane::~NcclLane() = default;
void NcclLane::reduce(size_t, float*, size_t) {}
void NcclLane::join() {}
void NcclLane::wait(double) {}

#endif

NcclLane::NcclLane(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

}  // namespace charnn
