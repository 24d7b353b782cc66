#include "model/charrnn.h"

namespace charnn {

int64_t parameter_count(const ModelSpec& s) {
  const int64_t gates = gate_count(s.type);
  const int64_t H = s.rnn_size, E = s.embedding_size, V = s.vocab_size;
  int64_t n = V * E + H * V + V;  // embedding, decoder
  for (int64_t l = 0; l < s.num_layers; ++l) n += gates * H * ((l == 0 ? E : H) + H + 2);  // W_ih, W_hh, b_ih, b_hh
  return n;
}

RnnState RnnState::detached() const {
  RnnState s;
  if (h.defined()) s.h = h.detach();
  if (c.defined()) s.c = c.detach();
  return s;
}

CharRNNImpl::CharRNNImpl(const ModelSpec& spec) : spec_(spec) {
  embedding_ = register_module("embedding", torch::nn::Embedding(spec.vocab_size, spec.embedding_size));
  // LibTorch applies `dropout` between stacked layers (not after the last).
  const double between = spec.num_layers > 1 ? spec.dropout : 0.0;
  switch (spec.type) {
    case CellType::Lstm:
      lstm_ = register_module("rnn", torch::nn::LSTM(torch::nn::LSTMOptions(spec.embedding_size, spec.rnn_size)
                                                         .num_layers(spec.num_layers)
                                                         .dropout(between)
                                                         .batch_first(true)));
      break;
    case CellType::Gru:
      gru_ = register_module("rnn", torch::nn::GRU(torch::nn::GRUOptions(spec.embedding_size, spec.rnn_size)
                                                       .num_layers(spec.num_layers)
                                                       .dropout(between)
                                                       .batch_first(true)));
      break;
    case CellType::Rnn:
      rnn_ = register_module("rnn", torch::nn::RNN(torch::nn::RNNOptions(spec.embedding_size, spec.rnn_size)
                                                       .num_layers(spec.num_layers)
                                                       .dropout(between)
                                                       .nonlinearity(torch::kTanh)
                                                       .batch_first(true)));
      break;
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(spec.dropout));
  decoder_ = register_module("decoder", torch::nn::Linear(spec.rnn_size, spec.vocab_size));
}

void CharRNNImpl::apply_init(InitScheme scheme) {
  if (scheme != InitScheme::CharRnn || !lstm_) return;  // pytorch: the modules' own init, as built
  // char-rnn's forget-gate bias of 1. PyTorch's gate order is input, forget,
  // cell, output; the two bias vectors are summed, so the 1 goes in bias_ih.
  torch::NoGradGuard no_grad;
  const int64_t H = spec_.rnn_size;
  for (auto& p : lstm_->named_parameters()) {
    if (p.key().rfind("bias_ih", 0) == 0) p.value().narrow(0, H, H).fill_(1.0);
    if (p.key().rfind("bias_hh", 0) == 0) p.value().narrow(0, H, H).fill_(0.0);
  }
}

std::pair<torch::Tensor, RnnState> CharRNNImpl::forward(const torch::Tensor& x, const RnnState& state) {
  // On CUDA the lookup is an index_select: its backward is an index_add_
  // (atomics, no host synchronisation), while embedding's CUDA backward sorts
  // the indices and, for large batches, waits on the host — which a CUDA
  // graph cannot capture. Same values either way.
  torch::Tensor emb = x.is_cuda() ? embedding_->weight.index_select(0, x.reshape({-1})).view({x.size(0), x.size(1), -1})
                                  : embedding_->forward(x);
  if (bf16_) return forward_bf16(emb, state);
  torch::Tensor out;
  RnnState next;
  if (lstm_) {
    auto r = lstm_->forward(emb, std::make_tuple(state.h, state.c));
    out = std::get<0>(r);
    next.h = std::get<0>(std::get<1>(r));
    next.c = std::get<1>(std::get<1>(r));
  } else if (gru_) {
    auto r = gru_->forward(emb, state.h);
    out = std::get<0>(r);
    next.h = std::get<1>(r);
  } else {
    auto r = rnn_->forward(emb, state.h);
    out = std::get<0>(r);
    next.h = std::get<1>(r);
  }
  return {decoder_->forward(dropout_->forward(out)), next};
}

std::pair<torch::Tensor, RnnState> CharRNNImpl::forward_bf16(const torch::Tensor& emb, const RnnState& state) {
  const auto bf = torch::kBFloat16;
  std::vector<torch::Tensor> weights;
  torch::nn::Module& rnn = lstm_ ? static_cast<torch::nn::Module&>(*lstm_)
                                 : gru_ ? static_cast<torch::nn::Module&>(*gru_) : *rnn_;
  for (auto& p : rnn.parameters()) weights.push_back(p.to(bf));  // gate order as cuDNN wants it
  const double between = spec_.num_layers > 1 ? spec_.dropout : 0.0;
  const bool train = is_training();
  torch::Tensor in = emb.to(bf), out;
  RnnState next;
  if (lstm_) {
    auto r = torch::lstm(in, {state.h.to(bf), state.c.to(bf)}, weights, true, spec_.num_layers, between, train, false,
                         true);
    out = std::get<0>(r);
    next.h = std::get<1>(r).to(torch::kFloat32);
    next.c = std::get<2>(r).to(torch::kFloat32);
  } else {
    auto r = gru_ ? torch::gru(in, state.h.to(bf), weights, true, spec_.num_layers, between, train, false, true)
                  : torch::rnn_tanh(in, state.h.to(bf), weights, true, spec_.num_layers, between, train, false, true);
    out = std::get<0>(r);
    next.h = std::get<1>(r).to(torch::kFloat32);
  }
  out = dropout_->forward(out);
  torch::Tensor logits = torch::nn::functional::linear(out, decoder_->weight.to(bf), decoder_->bias.to(bf));
  return {logits.to(torch::kFloat32), next};  // the loss (log-softmax) is computed in fp32, as under autocast
}

RnnState CharRNNImpl::zero_state(int64_t batch, torch::Device device) const {
  auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  RnnState s;
  s.h = torch::zeros({spec_.num_layers, batch, spec_.rnn_size}, opts);
  if (spec_.type == CellType::Lstm) s.c = torch::zeros({spec_.num_layers, batch, spec_.rnn_size}, opts);
  return s;
}

}  // namespace charnn
