// Parameters and gradients each live in one flat buffer. Every parameter (and
// its .grad) is a view into that buffer, so the gradient all-reduce
// (parallel/reducer.h) works on a few large contiguous buckets and the
// optimizer (train/optim.h) on one tensor. Here, below both, so that neither
// reaches up into the other.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace charnn {

struct FlatParams {
  std::vector<std::string> names;  // PyTorch-style names, in module order
  std::vector<torch::Tensor> params;
  std::vector<int64_t> offsets;  // element offset of each parameter in `data`
  torch::Tensor data, grad;      // 1-D float32
};

// Moves every parameter of `module` into one flat buffer on `device`.
FlatParams flatten_parameters(torch::nn::Module& module, torch::Device device);

}  // namespace charnn
