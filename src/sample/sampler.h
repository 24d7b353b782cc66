// Text generation from a trained model, one character at a time, streamed.
// The recurrent step is computed directly on the weights with preallocated
// buffers (no autograd, no allocation per character); the first layer's input
// projection is precomputed for every token, so it is a row lookup.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <torch/types.h>
#include <vector>

#include "data/vocab.h"

namespace charnn {

class CharRNNImpl;

struct SampleOptions {
  int64_t length = 2000;  // characters to generate (after the primetext)
  double temperature = 1.0;
  int64_t top_k = 0;  // 0 = full distribution
  bool argmax = false;
  std::string primetext;
  uint64_t seed = 123;
  bool skip_unknown = false;  // drop primetext characters missing from the vocabulary
};

class GpuLstmSampler;

class Sampler {
 public:
  // On a CUDA `device`, LSTM models sample with GPU kernels (gpu_sampler.h),
  // except with top_k, which the CPU path does; other models use the CPU.
  Sampler(CharRNNImpl& model, const Vocab& vocab, torch::Device device = torch::kCPU);
  ~Sampler();
  // Emits the primetext, then `length` generated characters, through `emit`.
  // Returns everything emitted. Throws on primetext characters missing from the vocabulary.
  std::string generate(const SampleOptions& opt, const std::function<void(const std::string&)>& emit = nullptr);

  // Whether generate() runs on the GPU kernels for `opt` (else on the CPU).
  bool uses_gpu(const SampleOptions& opt) const;

  // The CPU step alone, for reading a model's state along a text (viz/trace.h):
  // reset_state() zeroes h and c; step(id) reads one token (an id of the
  // vocabulary); then logits() is the decoder output [vocab], hidden(l) and
  // cell(l) layer l's h and c [rnn_size] (cell: LSTM only, else nullptr).
  // generate() starts from its own reset, so the two may be mixed.
  void reset_state();
  void step(int64_t token);
  const float* logits() const;
  const float* hidden(int64_t layer) const;
  const float* cell(int64_t layer) const;

 private:
  std::vector<int64_t> prime_ids(const SampleOptions& opt) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<GpuLstmSampler> gpu_;
};

}  // namespace charnn
