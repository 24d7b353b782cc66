// The recurrent cell of the model, as the `model` option and a checkpoint's
// model/type attribute spell it. Here, beside the model and below train/,
// so that the model and the sampler need nothing from the trainer.
#pragma once
#include <array>

#include "util/choice.h"

namespace charnn {

enum class CellType { Lstm, Gru, Rnn };

template <>
struct Choices<CellType> {
  static constexpr const char* key = "model";
  static constexpr std::array<const char*, 3> names{"lstm", "gru", "rnn"};
};

// Rows of W_ih and W_hh per hidden unit: 4 for an LSTM (gates i, f, g, o), 3
// for a GRU (r, z, n), 1 for a tanh RNN, in PyTorch's order.
constexpr int gate_count(CellType t) { return t == CellType::Lstm ? 4 : t == CellType::Gru ? 3 : 1; }

}  // namespace charnn
