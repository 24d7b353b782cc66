// What exists only with a CUDA LibTorch: which GPU a rank binds to, the
// numeric mode of the matrix units, GPU memory figures. Everything here
// compiles (and answers "no GPU") with a CPU-only LibTorch, so callers need
// no #ifdefs. No LibTorch types in this header: it is cheap to include.
#pragma once
#include <array>
#include <functional>
#include <memory>
#include <string>

#include "util/choice.h"

namespace charnn {
// Where a command computes: train's `device` option and the --device flags.
enum class DeviceChoice { Auto, Cpu, Cuda };
template <>
struct Choices<DeviceChoice> {
  static constexpr const char* key = "device";
  static constexpr std::array<const char*, 3> names{"auto", "cpu", "cuda"};
};
}  // namespace charnn

namespace charnn::gpu {

// True when this LibTorch has CUDA and a GPU is visible to this process.
bool available();
// GPUs visible to this process (after CUDA_VISIBLE_DEVICES); 0 without CUDA.
int visible_count();

// The device index a rank uses. Two layouts are valid on a node with
// `local_size` ranks: every GPU visible to every rank (mpirun; the rank takes
// GPU `local_rank`) or exactly one visible to each rank (srun --gpu-bind /
// --gpus-per-task: CUDA_VISIBLE_DEVICES names a different GPU per rank, so
// each takes device 0). Returns -1 and sets `why` for anything else.
int choose_device(int local_rank, int local_size, int visible, std::string* why);

// The device a tool runs on for `device`: -1 for the CPU, else a CUDA device
// index (choose_device's rule for the node-local rank). fail()s when cuda is
// asked for and none can be used. The string form reads a --device flag.
int resolve_device(DeviceChoice device, int local_rank, int local_size);
int resolve_device(const std::string& name, int local_rank, int local_size);

// A name for the physical GPU behind device `index` ("0000:41:00.0"), so that
// ranks can notice that they were bound to the same one.
std::string bus_id(int index);
// "NVIDIA H200, 139 GiB, compute 9.0".
std::string describe(int index);

// "LibTorch 2.11.0, CUDA 13.0, 1 GPU visible: NVIDIA H200, 139 GiB, compute 9.0"
// or "LibTorch 1.13.1, no CUDA" (charnn --version; the GPU tests read it).
std::string runtime_summary();

enum class MathMode { FP32, TF32 };
// fp32 matrix products and cuDNN RNNs in full fp32, or on TF32 tensor cores.
void set_math_mode(MathMode mode);

// Bytes the caching allocator handed out at its peak since the last reset, in MiB.
double peak_allocated_mib(int index);
void reset_peak(int index);
// After a CUDA-graph capture failed part-way: ends the broken capture on
// `stream` (a cudaStream_t), destroys the partial graph and clears the sticky
// error, so the same work can run without a graph. Cleanup failures are
// printed, not thrown: the caller is already handling an error.
void abandon_capture(void* stream);

// The stream a training step runs on, and its CUDA graph when one is
// captured. The stream is made current for the object's lifetime, so every
// other operation of the run (input copies, evaluation, the reducer's joins)
// is ordered with the replays without events. With a CPU-only LibTorch it is
// an empty shell: capture() answers false with the reason.
class StepGraph {
 public:
  explicit StepGraph(int device_index);
  ~StepGraph();  // waits for the stream: the graph's buffers outlive its last replay
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;

  // Captures `body` as one graph. On failure (something in the step cannot
  // be captured: a host synchronisation in some kernel of this LibTorch or
  // cuDNN) the broken capture is ended, the partial graph abandoned, the
  // stream replaced by a fresh one, and false returned with the first line of
  // the error in `why`; the caller then runs `body` eagerly.
  bool capture(const std::function<void()>& body, std::string* why);
  bool captured() const;
  void replay();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  [[maybe_unused]] int device_;  // CUDA builds: where a fresh stream is made after a failed capture
};

}  // namespace charnn::gpu
