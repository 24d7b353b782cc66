#include "train/optim.h"

#include <cmath>


namespace charnn {

OptimizerState make_optimizer_state(const TrainConfig& cfg, const FlatParams& fp) {
  OptimizerState st;
  st.type = cfg.optimizer;
  switch (cfg.optimizer) {
    case Optimizer::Adam:
    case Optimizer::AdamW:
      st.m = torch::zeros_like(fp.data);
      st.v = torch::zeros_like(fp.data);
      break;
    case Optimizer::RmsProp: st.v = torch::zeros_like(fp.data); break;
    case Optimizer::Sgd: st.m = torch::zeros_like(fp.data); break;
  }
  return st;
}

DeviceScalars make_device_scalars(const OptimizerState& st, int64_t iter, torch::Device device) {
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  DeviceScalars s;
  s.lr = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat32).device(device));
  s.enable = torch::ones({}, torch::TensorOptions().dtype(torch::kBool).device(device));
  s.step = torch::full({}, static_cast<double>(st.step), f64);
  s.iter = torch::full({}, static_cast<double>(iter), f64);
  s.bad_iter = torch::full({}, -1.0, f64);
  s.out = torch::zeros({2}, torch::TensorOptions().dtype(torch::kFloat32).device(device));
  return s;
}

void guarded_update(const TrainConfig& cfg, OptimizerState& st, FlatParams& fp, DeviceScalars& s,
                    const torch::Tensor& loss) {
  torch::NoGradGuard no_grad;
  torch::Tensor norm = fp.grad.norm();
  s.out.select(0, 0).copy_(loss.detach().reshape({}));
  s.out.select(0, 1).copy_(norm);
  torch::Tensor finite = torch::isfinite(loss.detach().reshape({})) & torch::isfinite(norm);
  torch::Tensor fresh = s.bad_iter < 0;
  s.bad_iter.copy_(torch::where(s.enable & fresh & finite.logical_not(), s.iter, s.bad_iter));
  torch::Tensor ok = s.enable & fresh & finite;
  s.iter.add_(s.enable.to(torch::kFloat64));
  if (cfg.grad_clip > 0) {
    if (cfg.grad_clip_mode == ClipMode::Value) fp.grad.clamp_(-cfg.grad_clip, cfg.grad_clip);
    else fp.grad.mul_((cfg.grad_clip / (norm + 1e-6)).clamp_max(1.0));
  }
  // Everything below works in place on the gradient (zeroed before the next
  // backward) and on one scratch buffer, with float32 0-d coefficients: no
  // allocation the size of the parameters per step, and every elementwise
  // op on operands of one dtype. (On the CPU at 2x192 the update is about
  // 1.5 ms of a 60 ms step; a GPU replays it inside the step's graph.)
  torch::Tensor& p = fp.data;
  torch::Tensor& g = fp.grad;
  if (!s.scratch.defined()) s.scratch = torch::empty_like(p);
  torch::Tensor& w = s.scratch;
  if (cfg.weight_decay > 0 && st.type != Optimizer::AdamW) g.add_(p, cfg.weight_decay);  // L2 in the gradient
  g.masked_fill_(ok.logical_not(), 0.0);  // NaN * 0 is NaN: zero it, don't scale it
  const torch::Tensor okd = ok.to(torch::kFloat64);
  s.step.add_(okd);
  const torch::Tensor neg_lr = -(s.lr * ok.to(torch::kFloat32));
  // Coefficients in float64, then float32, as torch.optim's Python scalars
  // (1 - 0.999f in float32 is off by 5e-5). keep(d) is d when the step
  // applies and 1 when it does not: the moments stay put.
  auto f32 = [](const torch::Tensor& t) { return t.to(torch::kFloat32); };
  auto keep = [&](double d) { return 1.0 - (1.0 - d) * okd; };
  switch (st.type) {
    case Optimizer::Adam:
    case Optimizer::AdamW: {
      if (st.type == Optimizer::AdamW && cfg.weight_decay > 0) p.mul_(1.0 + neg_lr * cfg.weight_decay);
      const torch::Tensor b1 = keep(cfg.beta1), b2 = keep(cfg.beta2);
      st.m.mul_(f32(b1)).addcmul_(g, f32(1.0 - b1));
      at::mul_out(w, g, g);
      st.v.mul_(f32(b2)).addcmul_(w, f32(1.0 - b2));
      // Bias corrections floored so that a skipped first step divides no zero by zero.
      const torch::Tensor bc1 = (1.0 - torch::pow(cfg.beta1, s.step)).clamp_min(1e-30);
      const torch::Tensor bc2 = (1.0 - torch::pow(cfg.beta2, s.step)).clamp_min(1e-30);
      at::sqrt_out(w, st.v);
      w.mul_(f32(bc2.rsqrt())).add_(cfg.eps);  // sqrt(v / bc2) + eps
      at::div_out(w, st.m, w);
      p.addcmul_(w, neg_lr / f32(bc1));
      break;
    }
    case Optimizer::RmsProp: {  // char-rnn's optim.rmsprop = torch.optim.RMSprop with alpha = decay_rate
      const torch::Tensor d = keep(cfg.decay_rate);
      at::mul_out(w, g, g);
      st.v.mul_(f32(d)).addcmul_(w, f32(1.0 - d));
      at::sqrt_out(w, st.v);
      w.add_(cfg.eps);
      at::div_out(w, g, w);
      p.addcmul_(w, neg_lr);
      break;
    }
    case Optimizer::Sgd:
      if (cfg.momentum > 0) {  // the first step copies the gradient into the buffer
        const torch::Tensor first = (s.step == 1.0).to(torch::kFloat64);
        st.m.mul_(f32(keep(cfg.momentum) * (1.0 - first * okd))).add_(g);
        p.addcmul_(st.m, neg_lr);
      } else {
        p.addcmul_(g, neg_lr);
      }
      break;
  }
}

double learning_rate_at(const TrainConfig& cfg, int64_t iter, int64_t updates_per_epoch, int64_t total_iters,
                        int world_size, double wall_seconds) {
  double lr = cfg.learning_rate;
  if (cfg.lr_scale == LrScale::Linear) lr *= world_size;
  const int64_t epochs_done = updates_per_epoch > 0 ? iter / updates_per_epoch : 0;
  switch (cfg.lr_schedule) {
    case LrSchedule::Constant: break;
    case LrSchedule::CharRnn: {
      // char-rnn decays at the end of every epoch e (1-based) with e >= learning_rate_decay_after.
      const int64_t first = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(cfg.learning_rate_decay_after)));
      const int64_t decays = std::max<int64_t>(0, epochs_done - first + 1);
      lr *= std::pow(cfg.learning_rate_decay, static_cast<double>(decays));
      break;
    }
    case LrSchedule::Step:
      lr *= std::pow(cfg.lr_decay_factor, static_cast<double>(epochs_done / cfg.lr_decay_every));
      break;
    case LrSchedule::Cosine: {
      const double span = std::max<int64_t>(1, total_iters - cfg.warmup_iters);
      double t = std::clamp(static_cast<double>(iter - cfg.warmup_iters) / span, 0.0, 1.0);
      // Under a time budget the iteration count at the end is not known in
      // advance, so the wall clock is the horizon when it binds first; against
      // max_epochs alone a 30-minute run on a large corpus would end with the
      // rate hardly decayed. (It makes a budgeted run depend on its speed, as
      // the point where it stops already does.)
      if (cfg.max_seconds > 0 && iter >= cfg.warmup_iters)
        t = std::max(t, std::clamp(wall_seconds / cfg.max_seconds, 0.0, 1.0));
      lr = cfg.min_lr + (lr - cfg.min_lr) * 0.5 * (1.0 + std::cos(M_PI * t));
      break;
    }
  }
  if (cfg.warmup_iters > 0 && iter < cfg.warmup_iters) lr *= static_cast<double>(iter + 1) / cfg.warmup_iters;
  return lr;
}

}  // namespace charnn
