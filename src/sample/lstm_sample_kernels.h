// The two CUDA kernels of GPU sampling for LSTMs: one layer's step for one
// stream, and decoder + draw. A character is num_layers + 1 launches, and a
// CUDA graph replays 64 characters at a time (sample/sampler.cpp), so the
// per-character cost is a few microseconds of reading weights from the L2
// cache instead of the dozens of launches a framework loop makes.
// Plain pointers, no CUDA or LibTorch types: the sampler includes this.
#pragma once
#include <cstdint>

namespace charnn {

struct LstmLayerStep {
  // Layer input: row `*token` of `proj0` ([V, 4H], the first layer's input
  // projection with both biases folded in) when `proj0` is set; else
  // w_ih ([4H, H]) times `x` plus `bias` ([4H]).
  const float* proj0 = nullptr;
  const int64_t* token = nullptr;
  const float* w_ih = nullptr;
  const float* x = nullptr;
  const float* bias = nullptr;
  const float* w_hh = nullptr;  // [4H, H]; gate order i, f, g, o (PyTorch's)
  const float* h_in = nullptr;  // [H] state before the step
  const float* c_in = nullptr;
  float* h_out = nullptr;       // [H] state after (other buffers: blocks read h_in while others write)
  float* c_out = nullptr;
  int hidden = 0;
};

struct DecodeDraw {
  const float* h = nullptr;      // [H] top layer's output
  const float* w = nullptr;      // [V, H]
  const float* b = nullptr;      // [V]
  int vocab = 0, hidden = 0;
  const float* inv_temperature = nullptr;  // device scalar
  const uint64_t* seed = nullptr;          // device scalar
  int64_t* counter = nullptr;    // device scalar: characters drawn so far (the random stream's position)
  bool argmax = false;
  int64_t* token = nullptr;      // out: the character drawn
  int64_t* out = nullptr;        // out: also stored here (a slot of the chunk's buffer), if set
};

// Launch on `stream` (a cudaStream_t); fail() on a launch error.
void launch_lstm_layer_step(const LstmLayerStep& a, void* stream);
void launch_decode_draw(const DecodeDraw& a, void* stream);
// Largest vocabulary decode_draw handles (its logits live in shared memory).
constexpr int kMaxDrawVocab = 8192;

}  // namespace charnn
