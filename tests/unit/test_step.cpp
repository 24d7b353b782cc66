// The single-GPU step (train/device_step.h) and its guarded update
// (optim.h), run on the CPU against the classic step of the training loop.
#include <gtest/gtest.h>

#include "data/batcher.h"
#include "model/charrnn.h"
#include "train/device_step.h"
#include "train/optim.h"

using namespace charnn;

namespace {

// Two identical parameter sets, one for each path.
struct Pair {
  torch::nn::Linear a{nullptr}, b{nullptr};
  FlatParams fa, fb;
  Pair() {
    torch::manual_seed(7);
    a = torch::nn::Linear(5, 4);
    b = torch::nn::Linear(5, 4);
    fa = flatten_parameters(*a, torch::kCPU);
    fb = flatten_parameters(*b, torch::kCPU);
    fb.data.copy_(fa.data);
  }
};

void expect_close(const torch::Tensor& x, const torch::Tensor& y, const char* what) {
  // Float rounding differs between BLAS builds (OpenBLAS here, MKL in the pip wheel): 1e-7 absolute
  // held on one, 6e-7 was seen on the other after five Adam steps.
  EXPECT_TRUE(torch::allclose(x, y, 1e-5, 2e-6)) << what << ": max diff " << (x - y).abs().max().item<double>();
}

}  // namespace

TEST(GuardedUpdate, MatchesClassicClipAndUpdateForEveryOptimizer) {
  for (Optimizer opt : {Optimizer::Adam, Optimizer::AdamW, Optimizer::RmsProp, Optimizer::Sgd}) {
    for (ClipMode mode : {ClipMode::Norm, ClipMode::Value}) {
      SCOPED_TRACE(to_string(opt) + " clip " + to_string(mode));
      Pair p;
      TrainConfig c;
      c.optimizer = opt;
      c.grad_clip = 1.5;
      c.grad_clip_mode = mode;
      c.weight_decay = opt == Optimizer::Adam ? 0.0 : 0.01;
      OptimizerState sa = make_optimizer_state(c, p.fa), sb = make_optimizer_state(c, p.fb);
      DeviceScalars s = make_device_scalars(sb, 0, torch::kCPU);
      for (int step = 0; step < 6; ++step) {
        torch::Tensor g = torch::randn({p.fa.grad.numel()}) * (step % 2 ? 3.0 : 0.1);  // clipped on odd steps
        const double lr = 0.01 * (step + 1);
        p.fa.grad.copy_(g);
        const double norm = clip_gradients(c, p.fa);
        optimizer_step(c, sa, p.fa, lr);
        p.fb.grad.copy_(g);
        s.lr.fill_(lr);
        guarded_update(c, sb, p.fb, s, torch::tensor(2.5f));
        EXPECT_NEAR(s.out[1].item<double>(), norm, 1e-5);
        EXPECT_FLOAT_EQ(s.out[0].item<float>(), 2.5f);
      }
      expect_close(p.fb.data, p.fa.data, "weights");
      if (sa.m.defined()) expect_close(sb.m, sa.m, "first moment");
      if (sa.v.defined()) expect_close(sb.v, sa.v, "second moment");
      EXPECT_EQ(s.step.item<double>(), 6);
      EXPECT_EQ(s.iter.item<double>(), 6);
      EXPECT_EQ(s.bad_iter.item<double>(), -1);
    }
  }
}

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
    if (m.defined()) EXPECT_TRUE(torch::equal(st.m, m));
    if (v.defined()) EXPECT_TRUE(torch::equal(st.v, v));
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

// The whole step: forward, backward, clip, update, hidden state carried; the
// same numbers as the training loop's classic step on the same batches.
TEST(DeviceStepTest, MatchesTheClassicStepOnTheCpu) {
  for (CellType cell : {CellType::Lstm, CellType::Gru}) {
    SCOPED_TRACE(to_string(cell));
    TrainConfig cfg;
    cfg.model = cell;
    cfg.batch_size = 3;
    cfg.seq_length = 7;
    cfg.grad_clip = 0.5;
    ModelSpec spec{cell, 11, 8, 16, 2, 0.0};
    torch::manual_seed(3);
    CharRNN a(spec), b(spec);
    FlatParams fa = flatten_parameters(*a, torch::kCPU), fb = flatten_parameters(*b, torch::kCPU);
    fb.data.copy_(fa.data);
    OptimizerState sa = make_optimizer_state(cfg, fa), sb = make_optimizer_state(cfg, fb);
    RnnState state_a = a->zero_state(3, torch::kCPU), state_b = b->zero_state(3, torch::kCPU);
    DeviceStep step(*b, fb, sb, cfg, state_b, 0, torch::kCPU, /*graph=*/true);
    EXPECT_FALSE(step.graphed());
    std::vector<double> classic;
    for (int it = 0; it < 5; ++it) {
      Batch batch;
      batch.x.resize(21);
      batch.y.resize(21);
      for (int i = 0; i < 21; ++i) batch.x[i] = (i * 5 + it * 3) % 11, batch.y[i] = (i * 7 + it) % 11;
      auto x = torch::from_blob(batch.x.data(), {3, 7}, torch::kLong);
      auto y = torch::from_blob(batch.y.data(), {21}, torch::kLong);
      auto [logits, next] = a->forward(x, state_a);
      state_a = next.detached();
      auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, 11}), y);
      loss.backward();
      classic.push_back(loss.item<double>());
      clip_gradients(cfg, fa);
      optimizer_step(cfg, sa, fa, 0.01);
      fa.grad.zero_();
      step.run(batch, 0.01);
    }
    DeviceStep::Window w = step.drain();
    ASSERT_EQ(w.losses.size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_NEAR(w.losses[i], classic[i], 1e-5) << "iteration " << i;
    EXPECT_EQ(w.bad_iter, -1);
    expect_close(fb.data, fa.data, "weights after 5 steps");
    expect_close(state_b.h, state_a.h, "carried hidden state");
    EXPECT_EQ(sb.step, 5);
    step.reset_state();
    EXPECT_EQ(state_b.h.abs().sum().item<double>(), 0);
    EXPECT_TRUE(step.drain().losses.empty());
  }
}
