// Parameters, gradients and optimizer moments each live in one flat buffer.
// Every parameter (and its .grad) is a view into that buffer, so the gradient
// all-reduce works on a few large contiguous buckets, the update is a handful
// of fused tensor ops instead of one per parameter, and a checkpoint writes the
// optimizer state as plain arrays.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "train/options.h"

namespace charnn {

struct FlatParams {
  std::vector<std::string> names;  // PyTorch-style names, in module order
  std::vector<torch::Tensor> params;
  std::vector<int64_t> offsets;  // element offset of each parameter in `data`
  torch::Tensor data, grad;      // 1-D float32
};

// Moves every parameter of `module` into one flat buffer on `device`.
FlatParams flatten_parameters(torch::nn::Module& module, torch::Device device);

struct OptimizerState {
  std::string type;
  int64_t step = 0;
  torch::Tensor m;  // adam/adamw: exp_avg; sgd: momentum_buffer
  torch::Tensor v;  // adam/adamw: exp_avg_sq; rmsprop: square_avg
};

OptimizerState make_optimizer_state(const TrainConfig& cfg, const FlatParams& fp);
// Clips fp.grad in place as configured; returns the global L2 norm before clipping.
double clip_gradients(const TrainConfig& cfg, FlatParams& fp);
void optimizer_step(const TrainConfig& cfg, OptimizerState& st, FlatParams& fp, double lr);

// Learning rate for update `iter` (0-based), with `batches_per_epoch` updates
// per epoch and `total_iters` planned in all (for cosine); includes warmup and
// rank scaling.
double learning_rate_at(const TrainConfig& cfg, int64_t iter, int64_t updates_per_epoch, int64_t total_iters,
                        int world_size);

}  // namespace charnn
