#include "model/flat_params.h"

namespace charnn {

FlatParams flatten_parameters(torch::nn::Module& module, torch::Device device) {
  FlatParams fp;
  int64_t total = 0;
  for (auto& p : module.named_parameters()) {
    fp.names.push_back(p.key());
    fp.params.push_back(p.value());
    fp.offsets.push_back(total);
    total += p.value().numel();
  }
  auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  fp.data = torch::empty({total}, opts);
  fp.grad = torch::zeros({total}, opts);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < fp.params.size(); ++i) {
    auto& p = fp.params[i];
    const int64_t n = p.numel();
    auto view = fp.data.narrow(0, fp.offsets[i], n).view(p.sizes());
    view.copy_(p);
    p.set_data(view);  // the parameter now aliases the flat buffer
    p.mutable_grad() = fp.grad.narrow(0, fp.offsets[i], n).view(p.sizes());
  }
  return fp;
}

}  // namespace charnn
