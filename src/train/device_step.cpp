#include "train/device_step.h"

#ifdef CHARNN_HAVE_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime.h>
#endif

#include "gpu/gpu.h"
#include "util/status.h"

namespace charnn {

namespace {
// Steps whose losses can wait on the device before the host must read them.
constexpr int64_t kHistory = 4096;
}  // namespace

#ifdef CHARNN_HAVE_CUDA
// A graph is captured on, and replayed from, a stream of its own; every other
// operation of the run (input copies, evaluation) goes to the same stream so
// that it is ordered with the replays without events.
struct DeviceStep::Cuda {
  c10::cuda::CUDAStream stream;
  c10::cuda::CUDAStreamGuard guard;
  std::unique_ptr<at::cuda::CUDAGraph> graph;
  explicit Cuda(torch::Device d)
      : stream(c10::cuda::getStreamFromPool(false, d.index())), guard(stream) {}
};
#else
struct DeviceStep::Cuda {};
#endif

DeviceStep::DeviceStep(CharRNNImpl& model, FlatParams& fp, OptimizerState& opt, const TrainConfig& cfg,
                       RnnState& state, int64_t iter, torch::Device device, bool graph)
    : model_(model), fp_(fp), opt_(opt), cfg_(cfg), state_(state), device_(device) {
  const int64_t B = cfg.batch_size, T = cfg.seq_length;
  auto ids = torch::TensorOptions().dtype(torch::kLong).device(device);
  x_ = torch::zeros({B, T}, ids);
  y_ = torch::zeros({B * T}, ids);
  history_ = torch::zeros({kHistory, 2}, torch::TensorOptions().dtype(torch::kFloat32).device(device));
  s_ = make_device_scalars(opt, iter, device);
  // The state tensors become buffers of this step, updated in place.
  state_.h = state_.h.detach().clone();
  if (state_.c.defined()) state_.c = state_.c.detach().clone();
  if (graph && device.is_cuda()) capture();
}

DeviceStep::~DeviceStep() {
#ifdef CHARNN_HAVE_CUDA
  if (cuda_) cuda_->stream.synchronize();
#endif
}

void DeviceStep::body() {
  fp_.grad.zero_();
  auto [logits, next] = model_.forward(x_, state_);
  torch::Tensor loss = torch::nn::functional::cross_entropy(logits.reshape({-1, model_.spec().vocab_size}), y_);
  loss.backward();
  {
    torch::NoGradGuard no_grad;
    state_.h.copy_(next.h.detach());
    if (state_.c.defined()) state_.c.copy_(next.c.detach());
  }
  guarded_update(cfg_, opt_, fp_, s_, loss);
}

void DeviceStep::capture() {
#ifdef CHARNN_HAVE_CUDA
  C10_CUDA_CHECK(cudaDeviceSynchronize());  // the new stream must see the weights' initial copies
  cuda_ = std::make_unique<Cuda>(device_);
  // Warm-up on the capture stream with updates disabled: cuDNN, cuBLAS and
  // autograd make their one-time allocations and handles outside the capture.
  // The hidden state and the dropout RNG are put back afterwards.
  torch::Tensor h0 = state_.h.clone(), c0 = state_.c.defined() ? state_.c.clone() : torch::Tensor();
  at::Generator gen = at::globalContext().defaultGenerator(device_);
  torch::Tensor rng;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    rng = gen.get_state();
  }
  s_.enable.fill_(false);
  for (int i = 0; i < 3; ++i) body();
  s_.enable.fill_(true);
  auto restore = [&] {
    torch::NoGradGuard no_grad;
    state_.h.copy_(h0);
    if (c0.defined()) state_.c.copy_(c0);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng);
  };
  restore();
  cuda_->stream.synchronize();
  auto g = std::make_unique<at::cuda::CUDAGraph>();
  try {
    g->capture_begin();
    body();
    g->capture_end();
    cuda_->graph = std::move(g);
    graphed_ = true;
  } catch (const std::exception& e) {
    // Something in the step cannot be captured (a host synchronisation in
    // some kernel of this LibTorch/cuDNN): end the broken capture, leave the
    // half-made graph alone (its destructor would release a pool that was
    // never finished) and continue without a graph on a fresh stream.
    gpu::abandon_capture(cuda_->stream.stream());
    (void)g.release();
    std::string why = e.what();
    graph_note_ = why.substr(0, why.find('\n'));
    cuda_.reset();
    cuda_ = std::make_unique<Cuda>(device_);
    restore();
  }
#endif
}

void DeviceStep::run(const Batch& b, double lr) {
  const int64_t B = cfg_.batch_size, T = cfg_.seq_length;
  torch::Tensor hx = torch::from_blob(const_cast<int64_t*>(b.x.data()), {B, T}, torch::kLong);
  torch::Tensor hy = torch::from_blob(const_cast<int64_t*>(b.y.data()), {B * T}, torch::kLong);
  if (device_.is_cuda()) {
    // Pinned copies make the uploads asynchronous; the host allocator keeps
    // each pinned block until its copy has completed.
    x_.copy_(hx.pin_memory(), /*non_blocking=*/true);
    y_.copy_(hy.pin_memory(), /*non_blocking=*/true);
  } else {
    x_.copy_(hx);
    y_.copy_(hy);
  }
  s_.lr.fill_(lr);
#ifdef CHARNN_HAVE_CUDA
  if (graphed_) cuda_->graph->replay();
  else body();
#else
  body();
#endif
  opt_.step += 1;
  history_.select(0, pending_).copy_(s_.out, /*non_blocking=*/true);
  if (++pending_ == kHistory) flush();
}

void DeviceStep::flush() {
  if (pending_ == 0) return;
  torch::Tensor h = history_.narrow(0, 0, pending_).to(torch::kCPU).contiguous();
  const float* p = h.data_ptr<float>();
  for (int64_t i = 0; i < pending_; ++i) {
    window_.losses.push_back(p[2 * i]);
    window_.grad_norms.push_back(p[2 * i + 1]);
  }
  pending_ = 0;
}

DeviceStep::Window DeviceStep::drain() {
  flush();
  const double bad = s_.bad_iter.item<double>();
  Window w = std::move(window_);
  window_ = Window();
  w.bad_iter = bad < 0 ? -1 : static_cast<int64_t>(bad);
  return w;
}

void DeviceStep::reset_state() {
  torch::NoGradGuard no_grad;
  state_.h.zero_();
  if (state_.c.defined()) state_.c.zero_();
}

}  // namespace charnn
