// src/viz/trace: running a model over a text from the zero state and keeping
// what `charnn neurons` shows: every cell's activation after every character
// (one byte each) and the model's prediction there (its top guesses and the
// surprise of the character that came). This is the one place that runs a
// model for the pages; the recurrent step itself is the sampler's
// (Sampler::step, sample/sampler.h), so the cell maths exist once.
// The header needs no LibTorch.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/vocab.h"
#include "model/cell_type.h"

namespace charnn {

class CharRNNImpl;

// Activations in [-1, 1] as one byte: 0..254, 127 is exactly 0, steps of 1/127.
// h is in [-1, 1] already (o * tanh(c), or tanh, or a mix of tanh values); the
// cell state c of an LSTM is unbounded and is kept as tanh(c).
inline uint8_t quantise(float v) {
  const float q = std::nearbyint((v + 1.0f) * 127.0f);
  if (std::isnan(q)) return 127;  // not from a finite model; shown as 0
  return static_cast<uint8_t>(q < 0 ? 0 : q > 254 ? 254 : q);
}
inline float dequantise(uint8_t q) { return static_cast<float>(q) / 127.0f - 1.0f; }

struct Trace {
  static constexpr int kTop = 5;  // guesses kept per position
  CellType cell_type = CellType::Lstm;
  int64_t layers = 0, rnn_size = 0, vocab_size = 0;
  std::vector<std::string> states;  // {"c", "h"} for an LSTM, {"h"} otherwise
  size_t n = 0;                     // characters traced

  // Series s = (layer * states.size() + state) * rnn_size + cell, 0-based.
  size_t series_count() const { return static_cast<size_t>(layers * rnn_size) * states.size(); }
  // "L1.c.42": layer numbered from 1, state, cell numbered from 0 (the view's name in the page).
  std::string series_name(size_t s) const;
  // The series named `name`, or -1.
  int64_t series_index(const std::string& name) const;

  std::vector<uint8_t> act;       // [series][n]: quantise(value after character i)
  std::vector<int32_t> top_ids;   // [n][kTop]: the most likely next characters after character i
  std::vector<float> top_p;       //   and their probabilities, descending
  std::vector<float> surprise;    // [n]: -ln p(character i | the ones before); NaN at 0 (nothing predicts it)

  // Values of one series, dequantised.
  std::vector<float> series(size_t s) const;
};

// Runs `model` over `ids` (ids of `vocab`, at least one) on the CPU, from the zero state.
Trace trace_text(CharRNNImpl& model, const Vocab& vocab, const std::vector<int64_t>& ids);

}  // namespace charnn
