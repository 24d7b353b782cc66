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

}  // namespace charnn
