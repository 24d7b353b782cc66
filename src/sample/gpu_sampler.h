// LSTM sampling on a GPU (CUDA builds only): the state stays on the device,
// a character is num_layers + 1 kernels (lstm_sample_kernels.h), and 64
// characters are replayed at a time from a CUDA graph; the host reads back
// one small buffer per 64 characters. Draws use a counter-based generator on
// the device, so a seed gives the same text on every run (but not the same
// text as the CPU sampler, whose generator is mt19937).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>

#include <torch/torch.h>

namespace charnn {

class CharRNNImpl;

class GpuLstmSampler;

// The GPU sampler for `model` where there is one (a CUDA build, an LSTM on a
// CUDA device); null otherwise, and the CPU path samples.
std::unique_ptr<GpuLstmSampler> make_gpu_sampler(CharRNNImpl& model, torch::Device device);

class GpuLstmSampler {
 public:
  GpuLstmSampler(CharRNNImpl& model, torch::Device device);
  ~GpuLstmSampler();
  // Zero state; the random stream restarts at `seed`.
  void start(uint64_t seed, double temperature, bool argmax);
  void feed(int64_t token);  // advance the state by one input character
  int64_t draw();            // draw the next character from the current state
  void set_token(int64_t token);  // make `token` the last drawn character
  // Feeds the last drawn character and draws the next, `n` times; `emit` gets
  // the characters a chunk at a time.
  void generate(int64_t n, const std::function<void(const int64_t*, int64_t)>& emit);
  bool graphed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  [[maybe_unused]] bool argmax_ = false;  // used by CUDA builds only
};

}  // namespace charnn
