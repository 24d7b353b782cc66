#include "sample/gpu_sampler.h"

#ifdef CHARNN_HAVE_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "model/charrnn.h"
#include "sample/lstm_sample_kernels.h"
#include "gpu/gpu.h"
#include "util/log.h"
#include "util/status.h"

namespace charnn {

namespace {
constexpr int64_t kChunk = 64;  // characters per graph replay; even, so the state buffers end where they began
}

struct GpuLstmSampler::Impl {
  int64_t L = 0, H = 0, V = 0;
  torch::Device device;
  c10::cuda::CUDAStream stream;
  c10::cuda::CUDAStreamGuard guard;
  torch::Tensor proj0, dec_w, dec_b;
  std::vector<torch::Tensor> w_ih, bias, w_hh;
  std::vector<torch::Tensor> h[2], c[2];  // ping-pong state buffers per layer
  int p = 0;                              // which of the two holds the current state
  torch::Tensor token, counter, seed, inv_t, out;
  std::unique_ptr<at::cuda::CUDAGraph> graph;

  explicit Impl(torch::Device d) : device(d), stream(c10::cuda::getStreamFromPool(false, d.index())), guard(stream) {}

  void step_layers() {
    for (int64_t l = 0; l < L; ++l) {
      LstmLayerStep a;
      if (l == 0) {
        a.proj0 = proj0.data_ptr<float>();
        a.token = token.data_ptr<int64_t>();
      } else {
        a.w_ih = w_ih[l].data_ptr<float>();
        a.x = h[p ^ 1][l - 1].data_ptr<float>();  // the layer below, already advanced
        a.bias = bias[l].data_ptr<float>();
      }
      a.w_hh = w_hh[l].data_ptr<float>();
      a.h_in = h[p][l].data_ptr<float>();
      a.c_in = c[p][l].data_ptr<float>();
      a.h_out = h[p ^ 1][l].data_ptr<float>();
      a.c_out = c[p ^ 1][l].data_ptr<float>();
      a.hidden = static_cast<int>(H);
      launch_lstm_layer_step(a, stream.stream());
    }
    p ^= 1;
  }

  void decode(bool argmax, int64_t* slot) {
    DecodeDraw d;
    d.h = h[p][L - 1].data_ptr<float>();
    d.w = dec_w.data_ptr<float>();
    d.b = dec_b.data_ptr<float>();
    d.vocab = static_cast<int>(V);
    d.hidden = static_cast<int>(H);
    d.inv_temperature = inv_t.data_ptr<float>();
    d.seed = reinterpret_cast<const uint64_t*>(seed.data_ptr<int64_t>());
    d.counter = counter.data_ptr<int64_t>();
    d.argmax = argmax;
    d.token = token.data_ptr<int64_t>();
    d.out = slot;
    launch_decode_draw(d, stream.stream());
  }
};

std::unique_ptr<GpuLstmSampler> make_gpu_sampler(CharRNNImpl& model, torch::Device device) {
  if (!device.is_cuda() || model.spec().type != CellType::Lstm) return nullptr;
  return std::make_unique<GpuLstmSampler>(model, device);
}

GpuLstmSampler::GpuLstmSampler(CharRNNImpl& model, torch::Device device) : impl_(new Impl(device)) {
  torch::NoGradGuard no_grad;
  Impl& s = *impl_;
  const ModelSpec& spec = model.spec();
  if (spec.type != CellType::Lstm) fail("GPU sampling kernels are for LSTMs; this model is a ", spec.type);
  if (spec.vocab_size > kMaxDrawVocab)
    fail("GPU sampling handles vocabularies up to ", kMaxDrawVocab, " characters; this one has ", spec.vocab_size);
  s.L = spec.num_layers, s.H = spec.rnn_size, s.V = spec.vocab_size;
  auto params = model.named_parameters();
  auto get = [&](const std::string& name) {
    return params[name].detach().to(device, torch::kFloat32).contiguous().clone();
  };
  for (int64_t l = 0; l < s.L; ++l) {
    s.w_ih.push_back(get(cat("rnn.weight_ih_l", l)));
    s.w_hh.push_back(get(cat("rnn.weight_hh_l", l)));
    s.bias.push_back(get(cat("rnn.bias_ih_l", l)) + get(cat("rnn.bias_hh_l", l)));
    for (int k = 0; k < 2; ++k) {
      s.h[k].push_back(torch::zeros({s.H}, torch::TensorOptions().device(device)));
      s.c[k].push_back(torch::zeros({s.H}, torch::TensorOptions().device(device)));
    }
  }
  // The first layer's input projection of every character, biases included: a row lookup per character.
  s.proj0 = torch::addmm(s.bias[0], get("embedding.weight"), s.w_ih[0].t()).contiguous();
  s.dec_w = get("decoder.weight");
  s.dec_b = get("decoder.bias");
  auto i64 = torch::TensorOptions().dtype(torch::kLong).device(device);
  s.token = torch::zeros({1}, i64);
  s.counter = torch::zeros({1}, i64);
  s.seed = torch::zeros({1}, i64);
  s.out = torch::zeros({kChunk}, i64);
  s.inv_t = torch::ones({1}, torch::TensorOptions().device(device));
}

GpuLstmSampler::~GpuLstmSampler() {
  if (impl_) impl_->stream.synchronize();
}

bool GpuLstmSampler::graphed() const { return impl_->graph != nullptr; }

void GpuLstmSampler::start(uint64_t seed, double temperature, bool argmax) {
  Impl& s = *impl_;
  for (int k = 0; k < 2; ++k)
    for (int64_t l = 0; l < s.L; ++l) s.h[k][l].zero_(), s.c[k][l].zero_();
  s.p = 0;
  s.counter.zero_();
  s.seed.fill_(static_cast<int64_t>(seed));
  s.inv_t.fill_(1.0 / temperature);
  // The chunk graph bakes in argmax-or-draw; capture it (again) for this mode.
  s.graph.reset();
  auto g = std::make_unique<at::cuda::CUDAGraph>();
  try {
    s.stream.synchronize();
    g->capture_begin();
    for (int64_t i = 0; i < kChunk; ++i) {
      s.step_layers();
      s.decode(argmax, s.out.data_ptr<int64_t>() + i);
    }
    g->capture_end();
    s.graph = std::move(g);
  } catch (const std::exception& e) {
    // Without a graph the same kernels are launched one by one (generate).
    gpu::abandon_capture(s.stream.stream());
    (void)g.release();
    log::warn_rank("sampling without a CUDA graph: {}", e.what());
  }
  s.p = 0;  // capture launched nothing; the state is still the zero state in buffer 0
  argmax_ = argmax;
}

void GpuLstmSampler::feed(int64_t token) {
  Impl& s = *impl_;
  s.token.fill_(token);
  s.step_layers();
}

void GpuLstmSampler::set_token(int64_t token) { impl_->token.fill_(token); }

int64_t GpuLstmSampler::draw() {
  Impl& s = *impl_;
  s.decode(argmax_, nullptr);
  return s.token.item<int64_t>();
}

void GpuLstmSampler::generate(int64_t n, const std::function<void(const int64_t*, int64_t)>& emit) {
  Impl& s = *impl_;
  if (s.p != 0) {  // the graph starts from buffer 0
    for (int64_t l = 0; l < s.L; ++l) s.h[0][l].copy_(s.h[1][l]), s.c[0][l].copy_(s.c[1][l]);
    s.p = 0;
  }
  for (int64_t done = 0; done < n; done += kChunk) {
    if (s.graph) {
      s.graph->replay();
    } else {
      for (int64_t i = 0; i < kChunk; ++i) {
        s.step_layers();
        s.decode(argmax_, s.out.data_ptr<int64_t>() + i);
      }
    }
    torch::Tensor ids = s.out.to(torch::kCPU);
    emit(ids.data_ptr<int64_t>(), std::min(kChunk, n - done));
  }
}

}  // namespace charnn

#else  // a CPU-only LibTorch: Sampler never creates one; these keep the linker whole.
#include "util/status.h"

namespace charnn {
struct GpuLstmSampler::Impl {};
std::unique_ptr<GpuLstmSampler> make_gpu_sampler(CharRNNImpl&, torch::Device) { return nullptr; }
GpuLstmSampler::GpuLstmSampler(CharRNNImpl&, torch::Device) { fail("this charnn was built without CUDA"); }
GpuLstmSampler::~GpuLstmSampler() = default;
void GpuLstmSampler::start(uint64_t, double, bool) {}
void GpuLstmSampler::feed(int64_t) {}
void GpuLstmSampler::set_token(int64_t) {}
int64_t GpuLstmSampler::draw() { return 0; }
void GpuLstmSampler::generate(int64_t, const std::function<void(const int64_t*, int64_t)>&) {}
bool GpuLstmSampler::graphed() const { return false; }
}  // namespace charnn
#endif  // CHARNN_HAVE_CUDA
