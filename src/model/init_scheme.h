// How a new model's weights start (the `init` option). Both schemes draw the
// same random numbers (LibTorch's default uniform init); they differ only in
// the LSTM forget-gate bias, which charrnn sets to 1 as char-rnn's train.lua
// did. With Adam and a learned embedding that costs ~0.08 nats at 1,000
// iterations on tiny-shakespeare (docs/performance.md), so pytorch is the default.
#pragma once
#include <array>

#include "util/choice.h"

namespace charnn {

enum class InitScheme { PyTorch, CharRnn };

template <>
struct Choices<InitScheme> {
  static constexpr const char* key = "init";
  static constexpr std::array<const char*, 2> names{"pytorch", "charrnn"};
};

}  // namespace charnn
