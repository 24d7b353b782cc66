#include <gtest/gtest.h>

#include <cmath>

#include "train/optim.h"

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

TEST(Optimizer, AdamMatchesTheReferenceFormula) {
  torch::nn::Linear lin(3, 2);
  FlatParams fp = flatten_parameters(*lin, torch::kCPU);
  // Parameters alias the flat buffer, gradients accumulate into it.
  auto loss = lin->forward(torch::ones({4, 3})).pow(2).sum();
  loss.backward();
  EXPECT_GT(fp.grad.abs().sum().item<double>(), 0);
  EXPECT_EQ(lin->weight.grad().data_ptr<float>(), fp.grad.data_ptr<float>() + fp.offsets[0]);
  TrainConfig c;
  OptimizerState st = make_optimizer_state(c, fp);
  torch::Tensor p0 = fp.data.clone(), g = fp.grad.clone();
  optimizer_step(c, st, fp, 0.1);
  // First Adam step moves every parameter by lr * sign(g) (up to eps).
  torch::Tensor expect = p0 - 0.1 * g / (g.abs() + 1e-8);
  EXPECT_TRUE(torch::allclose(fp.data, expect, 1e-5, 1e-6));
  EXPECT_TRUE(torch::equal(lin->weight.detach().flatten(), fp.data.narrow(0, 0, 6)));
}

TEST(Clipping, GlobalNormAndValue) {
  torch::nn::Linear lin(2, 1);
  FlatParams fp = flatten_parameters(*lin, torch::kCPU);
  fp.grad.copy_(torch::tensor({3.0f, 4.0f, 0.0f}));
  TrainConfig c;
  c.grad_clip = 1.0;
  EXPECT_NEAR(clip_gradients(c, fp), 5.0, 1e-6);
  EXPECT_NEAR(fp.grad.norm().item<double>(), 1.0, 1e-5);
  fp.grad.copy_(torch::tensor({3.0f, -4.0f, 0.5f}));
  c.grad_clip_mode = ClipMode::Value;
  clip_gradients(c, fp);
  EXPECT_TRUE(torch::equal(fp.grad, torch::tensor({1.0f, -1.0f, 0.5f})));
}
