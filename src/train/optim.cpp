#include "train/optim.h"

#include <cmath>

#include "util/status.h"

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

OptimizerState make_optimizer_state(const TrainConfig& cfg, const FlatParams& fp) {
  OptimizerState st;
  st.type = cfg.optimizer;
  if (cfg.optimizer == "adam" || cfg.optimizer == "adamw") {
    st.m = torch::zeros_like(fp.data);
    st.v = torch::zeros_like(fp.data);
  } else if (cfg.optimizer == "rmsprop") {
    st.v = torch::zeros_like(fp.data);
  } else if (cfg.optimizer == "sgd") {
    st.m = torch::zeros_like(fp.data);
  } else {
    fail("optimizer ", quoted(cfg.optimizer), ": expected adam, adamw, rmsprop or sgd");
  }
  return st;
}

double clip_gradients(const TrainConfig& cfg, FlatParams& fp) {
  torch::NoGradGuard no_grad;
  const double norm = fp.grad.norm().item<double>();
  if (cfg.grad_clip > 0) {
    if (cfg.grad_clip_mode == "value") {
      fp.grad.clamp_(-cfg.grad_clip, cfg.grad_clip);
    } else if (norm > cfg.grad_clip) {
      fp.grad.mul_(cfg.grad_clip / (norm + 1e-6));
    }
  }
  return norm;
}

void optimizer_step(const TrainConfig& cfg, OptimizerState& st, FlatParams& fp, double lr) {
  torch::NoGradGuard no_grad;
  st.step += 1;
  torch::Tensor& p = fp.data;
  torch::Tensor g = fp.grad;
  if (cfg.weight_decay > 0 && st.type != "adamw") g = g.add(p, cfg.weight_decay);  // L2 in the gradient
  if (st.type == "adam" || st.type == "adamw") {
    if (st.type == "adamw" && cfg.weight_decay > 0) p.mul_(1.0 - lr * cfg.weight_decay);
    st.m.mul_(cfg.beta1).add_(g, 1.0 - cfg.beta1);
    st.v.mul_(cfg.beta2).addcmul_(g, g, 1.0 - cfg.beta2);
    const double bc1 = 1.0 - std::pow(cfg.beta1, static_cast<double>(st.step));
    const double bc2 = 1.0 - std::pow(cfg.beta2, static_cast<double>(st.step));
    torch::Tensor denom = (st.v.sqrt() / std::sqrt(bc2)).add_(cfg.eps);
    p.addcdiv_(st.m, denom, -lr / bc1);
  } else if (st.type == "rmsprop") {
    // char-rnn's optim.rmsprop: v = decay*v + (1-decay)*g^2; p -= lr * g / (sqrt(v) + eps)
    st.v.mul_(cfg.decay_rate).addcmul_(g, g, 1.0 - cfg.decay_rate);
    p.addcdiv_(g, st.v.sqrt().add_(cfg.eps), -lr);
  } else {  // sgd with momentum
    if (cfg.momentum > 0) {
      if (st.step == 1) st.m.copy_(g);
      else st.m.mul_(cfg.momentum).add_(g);
      p.add_(st.m, -lr);
    } else {
      p.add_(g, -lr);
    }
  }
}

double learning_rate_at(const TrainConfig& cfg, int64_t iter, int64_t updates_per_epoch, int64_t total_iters,
                        int world_size) {
  double lr = cfg.learning_rate;
  if (cfg.lr_scale == "linear") lr *= world_size;
  const int64_t epochs_done = updates_per_epoch > 0 ? iter / updates_per_epoch : 0;
  if (cfg.lr_schedule == "charrnn") {
    // char-rnn decays at the end of every epoch e (1-based) with e >= learning_rate_decay_after.
    const int64_t first = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(cfg.learning_rate_decay_after)));
    const int64_t decays = std::max<int64_t>(0, epochs_done - first + 1);
    lr *= std::pow(cfg.learning_rate_decay, static_cast<double>(decays));
  } else if (cfg.lr_schedule == "step") {
    lr *= std::pow(cfg.lr_decay_factor, static_cast<double>(epochs_done / cfg.lr_decay_every));
  } else if (cfg.lr_schedule == "cosine") {
    const double span = std::max<int64_t>(1, total_iters - cfg.warmup_iters);
    const double t = std::clamp(static_cast<double>(iter - cfg.warmup_iters) / span, 0.0, 1.0);
    lr = cfg.min_lr + (lr - cfg.min_lr) * 0.5 * (1.0 + std::cos(M_PI * t));
  }
  if (cfg.warmup_iters > 0 && iter < cfg.warmup_iters) lr *= static_cast<double>(iter + 1) / cfg.warmup_iters;
  return lr;
}

}  // namespace charnn
