#include "gpu/gpu.h"

#include <torch/torch.h>
#include <torch/version.h>

#ifdef CHARNN_HAVE_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime.h>
#endif

#include <cstdio>

#include "util/log.h"
#include "util/status.h"

namespace charnn::gpu {

#ifdef CHARNN_HAVE_CUDA
namespace {
void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) fail(what, ": ", cudaGetErrorString(e));
}
}  // namespace
#endif

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

std::string runtime_summary() {
  std::string s = cat("LibTorch ", TORCH_VERSION);
#ifdef CHARNN_HAVE_CUDA
  int rt = 0;
  check(cudaRuntimeGetVersion(&rt), "cudaRuntimeGetVersion");
  s += cat(", CUDA ", rt / 1000, ".", (rt % 1000) / 10);
  const int n = visible_count();
  s += cat(", ", n, " GPU", n == 1 ? "" : "s", " visible");
  if (n > 0) s += ": " + describe(0);
#else
  s += ", no CUDA";
#endif
  return s;
}

int resolve_device(const std::string& name, int local_rank, int local_size) {
  if (name != "auto" && name != "cpu" && name != "cuda") fail("--device ", quoted(name), ": expected auto, cpu or cuda");
  if (name == "cpu" || (name == "auto" && !available())) return -1;
  std::string why;
  const int index = choose_device(local_rank, local_size, visible_count(), &why);
  if (index < 0) fail("--device ", name, ": ", why);
  return index;
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
#else
std::string bus_id(int) { return "cpu"; }
std::string describe(int) { return "no GPU"; }
double peak_allocated_mib(int) { return 0; }
void reset_peak(int) {}
void abandon_capture(void*) {}
#endif

void set_math_mode(MathMode mode) {
  // PyTorch's defaults are TF32 off for cuBLAS and on for cuDNN; charnn's fp32
  // means fp32 everywhere, so both are set explicitly.
  const bool tf32 = mode == MathMode::TF32;
  at::globalContext().setAllowTF32CuBLAS(tf32);
  at::globalContext().setAllowTF32CuDNN(tf32);
}

}  // namespace charnn::gpu
