#include <gtest/gtest.h>

#include <cmath>

#include "train/optim.h"
#include "model/flat_params.h"

using namespace charnn;

TEST(Schedule, CharRnnDecaysAfterEachEpochFromDecayAfter) {
  TrainConfig c;
  c.learning_rate = 1.0;
  c.lr_schedule = LrSchedule::CharRnn;
  c.learning_rate_decay = 0.5;
  c.learning_rate_decay_after = 2;
  const int64_t ipe = 10;
  EXPECT_DOUBLE_EQ(learning_rate_at(c, 0, ipe, 100, 1), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(c, 19, ipe, 100, 1), 1.0);  // epoch 2 still running
  EXPECT_DOUBLE_EQ(learning_rate_at(c, 20, ipe, 100, 1), 0.5);  // end of epoch 2
  EXPECT_DOUBLE_EQ(learning_rate_at(c, 30, ipe, 100, 1), 0.25);
}

TEST(Schedule, StepCosineWarmupAndRankScaling) {
  TrainConfig c;
  c.learning_rate = 1.0;
  c.lr_schedule = LrSchedule::Step;
  c.lr_decay_every = 2;
  c.lr_decay_factor = 0.1;
  EXPECT_NEAR(learning_rate_at(c, 45, 10, 100, 1), 0.01, 1e-12);
  c.lr_schedule = LrSchedule::Cosine;
  c.min_lr = 0.0;
  EXPECT_NEAR(learning_rate_at(c, 50, 10, 100, 1), 0.5, 1e-12);
  EXPECT_NEAR(learning_rate_at(c, 100, 10, 100, 1), 0.0, 1e-12);
  c.warmup_iters = 10;
  c.lr_schedule = LrSchedule::Constant;
  c.lr_scale = LrScale::Linear;
  EXPECT_NEAR(learning_rate_at(c, 0, 10, 100, 4), 0.4, 1e-12);
  EXPECT_NEAR(learning_rate_at(c, 50, 10, 100, 4), 4.0, 1e-12);
}

// Under max_seconds the cosine ends at the budget when that comes before the
// planned iterations, and never later than them.
TEST(Schedule, CosineFollowsTheTimeBudgetWhenItBindsFirst) {
  TrainConfig c;
  c.learning_rate = 1.0;
  c.lr_schedule = LrSchedule::Cosine;
  c.max_seconds = 100;
  EXPECT_NEAR(learning_rate_at(c, 10, 10, 1000, 1, 0.0), 1.0 - 0.5 * (1 - std::cos(M_PI * 0.01)), 1e-12);
  EXPECT_NEAR(learning_rate_at(c, 10, 10, 1000, 1, 50.0), 0.5, 1e-12);   // half the budget spent
  EXPECT_NEAR(learning_rate_at(c, 10, 10, 1000, 1, 150.0), 0.0, 1e-12);  // past it: min_lr
  EXPECT_NEAR(learning_rate_at(c, 1000, 10, 1000, 1, 10.0), 0.0, 1e-12);  // iterations bind first
  c.warmup_iters = 20;  // warmup stays in iterations
  EXPECT_NEAR(learning_rate_at(c, 9, 10, 1000, 1, 50.0), 0.5, 1e-12);
  c.max_seconds = 0;  // no budget: the wall clock is ignored
  EXPECT_NEAR(learning_rate_at(c, 20, 10, 1020, 1, 1e9), 1.0, 1e-12);
  c.lr_schedule = LrSchedule::Constant;  // other schedules ignore it
  c.max_seconds = 100;
  EXPECT_NEAR(learning_rate_at(c, 30, 10, 1000, 1, 99.0), 1.0, 1e-12);
}

// charnn's one update (optim.h's guarded_update on the flat buffer) against
// torch::optim and torch::nn::utils' clipping, the reference users know, on
// the same gradients for several steps at a changing learning rate.
namespace {

struct Reference {
  std::unique_ptr<torch::optim::Optimizer> opt;
  std::vector<torch::Tensor> params;
};

Reference make_reference(const TrainConfig& c, torch::nn::Linear& lin) {
  Reference r;
  r.params = lin->parameters();
  switch (c.optimizer) {
    case Optimizer::Adam:
      r.opt = std::make_unique<torch::optim::Adam>(
          r.params,
          torch::optim::AdamOptions(1).betas({c.beta1, c.beta2}).eps(c.eps).weight_decay(c.weight_decay));
      break;
    case Optimizer::AdamW:
      r.opt = std::make_unique<torch::optim::AdamW>(
          r.params,
          torch::optim::AdamWOptions(1).betas({c.beta1, c.beta2}).eps(c.eps).weight_decay(c.weight_decay));
      break;
    case Optimizer::RmsProp:  // char-rnn's optim.rmsprop is torch's RMSprop with alpha = decay_rate
      r.opt = std::make_unique<torch::optim::RMSprop>(
          r.params, torch::optim::RMSpropOptions(1).alpha(c.decay_rate).eps(c.eps).weight_decay(c.weight_decay));
      break;
    case Optimizer::Sgd:
      r.opt = std::make_unique<torch::optim::SGD>(
          r.params, torch::optim::SGDOptions(1).momentum(c.momentum).weight_decay(c.weight_decay));
      break;
  }
  return r;
}

// Six updates of both; the flat buffer and the reference's parameters must agree.
void expect_same_as_torch_optim(const TrainConfig& c) {
  torch::manual_seed(11);
  torch::nn::Linear ours(5, 4), theirs(5, 4);
  FlatParams fp = flatten_parameters(*ours, torch::kCPU);
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < fp.params.size(); ++i) theirs->parameters()[i].copy_(fp.params[i]);
  }
  Reference ref = make_reference(c, theirs);
  OptimizerState st = make_optimizer_state(c, fp);
  DeviceScalars s = make_device_scalars(st, 0, torch::kCPU);
  for (int step = 0; step < 6; ++step) {
    torch::Tensor g = torch::randn({fp.grad.numel()}) * (step % 2 ? 3.0 : 0.1);  // clipped on odd steps
    const double lr = 0.01 * (step + 1);
    fp.grad.copy_(g);
    s.lr.fill_(lr);
    guarded_update(c, st, fp, s, torch::tensor(2.5f));
    for (size_t i = 0; i < ref.params.size(); ++i)
      ref.params[i].mutable_grad() = g.narrow(0, fp.offsets[i], ref.params[i].numel()).view_as(ref.params[i]).clone();
    const double norm = g.norm().item<double>();
    if (c.grad_clip > 0 && c.grad_clip_mode == ClipMode::Norm)
      torch::nn::utils::clip_grad_norm_(ref.params, c.grad_clip);
    if (c.grad_clip > 0 && c.grad_clip_mode == ClipMode::Value)
      torch::nn::utils::clip_grad_value_(ref.params, c.grad_clip);
    for (auto& group : ref.opt->param_groups()) group.options().set_lr(lr);
    ref.opt->step();
    EXPECT_NEAR(s.out[1].item<double>(), norm, 1e-5 * norm);  // the norm before clipping
    EXPECT_FLOAT_EQ(s.out[0].item<float>(), 2.5f);
  }
  for (size_t i = 0; i < ref.params.size(); ++i) {
    const torch::Tensor mine = fp.data.narrow(0, fp.offsets[i], ref.params[i].numel());
    const torch::Tensor want = ref.params[i].detach().flatten();
    // Float rounding differs between BLAS builds and between fused and unfused
    // forms of the same formula: 2e-6 absolute after six steps.
    EXPECT_TRUE(torch::allclose(mine, want, 1e-5, 2e-6))
        << "parameter " << i << ": max diff " << (mine - want).abs().max().item<double>();
  }
  EXPECT_EQ(s.step.item<double>(), 6);
  EXPECT_EQ(s.bad_iter.item<double>(), -1);
}

}  // namespace

TEST(Optimizer, EveryOptimizerMatchesTorchOptim) {
  for (Optimizer opt : {Optimizer::Adam, Optimizer::AdamW, Optimizer::RmsProp, Optimizer::Sgd}) {
    for (double wd : {0.0, 0.01}) {
      for (ClipMode mode : {ClipMode::Norm, ClipMode::Value}) {
        SCOPED_TRACE(to_string(opt) + " weight_decay " + std::to_string(wd) + " clip " + to_string(mode));
        TrainConfig c;
        c.optimizer = opt;
        c.weight_decay = wd;
        c.grad_clip = 1.5;
        c.grad_clip_mode = mode;
        c.momentum = opt == Optimizer::Sgd ? 0.9 : c.momentum;
        expect_same_as_torch_optim(c);
      }
    }
  }
}

TEST(Optimizer, SgdWithoutMomentumAndNoClippingMatchTorchOptim) {
  TrainConfig c;
  c.optimizer = Optimizer::Sgd;
  c.momentum = 0;
  c.grad_clip = 0;
  expect_same_as_torch_optim(c);
}

TEST(Optimizer, TheParametersAliasTheFlatBuffer) {
  torch::nn::Linear lin(3, 2);
  FlatParams fp = flatten_parameters(*lin, torch::kCPU);
  // Parameters alias the flat buffer, gradients accumulate into it.
  auto loss = lin->forward(torch::ones({4, 3})).pow(2).sum();
  loss.backward();
  EXPECT_GT(fp.grad.abs().sum().item<double>(), 0);
  EXPECT_EQ(lin->weight.grad().data_ptr<float>(), fp.grad.data_ptr<float>() + fp.offsets[0]);
  TrainConfig c;
  OptimizerState st = make_optimizer_state(c, fp);
  DeviceScalars s = make_device_scalars(st, 0, torch::kCPU);
  s.lr.fill_(0.1);
  guarded_update(c, st, fp, s, torch::tensor(1.0f));
  EXPECT_TRUE(torch::equal(lin->weight.detach().flatten(), fp.data.narrow(0, 0, 6)));
}
