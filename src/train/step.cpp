#include "train/step.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "gpu/gpu.h"
#include "parallel/comm.h"
#include "parallel/reducer.h"
#include "parallel/watchdog.h"
#include "util/status.h"

namespace charnn {

namespace {
// Updates whose losses can wait on the device before the host must read them.
constexpr int64_t kHistory = 4096;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

TrainStep::TrainStep(CharRNNImpl& model, FlatParams& fp, OptimizerState& opt, RnnState& state, GradReducer& reducer,
                     const TrainConfig& cfg, int64_t iter, torch::Device device, bool graph)
    : model_(model), fp_(fp), opt_(opt), state_(state), reducer_(reducer), cfg_(cfg), device_(device) {
  const int64_t K = cfg.grad_accum, B = cfg.batch_size, T = cfg.seq_length;
  auto ids = torch::TensorOptions().dtype(torch::kLong).device(device);
  x_ = torch::zeros({K, B, T}, ids);
  y_ = torch::zeros({K, B * T}, ids);
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  loss_sum_ = torch::zeros({}, f32);
  history_ = torch::zeros({kHistory, 2}, f32);
  s_ = make_device_scalars(opt, iter, device);
  // The state tensors become buffers of this step, updated in place.
  state_.h = state_.h.detach().clone();
  if (state_.c.defined()) state_.c = state_.c.detach().clone();
  if (device.is_cuda()) graph_ = std::make_unique<gpu::StepGraph>(device.index());
  if (graph && device.is_cuda()) capture();
}

TrainStep::~TrainStep() = default;  // StepGraph's destructor waits for the stream

bool TrainStep::graphed() const { return graph_ && graph_->captured(); }

void TrainStep::body() {
  const int64_t K = cfg_.grad_accum, V = model_.spec().vocab_size;
  const auto t0 = Clock::now();
  fp_.grad.zero_();
  loss_sum_.zero_();
  for (int64_t k = 0; k < K; ++k) {
    auto [logits, next] = model_.forward(x_[k], state_);
    torch::Tensor loss = torch::nn::functional::cross_entropy(logits.reshape({-1, V}), y_[k]);
    reducer_.arm(k == K - 1);  // the all-reduces start during the last backward
    (K > 1 ? loss / static_cast<double>(K) : loss).backward();
    {
      torch::NoGradGuard no_grad;
      state_.h.copy_(next.h.detach());  // after backward: the forward's input state was saved for it
      if (state_.c.defined()) state_.c.copy_(next.c.detach());
      loss_sum_.add_(loss.detach());
    }
  }
  const auto t1 = Clock::now();
  times_.reduce = reducer_.finish();
  const auto t2 = Clock::now();
  guarded_update(cfg_, opt_, fp_, s_, K > 1 ? loss_sum_ / static_cast<double>(K) : loss_sum_);
  times_.compute = std::chrono::duration<double>(t1 - t0).count();
  times_.optim = since(t2);
}

void TrainStep::capture() {
  // Warm-up on the step's stream with updates disabled: cuDNN, cuBLAS,
  // autograd and NCCL make their one-time allocations and handles outside
  // the capture. The hidden state and the dropout RNG are put back afterwards.
  torch::Tensor h0 = state_.h.clone(), c0 = state_.c.defined() ? state_.c.clone() : torch::Tensor();
  at::Generator gen = at::globalContext().defaultGenerator(device_);
  torch::Tensor rng;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    rng = gen.get_state();
  }
  auto restore = [&] {
    torch::NoGradGuard no_grad;
    state_.h.copy_(h0);
    if (c0.defined()) state_.c.copy_(c0);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng);
  };
  s_.enable.fill_(false);
  for (int i = 0; i < 3; ++i) body();
  s_.enable.fill_(true);
  restore();
  if (!graph_->capture([this] { body(); }, &graph_note_)) restore();
}

TrainStep::Times TrainStep::run(const std::vector<Batch>& micro, double lr) {
  const int64_t K = cfg_.grad_accum, B = cfg_.batch_size, T = cfg_.seq_length;
  if (static_cast<int64_t>(micro.size()) != K) fail("TrainStep::run: ", micro.size(), " batches, expected ", K);
  for (int64_t k = 0; k < K; ++k) {
    torch::Tensor hx = torch::from_blob(const_cast<int64_t*>(micro[k].x.data()), {B, T}, torch::kLong);
    torch::Tensor hy = torch::from_blob(const_cast<int64_t*>(micro[k].y.data()), {B * T}, torch::kLong);
    // Pinned copies make the uploads asynchronous; the host allocator keeps
    // each pinned block until its copy has completed.
    const bool cuda = device_.is_cuda();
    x_[k].copy_(cuda ? hx.pin_memory() : hx, /*non_blocking=*/cuda);
    y_[k].copy_(cuda ? hy.pin_memory() : hy, /*non_blocking=*/cuda);
  }
  s_.lr.fill_(lr);
  Times t;
  if (graphed()) {
    const auto t0 = Clock::now();
    graph_->replay();
    t.compute = since(t0);
  } else {
    body();
    t = times_;
  }
  opt_.step += 1;
  history_.select(0, pending_).copy_(s_.out, /*non_blocking=*/true);
  if (++pending_ == kHistory) flush();
  return t;
}

void TrainStep::flush() {
  if (pending_ == 0) return;
  reducer_.wait_device();  // a dead peer or the collective timeout surfaces here, not as a hang
  torch::Tensor h = history_.narrow(0, 0, pending_).to(torch::kCPU).contiguous();
  const float* p = h.data_ptr<float>();
  for (int64_t i = 0; i < pending_; ++i) {
    window_.losses.push_back(p[2 * i]);
    window_.grad_norms.push_back(p[2 * i + 1]);
  }
  pending_ = 0;
}

TrainStep::Window TrainStep::drain() {
  flush();
  const double bad = s_.bad_iter.item<double>();
  Window w = std::move(window_);
  window_ = Window();
  w.bad_iter = bad < 0 ? -1 : static_cast<int64_t>(bad);
  const int world = reducer_.world_size();
  if (world == 1) return w;
  // Every rank drains after the same update, so the windows have one length.
  // The losses become the ranks' mean (the gradient norms already agree: they
  // are taken after the all-reduce); the first bad update on any rank decides
  // (its gradient was averaged into every rank's, so they agree unless the
  // loss alone was not finite).
  {
    CollectiveScope scope(cat("allreduce of ", w.losses.size(), " training losses"),
                          w.losses.size() * sizeof(double));
    allreduce_sum(w.losses.data(), w.losses.size());
  }
  for (double& loss : w.losses) loss /= world;
  constexpr int64_t kTop = std::numeric_limits<int64_t>::max();  // the max of kTop - bad is the smallest bad
  const int64_t top = allreduce_max(w.bad_iter < 0 ? -1 : kTop - w.bad_iter);
  w.bad_iter = top < 0 ? -1 : kTop - top;
  return w;
}

void TrainStep::reset_state() {
  torch::NoGradGuard no_grad;
  state_.h.zero_();
  if (state_.c.defined()) state_.c.zero_();
}

}  // namespace charnn
