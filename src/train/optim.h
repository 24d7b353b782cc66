// Clipping, the optimizers and the learning-rate schedules, on the flat
// parameter and gradient buffers of model/flat_params.h: the update is a
// handful of fused tensor ops instead of one per parameter, and a checkpoint
// writes the optimizer state as plain arrays. One implementation of each,
// for every device and rank count (train/step.h runs it).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/flat_params.h"
#include "train/options.h"

namespace charnn {

struct OptimizerState {
  Optimizer type = Optimizer::Adam;
  int64_t step = 0;
  torch::Tensor m;  // adam/adamw: exp_avg; sgd: momentum_buffer
  torch::Tensor v;  // adam/adamw: exp_avg_sq; rmsprop: square_avg
};

OptimizerState make_optimizer_state(const TrainConfig& cfg, const FlatParams& fp);

// The scalars of an update, kept on the training device so that a step needs
// no host synchronisation and can be captured in a CUDA graph: the learning
// rate is written before each step; everything else is computed there.
struct DeviceScalars {
  torch::Tensor lr;        // float32 []: written before each step
  torch::Tensor enable;    // bool []: false computes the step but changes nothing (graph warm-up)
  torch::Tensor step;      // float64 []: updates applied (Adam's bias correction)
  torch::Tensor iter;      // float64 []: updates attempted (the training iteration)
  torch::Tensor bad_iter;  // float64 []: first iteration whose loss or gradient was not finite; -1 none
  torch::Tensor out;       // float32 [2]: loss and gradient norm (before clipping) of the last step
  torch::Tensor scratch;   // float32, the parameters' size: the update's work buffer (made on first use)
};
DeviceScalars make_device_scalars(const OptimizerState& st, int64_t iter, torch::Device device);

// The one update of charnn, on every device: clip fp.grad (global L2 norm or
// value, as configured), then Adam, AdamW, RMSprop or SGD on the flat buffer,
// each as torch.optim defines it (tests/unit/test_optim.cpp pins them against
// torch::optim). Guarded: a step whose loss or gradient norm is not finite,
// and every step after it, changes neither weights nor optimizer state; the
// host reads bad_iter when it next synchronises and stops the run there.
// Works in place on fp.grad (clipped, weight decay added).
void guarded_update(const TrainConfig& cfg, OptimizerState& st, FlatParams& fp, DeviceScalars& s,
                    const torch::Tensor& loss);

// Learning rate for update `iter` (0-based), with `batches_per_epoch` updates
// per epoch and `total_iters` planned in all; includes warmup and rank scaling.
// The cosine schedule ends at whichever horizon comes first: `total_iters`, or
// the max_seconds budget, of which `wall_seconds` (agreed by all ranks) are spent.
double learning_rate_at(const TrainConfig& cfg, int64_t iter, int64_t updates_per_epoch, int64_t total_iters,
                        int world_size, double wall_seconds = 0);

}  // namespace charnn
