#include "viz/trace.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "model/charrnn.h"
#include "sample/sampler.h"
#include "util/status.h"

namespace charnn {

std::string Trace::series_name(size_t s) const {
  const size_t per_layer = static_cast<size_t>(rnn_size) * states.size();
  const size_t layer = s / per_layer, state = (s % per_layer) / static_cast<size_t>(rnn_size);
  return cat("L", layer + 1, ".", states.at(state), ".", s % static_cast<size_t>(rnn_size));
}

int64_t Trace::series_index(const std::string& name) const {
  for (size_t s = 0; s < series_count(); ++s)
    if (series_name(s) == name) return static_cast<int64_t>(s);
  return -1;
}

std::vector<float> Trace::series(size_t s) const {
  std::vector<float> out(n);
  const uint8_t* q = act.data() + s * n;
  for (size_t i = 0; i < n; ++i) out[i] = dequantise(q[i]);
  return out;
}

namespace {

// Softmax of `z` in double: the top guesses into `ids`/`p` and ln of the normaliser.
double softmax_top(const float* z, int64_t V, int32_t* ids, float* p, std::vector<int32_t>& order) {
  const double zmax = *std::max_element(z, z + V);
  double sum = 0;
  for (int64_t k = 0; k < V; ++k) sum += std::exp(static_cast<double>(z[k]) - zmax);
  const double log_norm = zmax + std::log(sum);
  std::iota(order.begin(), order.end(), 0);
  const int64_t top = std::min<int64_t>(Trace::kTop, V);
  std::partial_sort(order.begin(), order.begin() + top, order.end(),
                    [z](int32_t a, int32_t b) { return z[a] > z[b] || (z[a] == z[b] && a < b); });
  for (int k = 0; k < Trace::kTop; ++k) {
    ids[k] = k < top ? order[k] : -1;
    p[k] = k < top ? static_cast<float>(std::exp(z[order[k]] - log_norm)) : 0.0f;
  }
  return log_norm;
}

}  // namespace

Trace trace_text(CharRNNImpl& model, const Vocab& vocab, const std::vector<int64_t>& ids) {
  if (ids.empty()) fail("nothing to trace: the text has no characters");
  const ModelSpec& spec = model.spec();
  Trace t;
  t.cell_type = spec.type;
  t.layers = spec.num_layers;
  t.rnn_size = spec.rnn_size;
  t.vocab_size = spec.vocab_size;
  t.states = spec.type == CellType::Lstm ? std::vector<std::string>{"c", "h"} : std::vector<std::string>{"h"};
  t.n = ids.size();
  const size_t n = t.n, H = static_cast<size_t>(spec.rnn_size), S = t.series_count();
  t.act.resize(S * n);
  t.top_ids.resize(n * Trace::kTop);
  t.top_p.resize(n * Trace::kTop);
  t.surprise.assign(n, std::numeric_limits<float>::quiet_NaN());
  std::vector<int32_t> order(static_cast<size_t>(spec.vocab_size));

  Sampler sampler(model, vocab);  // CPU: the trace reads the state after every character
  sampler.reset_state();
  for (size_t i = 0; i < n; ++i) {
    sampler.step(ids[i]);
    size_t s = 0;
    for (int64_t l = 0; l < spec.num_layers; ++l) {
      for (const std::string& st : t.states) {
        const bool c = st == "c";
        const float* v = c ? sampler.cell(l) : sampler.hidden(l);
        for (size_t k = 0; k < H; ++k, ++s) t.act[s * n + i] = quantise(c ? std::tanh(v[k]) : v[k]);
      }
    }
    const float* z = sampler.logits();
    const double log_norm = softmax_top(z, spec.vocab_size, &t.top_ids[i * Trace::kTop], &t.top_p[i * Trace::kTop], order);
    if (i + 1 < n) t.surprise[i + 1] = static_cast<float>(log_norm - z[ids[i + 1]]);
  }
  return t;
}

}  // namespace charnn
