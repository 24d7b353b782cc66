// Text generation from a trained model, one character at a time, streamed.
// The recurrent step is computed directly on the weights with preallocated
// buffers (no autograd, no allocation per character); the first layer's input
// projection is precomputed for every token, so it is a row lookup.
#pragma once
#include <cmath>
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
  // Nucleus sampling: only the most likely characters whose probabilities (after
  // temperature and top_k) add up to >= top_p, renormalised. 1 = off.
  double top_p = 1.0;
  bool argmax = false;
  std::string primetext;
  uint64_t seed = 123;
  bool skip_unknown = false;  // drop primetext characters missing from the vocabulary
};

// What generate() measured besides the text, when asked for.
struct SampleStats {
  // Generated characters the model predicted: all of them, except a first one
  // drawn uniformly (no primetext and no newline in the vocabulary).
  int64_t scored = 0;
  // Sum of the natural-log probabilities the model gave them at temperature 1
  // (its own distribution, not the tempered or truncated one drawn from).
  double logprob_sum = 0;
  double mean_logprob() const { return scored > 0 ? logprob_sum / static_cast<double>(scored) : std::nan(""); }
};

class GpuLstmSampler;

class Sampler {
 public:
  // On a CUDA `device`, LSTM models sample with GPU kernels (gpu_sampler.h),
  // except with top_k or top_p, which the CPU path does; other models use the CPU.
  Sampler(CharRNNImpl& model, const Vocab& vocab, torch::Device device = torch::kCPU);
  ~Sampler();
  // Emits the primetext, then `length` generated characters, through `emit`.
  // Returns everything emitted. Throws on primetext characters missing from the vocabulary.
  // With `stats`, also scores the generated characters (on the GPU path the text is
  // then stepped through again on the CPU: the kernels keep no probabilities).
  std::string generate(const SampleOptions& opt, const std::function<void(const std::string&)>& emit = nullptr,
                       SampleStats* stats = nullptr);

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
