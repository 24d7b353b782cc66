// The training step (train/step.h) and its guarded update (optim.h), run on
// the CPU against plain LibTorch.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "data/batcher.h"
#include "model/charrnn.h"
#include "parallel/reducer.h"
#include "train/step.h"
#include "train/optim.h"

using namespace charnn;

namespace {

// A small parameter set in a flat buffer.
struct Pair {
  torch::nn::Linear b{nullptr};
  FlatParams fb;
  Pair() {
    torch::manual_seed(7);
    b = torch::nn::Linear(5, 4);
    fb = flatten_parameters(*b, torch::kCPU);
  }
};

void expect_close(const torch::Tensor& x, const torch::Tensor& y, const char* what) {
  // Float rounding differs between BLAS builds (OpenBLAS here, MKL in the pip wheel): 1e-7 absolute
  // held on one, 6e-7 was seen on the other after five Adam steps.
  EXPECT_TRUE(torch::allclose(x, y, 1e-5, 2e-6)) << what << ": max diff " << (x - y).abs().max().item<double>();
}

}  // namespace

TEST(GuardedUpdate, ANonFiniteStepAndEveryLaterOneChangeNothing) {
  for (Optimizer opt : {Optimizer::Adam, Optimizer::RmsProp, Optimizer::Sgd}) {
    SCOPED_TRACE(to_string(opt));
    Pair p;
    TrainConfig c;
    c.optimizer = opt;
    OptimizerState st = make_optimizer_state(c, p.fb);
    DeviceScalars s = make_device_scalars(st, 40, torch::kCPU);
    s.lr.fill_(0.1);
    p.fb.grad.copy_(torch::randn({p.fb.grad.numel()}));
    guarded_update(c, st, p.fb, s, torch::tensor(1.0f));  // a good step: iteration 40
    torch::Tensor w = p.fb.data.clone();
    torch::Tensor m = st.m.defined() ? st.m.clone() : torch::Tensor(), v = st.v.defined() ? st.v.clone() : torch::Tensor();
    p.fb.grad.copy_(torch::randn({p.fb.grad.numel()}));
    p.fb.grad[3] = std::numeric_limits<float>::quiet_NaN();
    guarded_update(c, st, p.fb, s, torch::tensor(1.0f));  // iteration 41: NaN gradient
    p.fb.grad.copy_(torch::randn({p.fb.grad.numel()}));
    guarded_update(c, st, p.fb, s, torch::tensor(1.0f));  // iteration 42: finite, but after a bad one
    guarded_update(c, st, p.fb, s, torch::tensor(std::numeric_limits<float>::infinity()));
    EXPECT_TRUE(torch::equal(p.fb.data, w));
    if (m.defined()) {
      EXPECT_TRUE(torch::equal(st.m, m));
    }
    if (v.defined()) {
      EXPECT_TRUE(torch::equal(st.v, v));
    }
    EXPECT_EQ(s.bad_iter.item<double>(), 41);
    EXPECT_EQ(s.step.item<double>(), 1);
    EXPECT_EQ(s.iter.item<double>(), 44);
  }
}

TEST(GuardedUpdate, DisabledStepsComputeButChangeNothing) {
  Pair p;
  TrainConfig c;
  OptimizerState st = make_optimizer_state(c, p.fb);
  DeviceScalars s = make_device_scalars(st, 0, torch::kCPU);
  s.enable.fill_(false);
  s.lr.fill_(0.1);
  torch::Tensor w = p.fb.data.clone();
  p.fb.grad.copy_(torch::randn({p.fb.grad.numel()}));
  guarded_update(c, st, p.fb, s, torch::tensor(std::numeric_limits<float>::quiet_NaN()));
  EXPECT_TRUE(torch::equal(p.fb.data, w));
  EXPECT_EQ(s.bad_iter.item<double>(), -1);  // a warm-up NaN is not the run's
  EXPECT_EQ(s.iter.item<double>(), 0);
}

// The whole step against a plain LibTorch loop (forward, backward,
// clip_grad_norm_, torch::optim::Adam, hidden state carried) on the same
// batches: every cell, with and without gradient accumulation, and with the
// reducer running for real on a one-rank world (the all-reduce path of
// several ranks, where the average is the identity).
namespace {

Batch make_batch(int it, int64_t n, int64_t vocab) {
  Batch b;
  b.x.resize(n);
  b.y.resize(n);
  for (int64_t i = 0; i < n; ++i) b.x[i] = (i * 5 + it * 3) % vocab, b.y[i] = (i * 7 + it) % vocab;
  return b;
}

void expect_step_matches_reference(CellType cell, int64_t K, bool reduce) {
  TrainConfig cfg;
  cfg.model = cell;
  cfg.batch_size = 3;
  cfg.seq_length = 7;
  cfg.grad_accum = K;
  cfg.grad_clip = 0.5;
  const int64_t B = 3, T = 7, V = 11;
  ModelSpec spec{cell, V, 8, 16, 2, 0.0};
  torch::manual_seed(3);
  CharRNN a(spec), b(spec);
  FlatParams fb = flatten_parameters(*b, torch::kCPU);
  {
    torch::NoGradGuard no_grad;
    auto pa = a->parameters();
    for (size_t i = 0; i < pa.size(); ++i) pa[i].copy_(fb.params[i]);
  }
  torch::optim::Adam ref(a->parameters(), torch::optim::AdamOptions(0.01).betas({cfg.beta1, cfg.beta2}).eps(cfg.eps));
  OptimizerState sb = make_optimizer_state(cfg, fb);
  RnnState state_a = a->zero_state(B, torch::kCPU), state_b = b->zero_state(B, torch::kCPU);
  GradReducer reducer(comm(), fb, 1e-4, /*overlap=*/true, /*always=*/reduce);  // tiny buckets: several of them
  ASSERT_EQ(reducer.active(), reduce);
  TrainStep step(*b, fb, sb, state_b, reducer, cfg, 0, torch::kCPU, /*graph=*/true);
  EXPECT_FALSE(step.graphed());
  std::vector<double> expected;
  for (int it = 0; it < 5; ++it) {
    std::vector<Batch> micro;
    ref.zero_grad();
    double loss_sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      micro.push_back(make_batch(it * 10 + static_cast<int>(k), B * T, V));
      auto x = torch::from_blob(micro.back().x.data(), {B, T}, torch::kLong);
      auto y = torch::from_blob(micro.back().y.data(), {B * T}, torch::kLong);
      auto [logits, next] = a->forward(x, state_a);
      state_a = next.detached();
      auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, V}), y);
      (loss / static_cast<double>(K)).backward();
      loss_sum += loss.item<double>();
    }
    torch::nn::utils::clip_grad_norm_(a->parameters(), cfg.grad_clip);
    ref.step();
    expected.push_back(loss_sum / K);
    step.run(micro, 0.01);
  }
  TrainStep::Window w = step.drain();
  ASSERT_EQ(w.losses.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(w.losses[i], expected[i], 1e-5) << "iteration " << i;
  EXPECT_EQ(w.bad_iter, -1);
  std::vector<torch::Tensor> flat_a;
  for (auto& p : a->parameters()) flat_a.push_back(p.detach().flatten());
  expect_close(fb.data, torch::cat(flat_a), "weights after 5 steps");
  expect_close(state_b.h, state_a.h, "carried hidden state");
  EXPECT_EQ(sb.step, 5);
  step.reset_state();
  EXPECT_EQ(state_b.h.abs().sum().item<double>(), 0);
  EXPECT_TRUE(step.drain().losses.empty());
}

}  // namespace

TEST(TrainStepTest, MatchesAPlainLibTorchLoopForEveryCell) {
  for (CellType cell : {CellType::Lstm, CellType::Gru, CellType::Rnn}) {
    SCOPED_TRACE(to_string(cell));
    expect_step_matches_reference(cell, 1, false);
  }
}

TEST(TrainStepTest, AccumulatesGradientsOverMicroBatches) { expect_step_matches_reference(CellType::Lstm, 3, false); }

TEST(TrainStepTest, ReducedOnOneRankEqualsUnreduced) {
  expect_step_matches_reference(CellType::Lstm, 1, true);
  expect_step_matches_reference(CellType::Gru, 2, true);
}

// A non-finite loss is found by drain, which names the first bad update.
TEST(TrainStepTest, DrainNamesTheFirstNonFiniteUpdate) {
  TrainConfig cfg;
  cfg.batch_size = 2;
  cfg.seq_length = 3;
  ModelSpec spec{CellType::Lstm, 5, 4, 6, 1, 0.0};
  CharRNN m(spec);
  FlatParams fp = flatten_parameters(*m, torch::kCPU);
  OptimizerState st = make_optimizer_state(cfg, fp);
  RnnState state = m->zero_state(2, torch::kCPU);
  GradReducer reducer(comm(), fp, 25, true);
  TrainStep step(*m, fp, st, state, reducer, cfg, 7, torch::kCPU, false);
  step.run({make_batch(0, 6, 5)}, 0.01);
  {
    torch::NoGradGuard no_grad;
    m->parameters().back().fill_(std::numeric_limits<float>::infinity());  // the decoder's bias: logits inf
  }
  const torch::Tensor w = fp.data.clone();
  step.run({make_batch(1, 6, 5)}, 0.01);
  step.run({make_batch(2, 6, 5)}, 0.01);
  TrainStep::Window win = step.drain();
  ASSERT_EQ(win.losses.size(), 3u);
  EXPECT_TRUE(std::isfinite(win.losses[0]));
  EXPECT_FALSE(std::isfinite(win.losses[1]));
  EXPECT_EQ(win.bad_iter, 8);  // the second update after 7 done
  EXPECT_TRUE(torch::equal(fp.data, w)) << "a bad update and the ones after it change nothing";
}
