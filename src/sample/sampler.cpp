#include "sample/sampler.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "model/charrnn.h"
#include "sample/gpu_sampler.h"
#include "util/status.h"

namespace charnn {

namespace {
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// Rows of W_ih and W_hh per hidden unit: the gates PyTorch stacks in them.
int gates_of(CellType cell) {
  switch (cell) {
    case CellType::Lstm: return 4;
    case CellType::Gru: return 3;
    case CellType::Rnn: return 1;
  }
  return 1;  // not reached: every cell is listed
}
}  // namespace

struct Sampler::Impl {
  ModelSpec spec;
  const Vocab* vocab;
  int gates = 4;  // gates_of(spec.type)
  // Per layer: weights on the CPU, contiguous.
  torch::Tensor input_proj0;  // [V, G*H]: embedding @ W_ih0^T + b_ih0 (+ b_hh0 for lstm/rnn)
  std::vector<torch::Tensor> w_ih, w_hh, b_ih, b_hh;
  torch::Tensor dec_w, dec_b;
  // State and scratch, allocated once.
  std::vector<torch::Tensor> h, c;
  torch::Tensor gx, gh, logits;
  std::vector<float> probs;
  std::vector<float> scratch;
  std::vector<int64_t> order;  // top_p: the candidates, most likely first

  void reset_state() {
    for (auto& t : h) t.zero_();
    for (auto& t : c) t.zero_();
  }

  // Advance one token; leaves the decoder output in `logits`. The cell type
  // is an enum held since construction: no string compare per character.
  void step(int64_t token) {
    for (int64_t l = 0; l < spec.num_layers; ++l) {
      if (l == 0) gx.copy_(input_proj0[token]);
      else torch::addmv_out(gx, b_ih[l], w_ih[l], h[l - 1]);
      switch (spec.type) {
        case CellType::Lstm: lstm_layer(l); break;
        case CellType::Gru: gru_layer(l); break;
        case CellType::Rnn: rnn_layer(l); break;
      }
    }
    torch::addmv_out(logits, dec_b, dec_w, h[spec.num_layers - 1]);
  }

  // One layer's update of h[l] (and c[l]) in place, gx holding its input projection.
  void lstm_layer(int64_t l) {
    const int64_t H = spec.rnn_size;
    gx.addmv_(w_hh[l], h[l]);  // biases were folded into gx
    const float* x = gx.data_ptr<float>();
    float *hp = h[l].data_ptr<float>(), *cp = c[l].data_ptr<float>();
    for (int64_t j = 0; j < H; ++j) {
      const float i = sigmoid(x[j]), f = sigmoid(x[H + j]);
      const float gg = std::tanh(x[2 * H + j]), o = sigmoid(x[3 * H + j]);
      cp[j] = f * cp[j] + i * gg;
      hp[j] = o * std::tanh(cp[j]);
    }
  }

  void gru_layer(int64_t l) {
    const int64_t H = spec.rnn_size;
    torch::addmv_out(gh, b_hh[l], w_hh[l], h[l]);  // kept apart: the reset gate scales its candidate part
    const float *x = gx.data_ptr<float>(), *g = gh.data_ptr<float>();
    float* hp = h[l].data_ptr<float>();
    for (int64_t j = 0; j < H; ++j) {
      const float r = sigmoid(x[j] + g[j]);
      const float z = sigmoid(x[H + j] + g[H + j]);
      const float n = std::tanh(x[2 * H + j] + r * g[2 * H + j]);
      hp[j] = (1.0f - z) * n + z * hp[j];
    }
  }

  void rnn_layer(int64_t l) {
    gx.addmv_(w_hh[l], h[l]);  // biases were folded into gx
    const float* x = gx.data_ptr<float>();
    float* hp = h[l].data_ptr<float>();
    for (int64_t j = 0; j < spec.rnn_size; ++j) hp[j] = std::tanh(x[j]);
  }

  int64_t pick(const SampleOptions& opt, std::mt19937_64& rng) {
    const float* z = logits.data_ptr<float>();
    const int64_t V = spec.vocab_size;
    if (opt.argmax) return std::max_element(z, z + V) - z;
    float cutoff = -INFINITY;
    if (opt.top_k > 0 && opt.top_k < V) {
      std::copy(z, z + V, scratch.begin());
      std::nth_element(scratch.begin(), scratch.begin() + (opt.top_k - 1), scratch.end(), std::greater<float>());
      cutoff = scratch[opt.top_k - 1];
    }
    const float zmax = *std::max_element(z, z + V);
    const double inv_t = 1.0 / opt.temperature;
    double sum = 0;
    for (int64_t k = 0; k < V; ++k) {
      probs[k] = z[k] >= cutoff ? static_cast<float>(std::exp((z[k] - zmax) * inv_t)) : 0.0f;
      sum += probs[k];
    }
    if (opt.top_p < 1) sum = keep_nucleus(opt.top_p, sum);  // after top-k: the two combine
    double u = std::uniform_real_distribution<double>(0.0, sum)(rng);
    for (int64_t k = 0; k < V; ++k) {
      u -= probs[k];
      if (u < 0) return k;
    }
    for (int64_t k = V; k-- > 0;)
      if (probs[k] > 0) return k;
    return 0;
  }

  // Zeroes the probabilities outside the nucleus: the fewest most likely
  // characters whose probabilities add up to >= p of `sum`. Ordered by logit
  // (ties by id), exact where tempered probabilities round to the same float,
  // so a tiny p picks what argmax does. Returns the kept sum: the draw scales
  // to it, which is the renormalisation.
  double keep_nucleus(double p, double sum) {
    const float* z = logits.data_ptr<float>();
    int64_t n = 0;
    for (int64_t k = 0; k < spec.vocab_size; ++k)
      if (probs[k] > 0) order[n++] = k;
    std::sort(order.begin(), order.begin() + n,
              [z](int64_t a, int64_t b) { return z[a] > z[b] || (z[a] == z[b] && a < b); });
    double kept = 0;
    int64_t i = 0;
    while (i < n && kept < p * sum) kept += probs[order[i++]];
    for (; i < n; ++i) probs[order[i]] = 0.0f;
    return kept;
  }

  // The model's own log-probability of `id` from `logits` (temperature 1, no
  // top-k or top-p): what --json's mean_logprob averages.
  double log_prob(int64_t id) const {
    const float* z = logits.data_ptr<float>();
    const double zmax = *std::max_element(z, z + spec.vocab_size);
    double sum = 0;
    for (int64_t k = 0; k < spec.vocab_size; ++k) sum += std::exp(z[k] - zmax);
    return z[id] - zmax - std::log(sum);
  }

  // Scores `ids`, generated after `context`, by stepping through them again: the
  // GPU path's text, whose kernels keep no probabilities. With no context the
  // first id was drawn uniformly, not predicted, and is not scored.
  void rescore(const std::vector<int64_t>& context, const std::vector<int64_t>& ids, SampleStats& stats) {
    reset_state();
    for (int64_t id : context) step(id);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0 || !context.empty()) {
        stats.logprob_sum += log_prob(ids[i]);
        ++stats.scored;
      }
      if (i + 1 < ids.size()) step(ids[i]);
    }
  }
};

Sampler::Sampler(CharRNNImpl& model, const Vocab& vocab, torch::Device device)
    : impl_(new Impl), gpu_(make_gpu_sampler(model, device)) {
  torch::NoGradGuard no_grad;
  Impl& s = *impl_;
  s.spec = model.spec();
  s.vocab = &vocab;
  if (s.spec.vocab_size != static_cast<int64_t>(vocab.size()))
    fail("model vocabulary (", s.spec.vocab_size, ") and vocabulary (", vocab.size(), ") differ");
  s.gates = gates_of(s.spec.type);
  auto params = model.named_parameters();
  auto get = [&](const std::string& name) { return params[name].detach().to(torch::kCPU).contiguous().clone(); };
  const int64_t L = s.spec.num_layers, H = s.spec.rnn_size, G = s.gates;
  for (int64_t l = 0; l < L; ++l) {
    s.w_ih.push_back(get(cat("rnn.weight_ih_l", l)));
    s.w_hh.push_back(get(cat("rnn.weight_hh_l", l)));
    torch::Tensor bi = get(cat("rnn.bias_ih_l", l)), bh = get(cat("rnn.bias_hh_l", l));
    if (s.spec.type == CellType::Gru) {
      s.b_ih.push_back(bi);
      s.b_hh.push_back(bh);
    } else {
      s.b_ih.push_back(bi + bh);  // both biases add to the same pre-activation
      s.b_hh.push_back(torch::Tensor());
    }
    s.h.push_back(torch::zeros({H}));
    s.c.push_back(torch::zeros({H}));
  }
  s.input_proj0 = torch::addmm(s.b_ih[0], get("embedding.weight"), s.w_ih[0].t()).contiguous();
  s.dec_w = get("decoder.weight");
  s.dec_b = get("decoder.bias");
  s.gx = torch::zeros({G * H});
  s.gh = torch::zeros({G * H});
  s.logits = torch::zeros({s.spec.vocab_size});
  s.probs.resize(s.spec.vocab_size);
  s.scratch.resize(s.spec.vocab_size);
  s.order.resize(s.spec.vocab_size);
}

Sampler::~Sampler() = default;

bool Sampler::uses_gpu(const SampleOptions& opt) const { return gpu_ && opt.top_k == 0 && opt.top_p >= 1; }

std::vector<int64_t> Sampler::prime_ids(const SampleOptions& opt) const {
  return ids_of_text(*impl_->vocab, opt.primetext, "--primetext", opt.skip_unknown);
}

std::string Sampler::generate(const SampleOptions& opt, const std::function<void(const std::string&)>& emit,
                              SampleStats* stats) {
  torch::NoGradGuard no_grad;
  Impl& s = *impl_;
  const Vocab& vocab = *s.vocab;
  if (!(opt.temperature > 0)) fail("--temperature ", opt.temperature, ": expected a number > 0");
  if (opt.top_k < 0) fail("--top-k ", opt.top_k, ": expected >= 0");
  if (!(opt.top_p > 0 && opt.top_p <= 1)) fail("--top-p ", opt.top_p, ": expected a number > 0 and <= 1 (1 = off)");
  const std::vector<int64_t> prime = prime_ids(opt);

  std::mt19937_64 rng(opt.seed);
  std::string out;
  auto put = [&](int64_t id) {
    std::string t = vocab.text(id);
    out += t;
    if (emit) emit(t);
  };
  const bool gpu = uses_gpu(opt);
  if (stats) *stats = SampleStats{};
  std::vector<int64_t> context, generated;  // the GPU path's text, scored at the end
  // A generated character; on the CPU path `logits` are still those it was drawn from.
  auto put_drawn = [&](int64_t id, bool predicted) {
    put(id);
    if (!stats) return;
    if (gpu) {
      generated.push_back(id);
    } else if (predicted) {
      stats->logprob_sum += s.log_prob(id);
      ++stats->scored;
    }
  };
  // The model steps on the first characters (a newline when there is no
  // primetext and the vocabulary has one, so text starts as at a line start).
  auto feed = [&](int64_t id) {
    if (stats && gpu) context.push_back(id);
    gpu ? gpu_->feed(id) : s.step(id);
  };
  auto draw = [&]() { return gpu ? gpu_->draw() : s.pick(opt, rng); };
  if (gpu) gpu_->start(opt.seed, opt.temperature, opt.argmax);
  else s.reset_state();
  int64_t next;
  bool predicted = true;
  if (prime.empty()) {
    int64_t nl = vocab.id_of('\n');
    if (nl >= 0) {
      feed(nl);
      next = draw();
    } else {
      next = std::uniform_int_distribution<int64_t>(0, s.spec.vocab_size - 1)(rng);
      predicted = false;
    }
  } else {
    for (int64_t id : prime) {
      put(id);
      feed(id);
    }
    next = draw();
  }
  if (opt.length == 0) return out;
  put_drawn(next, predicted);
  if (gpu) {
    gpu_->set_token(next);  // a no-op after draw(); the uniform first draw was made here
    gpu_->generate(opt.length - 1, [&](const int64_t* ids, int64_t n) {
      for (int64_t i = 0; i < n; ++i) put_drawn(ids[i], true);
    });
    if (stats) s.rescore(context, generated, *stats);
    return out;
  }
  for (int64_t i = 1; i < opt.length; ++i) {
    s.step(next);
    next = s.pick(opt, rng);
    put_drawn(next, true);
  }
  return out;
}

void Sampler::reset_state() { impl_->reset_state(); }

void Sampler::step(int64_t token) {
  if (token < 0 || token >= impl_->spec.vocab_size)
    fail("token id ", token, " is outside the vocabulary [0, ", impl_->spec.vocab_size, ")");
  torch::NoGradGuard no_grad;
  impl_->step(token);
}

const float* Sampler::logits() const { return impl_->logits.data_ptr<float>(); }

const float* Sampler::hidden(int64_t layer) const { return impl_->h.at(layer).data_ptr<float>(); }

const float* Sampler::cell(int64_t layer) const {
  return impl_->spec.type == CellType::Lstm ? impl_->c.at(layer).data_ptr<float>() : nullptr;
}

}  // namespace charnn
