// The char-rnn model family: embedding -> num_layers x (LSTM | GRU | tanh RNN)
// -> dropout -> linear decoder over the vocabulary. LibTorch's recurrent
// modules are used so CUDA runs cuDNN. Parameter names follow PyTorch
// (embedding.weight, rnn.weight_ih_l0, decoder.bias, ...) so checkpoints load
// into an equivalent torch.nn.Module by name.
#pragma once
#include <torch/torch.h>

#include <string>

#include "model/cell_type.h"
#include "model/init_scheme.h"

namespace charnn {

struct ModelSpec {
  CellType type = CellType::Lstm;
  int64_t vocab_size = 0;
  int64_t embedding_size = 64;
  int64_t rnn_size = 128;
  int64_t num_layers = 2;
  double dropout = 0.0;
};

// How many parameters the model of `spec` has (what CharRNN(spec) allocates),
// computed without building it: checked before building from untrusted values.
int64_t parameter_count(const ModelSpec& spec);

// Recurrent state carried between iterations: h (and c for LSTM), [layers, batch, rnn_size].
struct RnnState {
  torch::Tensor h, c;
  RnnState detached() const;
};

class CharRNNImpl : public torch::nn::Module {
 public:
  // Built with LibTorch's default init (the `pytorch` scheme).
  explicit CharRNNImpl(const ModelSpec& spec);
  // A new model's starting weights (model/init_scheme.h); draws no random numbers.
  void apply_init(InitScheme scheme);
  // x: [batch, time] int64 ids. Returns logits [batch, time, vocab] and the new state.
  std::pair<torch::Tensor, RnnState> forward(const torch::Tensor& x, const RnnState& state);
  RnnState zero_state(int64_t batch, torch::Device device) const;
  const ModelSpec& spec() const { return spec_; }
  // bf16 compute with fp32 weights (CUDA): each forward casts the weights, the
  // input and the state to bf16 through autograd (gradients land in the fp32
  // parameters), runs cuDNN in bf16 and returns fp32 logits and state, as
  // torch.autocast does. Off by default.
  void set_bf16(bool on) { bf16_ = on; }
  bool bf16() const { return bf16_; }

 private:
  std::pair<torch::Tensor, RnnState> forward_bf16(const torch::Tensor& emb, const RnnState& state);
  ModelSpec spec_;
  bool bf16_ = false;
  torch::nn::Embedding embedding_{nullptr};
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::GRU gru_{nullptr};
  torch::nn::RNN rnn_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear decoder_{nullptr};
};
TORCH_MODULE(CharRNN);

}  // namespace charnn
