#include "gpu/gpu.h"

#include <torch/torch.h>
#include <torch/version.h>

#ifdef CHARNN_HAVE_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime.h>
#endif

#include <cstdio>

#include "util/log.h"
#include "util/status.h"

namespace charnn::gpu {

namespace {
#ifdef CHARNN_HAVE_CUDA
void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) fail(what, ": ", cudaGetErrorString(e));
}

// ", CUDA 13.0, 1 GPU visible: ..." for the start line.
std::string cuda_summary() {
  int rt = 0;
  check(cudaRuntimeGetVersion(&rt), "cudaRuntimeGetVersion");
  const int n = visible_count();
  return cat(", CUDA ", rt / 1000, ".", (rt % 1000) / 10, ", ", n, " GPU", n == 1 ? "" : "s", " visible",
             n > 0 ? ": " + describe(0) : "");
}
#else
std::string cuda_summary() { return ", no CUDA"; }
#endif
}  // namespace

bool available() { return torch::cuda::is_available(); }

int visible_count() { return available() ? static_cast<int>(torch::cuda::device_count()) : 0; }

int choose_device(int local_rank, int local_size, int visible, std::string* why) {
  if (visible <= 0) {
    *why = "no GPU is visible to this process (CUDA_VISIBLE_DEVICES, driver) or this LibTorch has no CUDA";
    return -1;
  }
  if (visible >= local_size) return local_rank;  // every GPU visible: one per node-local rank
  if (visible == 1) return 0;                   // bound by the launcher: each rank sees its own GPU
  *why = cat(local_size, " ranks on this node but ", visible, " GPU(s) visible to each; either make every GPU "
             "visible to every rank (mpirun) or exactly one to each (srun --gpus-per-task=1 / --gpu-bind), or run "
             "at most ", visible, " ranks per node");
  return -1;
}

std::string runtime_summary() { return cat("LibTorch ", TORCH_VERSION, cuda_summary()); }

int resolve_device(DeviceChoice device, int local_rank, int local_size) {
  if (device == DeviceChoice::Cpu || (device == DeviceChoice::Auto && !available())) return -1;
  std::string why;
  const int index = choose_device(local_rank, local_size, visible_count(), &why);
  if (index < 0) fail("--device ", to_string(device), ": ", why);
  return index;
}

int resolve_device(const std::string& name, int local_rank, int local_size) {
  return resolve_device(parse_choice<DeviceChoice>(name, "--device"), local_rank, local_size);
}

#ifdef CHARNN_HAVE_CUDA
std::string bus_id(int index) {
  char id[64] = {0};
  check(cudaDeviceGetPCIBusId(id, sizeof id, index), "cudaDeviceGetPCIBusId");
  return id;
}

std::string describe(int index) {
  cudaDeviceProp p{};
  check(cudaGetDeviceProperties(&p, index), "cudaGetDeviceProperties");
  return cat(p.name, ", ", static_cast<long>(p.totalGlobalMem >> 30), " GiB, compute ", p.major, ".", p.minor);
}

double peak_allocated_mib(int index) {
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(index));
  return static_cast<double>(stats.allocated_bytes[0].peak) / (1 << 20);  // [0]: aggregate over pools
}

void reset_peak(int index) { c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(index)); }

void abandon_capture(void* stream) {
  auto warn = [](cudaError_t e, const char* what) {
    if (e != cudaSuccess) log::warn_rank("{}: {}", what, cudaGetErrorString(e));
  };
  auto s = static_cast<cudaStream_t>(stream);
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  warn(cudaStreamIsCapturing(s, &status), "cudaStreamIsCapturing");
  if (status != cudaStreamCaptureStatusNone) {
    cudaGraph_t broken = nullptr;
    cudaStreamEndCapture(s, &broken);  // fails by design (the capture was invalidated); the graph is what matters
    if (broken) warn(cudaGraphDestroy(broken), "cudaGraphDestroy");
  }
  (void)cudaGetLastError();  // clears the error the failed capture left
}

struct StepGraph::Impl {
  c10::cuda::CUDAStream stream;
  c10::cuda::CUDAStreamGuard guard;
  std::unique_ptr<at::cuda::CUDAGraph> graph;
  explicit Impl(int device)
      : stream(c10::cuda::getStreamFromPool(false, static_cast<c10::DeviceIndex>(device))), guard(stream) {}
};

StepGraph::StepGraph(int device_index) : device_(device_index) {
  if (device_index < 0) return;
  C10_CUDA_CHECK(cudaDeviceSynchronize());  // the new stream must see the weights' initial copies
  impl_ = std::make_unique<Impl>(device_index);
}

StepGraph::~StepGraph() {
  if (impl_) impl_->stream.synchronize();
}

bool StepGraph::capture(const std::function<void()>& body, std::string* why) {
  if (!impl_) {
    *why = "no CUDA device";
    return false;
  }
  impl_->stream.synchronize();
  auto g = std::make_unique<at::cuda::CUDAGraph>();
  try {
    g->capture_begin();
    body();
    g->capture_end();
    impl_->graph = std::move(g);
    return true;
  } catch (const std::exception& e) {
    // End the broken capture and leave the half-made graph alone (its
    // destructor would release a pool that was never finished); go on with a
    // fresh stream, whose guard restores the run's stream ordering.
    abandon_capture(impl_->stream.stream());
    (void)g.release();
    const std::string what = e.what();
    *why = what.substr(0, what.find('\n'));
    impl_.reset();
    impl_ = std::make_unique<Impl>(device_);
    return false;
  }
}

bool StepGraph::captured() const { return impl_ && impl_->graph; }
void StepGraph::replay() { impl_->graph->replay(); }
#else
std::string bus_id(int) { return "cpu"; }
std::string describe(int) { return "no GPU"; }
double peak_allocated_mib(int) { return 0; }
void reset_peak(int) {}
void abandon_capture(void*) {}

struct StepGraph::Impl {};
StepGraph::StepGraph(int device_index) : device_(device_index) {}
StepGraph::~StepGraph() = default;
bool StepGraph::capture(const std::function<void()>&, std::string* why) {
  *why = "this charnn was built without CUDA";
  return false;
}
bool StepGraph::captured() const { return false; }
void StepGraph::replay() {}
#endif

void set_math_mode(MathMode mode) {
  // PyTorch's defaults are TF32 off for cuBLAS and on for cuDNN; charnn's fp32
  // means fp32 everywhere, so both are set explicitly.
  const bool tf32 = mode == MathMode::TF32;
  at::globalContext().setAllowTF32CuBLAS(tf32);
  at::globalContext().setAllowTF32CuDNN(tf32);
}

}  // namespace charnn::gpu
