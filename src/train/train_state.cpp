// A run's training state (train/run.h, TrainState): captured into a
// checkpoint with every rank's hidden state and RNG (snapshot), and set from
// one on resume (restore).
#include <cstring>
#include <mutex>

#include "parallel/comm.h"
#include "train/run.h"
#include "util/log.h"
#include "util/status.h"

namespace charnn {

namespace {

// A hidden-state tensor [layers, batch, H] as float rows [batch, layers, H]:
// gathered in rank order, every rank's streams follow each other.
std::vector<uint8_t> state_bytes(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kCPU).permute({1, 0, 2}).contiguous();
  const uint8_t* p = reinterpret_cast<const uint8_t*>(c.data_ptr<float>());
  return std::vector<uint8_t>(p, p + c.numel() * sizeof(float));
}

// The random state this rank's dropout draws from: the CPU generator, followed
// by the GPU's generator when training on CUDA.
std::vector<at::Generator> generators(torch::Device device) {
  std::vector<at::Generator> g = {at::detail::getDefaultCPUGenerator()};
  if (device.is_cuda()) g.push_back(at::globalContext().defaultGenerator(device));
  return g;
}

std::vector<uint8_t> rng_bytes(torch::Device device) {
  std::vector<uint8_t> out;
  for (at::Generator gen : generators(device)) {
    std::lock_guard<std::mutex> lock(gen.mutex());
    torch::Tensor s = gen.get_state();
    const uint8_t* p = s.data_ptr<uint8_t>();
    out.insert(out.end(), p, p + s.numel());
  }
  return out;
}

void set_rng_bytes(torch::Device device, const uint8_t* p, size_t n) {
  size_t used = 0;
  for (at::Generator gen : generators(device)) {
    std::lock_guard<std::mutex> lock(gen.mutex());
    const size_t len = static_cast<size_t>(gen.get_state().numel());
    if (used + len > n) {  // a CPU checkpoint resumed on a GPU: the GPU generator keeps its seed
      log::warn("the checkpoint has no GPU random state; dropout on the GPU will not repeat the original run's masks");
      return;
    }
    torch::Tensor s = torch::empty({static_cast<int64_t>(len)}, torch::kUInt8);
    std::memcpy(s.data_ptr<uint8_t>(), p + used, len);
    gen.set_state(s);
    used += len;
  }
}

}  // namespace

Checkpoint snapshot(const Run& r, double val_loss) {
  std::vector<uint8_t> h = gather_bytes(state_bytes(r.st.hidden.h));
  std::vector<uint8_t> c = r.st.hidden.c.defined() ? gather_bytes(state_bytes(r.st.hidden.c)) : std::vector<uint8_t>();
  std::vector<uint8_t> rng = gather_bytes(rng_bytes(r.device));
  if (!r.lead) return {};
  TrainProgress prog = r.st.prog;
  prog.wall_seconds = r.total_wall();  // until this save, the validation included
  return make_checkpoint(r.cfg, r.corpus->vocab(), r.spec, r.fp, r.st.opt, prog, val_loss, r.epoch(), r.c.size,
                         std::move(h), std::move(c), std::move(rng));
}

// Resume: optimizer moments, progress, and (same rank layout) every rank's
// hidden state and RNG; with another layout, the fraction of the epoch done.
void restore(Run& r, const Checkpoint& ck) {
  const int64_t B = r.cfg.batch_size, K = r.cfg.grad_accum;
  if (!ck.has_optimizer)
    fail(r.resume_path, ": no optimizer state to resume from (weights only); start from it with init_from");
  if (ck.optimizer.type != r.st.opt.type)
    fail(r.resume_path, ": optimizer state is ", ck.optimizer.type, ", expected ", r.st.opt.type);
  {
    torch::NoGradGuard no_grad;
    if (r.st.opt.m.defined()) r.st.opt.m.copy_(ck.optimizer.m);
    if (r.st.opt.v.defined()) r.st.opt.v.copy_(ck.optimizer.v);
  }
  r.st.opt.step = ck.optimizer.step;
  r.st.prog = ck.progress;
  if (ck.world_size == r.c.size && ck.streams_per_rank == B) {
    auto rows = [&](const torch::Tensor& t) {
      return t.narrow(0, r.c.rank * B, B).permute({1, 0, 2}).contiguous().to(r.device);
    };
    if (ck.hidden_h.defined()) r.st.hidden.h = rows(ck.hidden_h);
    if (ck.hidden_c.defined()) r.st.hidden.c = rows(ck.hidden_c);
    const size_t per_rank = ck.rng_states.size() / std::max(1, ck.world_size);
    if (per_rank > 0) set_rng_bytes(r.device, ck.rng_states.data() + r.c.rank * per_rank, per_rank);
  } else {
    // Different rank count: the streams are cut differently, so the hidden
    // state does not carry over; keep the fraction of the epoch done.
    const double frac = ck.epoch_float - std::floor(ck.epoch_float);
    r.st.prog.batch_in_epoch =
        std::min<int64_t>(static_cast<int64_t>(frac * r.updates_per_epoch), r.updates_per_epoch - 1) * K;
    log::warn("{} was written by {} rank(s) x {} streams, resuming with {} x {}: streams re-partitioned, hidden "
              "state reset, data position kept at epoch {:.2f}",
              r.resume_path, ck.world_size, ck.streams_per_rank, r.c.size, B, ck.epoch_float);
  }
  log::info("resuming from {} at iteration {} (epoch {:.2f})", r.resume_path, r.st.prog.iter, ck.epoch_float);
}

}  // namespace charnn
