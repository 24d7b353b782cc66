#include "train/trainer.h"

#include <csignal>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include <unistd.h>

#include <map>

#include "data/batcher.h"
#include "gpu/gpu.h"
#include "parallel/comm.h"
#include "parallel/reducer.h"
#include "parallel/watchdog.h"
#include "sample/sampler.h"
#include "train/checkpoint.h"
#include "train/device_step.h"
#include "train/run_dir.h"
#include "train/schedule.h"
#include "train/optim.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/process.h"
#include "util/progress.h"
#include "util/threads.h"
#include "util/status.h"

namespace charnn {

namespace {

std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) { g_stop_signal.store(sig); }

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// NCCL cannot run two ranks of one communicator on one GPU, and ranks that
// share a GPU by accident (a launcher that bound them all to device 0) would
// fight over its memory: every rank names its physical GPU, and ranks that
// landed on the same one stop together, before any work, naming the layout.
void check_one_rank_per_gpu(int index) {
  constexpr size_t kLen = 160;
  const std::string me = cat(host_name(), " GPU ", gpu::bus_id(index));
  std::vector<uint8_t> mine(kLen, 0);
  std::copy_n(me.begin(), std::min(me.size(), kLen - 1), mine.begin());
  const std::vector<uint8_t> all = gather_bytes(mine);
  std::string clash;
  if (comm().rank == 0) {
    std::map<std::string, int> first;
    for (int r = 0; r < comm().size && clash.empty(); ++r) {
      const std::string name(reinterpret_cast<const char*>(all.data() + r * kLen));
      auto [it, fresh] = first.emplace(name, r);
      if (!fresh) clash = cat("ranks ", it->second, " and ", r, " were both given ", name);
    }
  }
  uint64_t len = clash.size();
  broadcast_bytes(&len, sizeof len);
  clash.resize(len);
  broadcast_bytes(clash.data(), len);
  if (!clash.empty())
    throw CollectiveError(cat(clash, "; each rank needs a GPU of its own (mpirun: at most one rank per GPU of a node; "
                                     "srun: --gpus-per-task=1 or --gpu-bind=single:1), or set device: cpu"));
}

torch::Device pick_device(const TrainConfig& cfg) {
  const int index = gpu::resolve_device(cfg.device, comm().local_rank, comm().local_size);
  if (index < 0) return torch::kCPU;
  if (comm().size > 1) check_one_rank_per_gpu(index);
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

// Logs a warning (rank 0 only) when a setting is replaced by the checkpoint's.
template <typename T>
void adopt(T& ours, const T& theirs, const char* name, const std::string& ck_path, bool quiet = false) {
  if (ours != theirs && !quiet)
    log::warn("{} = {} from the command line/config differs from the checkpoint {} ({}); using the checkpoint's", name,
              cat(ours), ck_path, cat(theirs));
  ours = theirs;
}

std::string too_small_message(uint64_t tokens, int64_t B, int64_t T, int world, int64_t accum, const char* split) {
  const uint64_t streams = static_cast<uint64_t>(B) * world;
  const uint64_t need = streams * T * accum + 1;
  const uint64_t max_T = tokens > 1 ? (tokens - 1) / (streams * accum) : 0;
  const uint64_t max_B = tokens > 1 ? (tokens - 1) / (static_cast<uint64_t>(T) * world * accum) : 0;
  return cat(split, " split has ", tokens, " tokens, too few for batch_size ", B, " x seq_length ", T, " x ", world,
             " rank(s)", accum > 1 ? cat(" x grad_accum ", accum) : "", " (needs at least ", need, "); ",
             max_T ? cat("largest seq_length for batch_size ", B, ": ", max_T) : cat("batch_size ", B, " is too large"),
             "; ", max_B ? cat("largest batch_size for seq_length ", T, ": ", max_B) : cat("seq_length ", T, " is too large"));
}

// [layers, batch, H] <-> [batch, layers, H] float bytes, for gathering across ranks.
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

uint64_t checksum(const torch::Tensor& flat) {
  torch::Tensor c = flat.detach().to(torch::kCPU).contiguous();
  const uint8_t* p = reinterpret_cast<const uint8_t*>(c.data_ptr<float>());
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (int64_t i = 0; i < c.numel() * 4; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

}  // namespace

void request_stop() { g_stop_signal.store(SIGTERM); }

EvalResult evaluate(CharRNNImpl& model, const std::shared_ptr<const Corpus>& corpus, Split split,
                    int64_t total_streams, int64_t seq_length, int64_t max_batches, torch::Device device) {
  const Comm& c = comm();
  StreamLayout layout = make_layout(corpus->size(split), total_streams, seq_length);
  if (layout.batches == 0)
    fail(too_small_message(corpus->size(split), total_streams, seq_length, 1, 1, split_name(split)),
         " (evaluation uses batch_size streams in all)");
  const int64_t first = total_streams * c.rank / c.size, last = total_streams * (c.rank + 1) / c.size;
  const int64_t n = last - first;
  const int64_t batches = max_batches > 0 ? std::min<int64_t>(max_batches, layout.batches) : layout.batches;
  double sums[2] = {0, 0};
  if (n > 0) {
    const bool was_training = model.is_training();
    model.eval();
    torch::NoGradGuard no_grad;
    BatchSource src(corpus, split, layout, first, n);
    RnnState state = model.zero_state(n, device);
    const int64_t V = model.spec().vocab_size;
    for (int64_t i = 0; i < batches; ++i) {
      Batch b = src.get(i);
      auto x = torch::from_blob(b.x.data(), {n, seq_length}, torch::kLong).to(device, /*non_blocking=*/false, true);
      auto y = torch::from_blob(b.y.data(), {n * seq_length}, torch::kLong).to(device, false, true);
      auto [logits, next] = model.forward(x, state);
      state = next;
      auto ce = torch::nn::functional::cross_entropy(
          logits.reshape({-1, V}), y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
      sums[0] += ce.to(torch::kDouble).sum().item<double>();
      sums[1] += static_cast<double>(ce.numel());
    }
    if (was_training) model.train();
  }
  {
    CollectiveScope scope("allreduce of the validation loss sums", sizeof sums);
    allreduce_sum(sums, 2);
  }
  return {sums[1] > 0 ? sums[0] / sums[1] : 0.0, sums[1]};
}

namespace {

// The settings a checkpoint decides, adopted before the model is built: its
// architecture (resume and init_from) and, on resume, batching and optimizer.
// Returns the checkpoint (null when training starts fresh); `resume_path` is
// set when it is a resume.
std::unique_ptr<Checkpoint> open_checkpoint_source(TrainConfig& cfg, const Vocab& vocab, std::string* resume_path) {
  *resume_path = cfg.resume == "auto" ? latest_checkpoint(cfg.checkpoint_dir) : cfg.resume;
  const std::string source = !resume_path->empty() ? *resume_path : cfg.init_from;
  if (source.empty()) return nullptr;
  auto ck = std::make_unique<Checkpoint>(load_checkpoint(source));
  if (!(ck->vocab == vocab))
    fail(source, ": vocabulary differs from the corpus ", cfg.data, ": ", describe_vocab_difference(ck->vocab, vocab));
  adopt(cfg.model, ck->spec.type, "model", source);
  adopt(cfg.rnn_size, ck->spec.rnn_size, "rnn_size", source);
  adopt(cfg.num_layers, ck->spec.num_layers, "num_layers", source);
  adopt(cfg.embedding_size, ck->spec.embedding_size, "embedding_size", source);
  if (!resume_path->empty()) {
    adopt(cfg.batch_size, ck->config.batch_size, "batch_size", source);
    adopt(cfg.seq_length, ck->config.seq_length, "seq_length", source);
    adopt(cfg.grad_accum, ck->config.grad_accum, "grad_accum", source);
    adopt(cfg.optimizer, ck->config.optimizer, "optimizer", source);
  }
  return ck;
}

// Everything one training run holds, from set-up to the last checkpoint.
struct Run {
  TrainConfig cfg;
  const Comm& c = comm();
  bool lead = comm().rank == 0;
  Clock::time_point t_start = Clock::now();
  int blas_threads = 1;
  torch::Device device = torch::kCPU;
  std::shared_ptr<const Corpus> corpus;
  ModelSpec spec;
  CharRNN model{nullptr};
  FlatParams fp;
  OptimizerState opt;
  TrainProgress prog;
  RnnState state;
  StreamLayout layout;
  int64_t updates_per_epoch = 0, total_iters = 0;
  double wall_before = 0;  // wall time of the earlier processes of this run (from the checkpoint)
  double agreed_wall = 0;  // total_wall() as all ranks agreed after the last update (for the cosine horizon)
  double last_iter_seconds = 0, last_eval_seconds = 0;  // what the next iteration and the final save will take
  int64_t val_batches = 0;  // per validation pass
  std::string resume_path, best_path;

  double epoch() const { return static_cast<double>(prog.iter) / updates_per_epoch; }
  double chars_per_iter() const {
    return static_cast<double>(cfg.batch_size) * cfg.seq_length * cfg.grad_accum * c.size;
  }
  double total_wall() const { return wall_before + seconds_since(t_start); }  // across restarts
  // max_seconds: would one more iteration, then the final validation and
  // checkpoint, pass the budget? (Estimates: the last iteration and the last save.)
  bool out_of_time() const {
    if (cfg.max_seconds <= 0) return false;
    // Before the first validation, guess it: a forward pass is about half an update.
    const double eval = last_eval_seconds > 0 ? last_eval_seconds : 0.5 * val_batches * last_iter_seconds;
    return total_wall() + last_iter_seconds + eval > cfg.max_seconds;
  }
};

// The model, identical on every rank, with its parameters in one flat buffer.
void build_model(Run& r, const Checkpoint* ck) {
  const TrainConfig& cfg = r.cfg;
  r.spec = ModelSpec{cfg.model, static_cast<int64_t>(r.corpus->vocab().size()), cfg.embedding_size, cfg.rnn_size,
                     cfg.num_layers, cfg.dropout};
  torch::manual_seed(static_cast<uint64_t>(cfg.seed));
  r.model = CharRNN(r.spec);
  if (ck) load_weights(*r.model, *ck);
  else r.model->apply_init(cfg.init);
  r.model->to(r.device);
  r.fp = flatten_parameters(*r.model, r.device);
  if (r.device.is_cuda()) {
    gpu::set_math_mode(cfg.precision == Precision::Fp32 ? gpu::MathMode::FP32 : gpu::MathMode::TF32);
    r.model->set_bf16(cfg.precision == Precision::Bf16);
  } else if (cfg.precision != Precision::Fp32) {
    log::warn("precision = {} applies to GPUs; the CPU computes in fp32", to_string(cfg.precision));
  }
  const uint64_t mine = checksum(r.fp.data);
  uint64_t root = mine;
  broadcast_bytes(&root, sizeof root);
  if (any_rank(root != mine))
    fail("initial weights differ between ranks (checksum mismatch with rank 0); every rank must build the model "
         "from the same seed, config and checkpoint");
  // Dropout masks differ per rank (each sees different data); seeded for reproducibility.
  torch::manual_seed(static_cast<uint64_t>(cfg.seed) * 1000003ull + r.c.rank + 1);
  r.opt = make_optimizer_state(cfg, r.fp);
  r.state = r.model->zero_state(cfg.batch_size, r.device);
}

// How the splits are cut into batches, and how many updates the run makes.
void plan_batches(Run& r) {
  const TrainConfig& cfg = r.cfg;
  const int64_t B = cfg.batch_size, T = cfg.seq_length, K = cfg.grad_accum;
  const uint64_t train_tokens = r.corpus->size(Split::Train), val_tokens = r.corpus->size(Split::Val);
  r.layout = make_layout(train_tokens, B * r.c.size, T);
  if (r.layout.batches < K) fail(too_small_message(train_tokens, B, T, r.c.size, K, "train"));
  r.updates_per_epoch = r.layout.batches / K;
  r.total_iters = static_cast<int64_t>(std::ceil(cfg.max_epochs * r.updates_per_epoch));
  if (cfg.max_iters > 0) r.total_iters = cfg.max_epochs > 0 ? std::min(r.total_iters, cfg.max_iters) : cfg.max_iters;
  if (val_tokens == 0) fail(cfg.data, ": the val split is empty; preprocess with --val-frac > 0");
  r.val_batches = make_layout(val_tokens, B, T).batches;
  if (cfg.val_max_batches > 0) r.val_batches = std::min(r.val_batches, cfg.val_max_batches);
  if (r.val_batches == 0)
    fail(cfg.data, ": ", too_small_message(val_tokens, B, T, 1, 1, "val"), " (evaluation uses batch_size streams in all)");
  if (r.layout.batches < 50)
    log::warn("only {} batches per epoch (train split {} tokens, batch_size {} x seq_length {} x {} ranks); consider "
              "smaller settings or more data",
              r.layout.batches, train_tokens, B, T, r.c.size);
}

// Resume: optimizer moments, progress, and (same rank layout) every rank's
// hidden state and RNG; with another layout, the fraction of the epoch done.
void restore(Run& r, const Checkpoint& ck) {
  const int64_t B = r.cfg.batch_size, K = r.cfg.grad_accum;
  if (!ck.has_optimizer)
    fail(r.resume_path, ": no optimizer state to resume from (weights only); start from it with init_from");
  if (ck.optimizer.type != r.opt.type)
    fail(r.resume_path, ": optimizer state is ", ck.optimizer.type, ", expected ", r.opt.type);
  {
    torch::NoGradGuard no_grad;
    if (r.opt.m.defined()) r.opt.m.copy_(ck.optimizer.m);
    if (r.opt.v.defined()) r.opt.v.copy_(ck.optimizer.v);
  }
  r.opt.step = ck.optimizer.step;
  r.prog = ck.progress;
  if (ck.world_size == r.c.size && ck.streams_per_rank == B) {
    auto rows = [&](const torch::Tensor& t) {
      return t.narrow(0, r.c.rank * B, B).permute({1, 0, 2}).contiguous().to(r.device);
    };
    if (ck.hidden_h.defined()) r.state.h = rows(ck.hidden_h);
    if (ck.hidden_c.defined()) r.state.c = rows(ck.hidden_c);
    const size_t per_rank = ck.rng_states.size() / std::max(1, ck.world_size);
    if (per_rank > 0) set_rng_bytes(r.device, ck.rng_states.data() + r.c.rank * per_rank, per_rank);
  } else {
    // Different rank count: the streams are cut differently, so the hidden
    // state does not carry over; keep the fraction of the epoch done.
    const double frac = ck.epoch_float - std::floor(ck.epoch_float);
    r.prog.batch_in_epoch =
        std::min<int64_t>(static_cast<int64_t>(frac * r.updates_per_epoch), r.updates_per_epoch - 1) * K;
    log::warn("{} was written by {} rank(s) x {} streams, resuming with {} x {}: streams re-partitioned, hidden "
              "state reset, data position kept at epoch {:.2f}",
              r.resume_path, ck.world_size, ck.streams_per_rank, r.c.size, B, ck.epoch_float);
  }
  log::info("resuming from {} at iteration {} (epoch {:.2f})", r.resume_path, r.prog.iter, ck.epoch_float);
}

// Set-up, in order: threads, device, corpus, what a checkpoint decides, the
// model, the batches, the resumed state.
void set_up(Run& r) {
  r.blas_threads = configure_cpu_threads(r.cfg.threads, r.c.local_size);
  configure_allocator();
  r.device = pick_device(r.cfg);
  r.corpus = std::shared_ptr<const Corpus>(Corpus::open(r.cfg.data, r.cfg.vocab));
  std::unique_ptr<Checkpoint> ck = open_checkpoint_source(r.cfg, r.corpus->vocab(), &r.resume_path);
  if (r.resume_path.empty()) {  // a new run: the directory must be free for it (a resume takes its id over)
    if (r.lead) claim_run_dir(r.cfg);
    r.prog.run_id = new_run_id();
  }
  if (r.cfg.savefile.empty()) r.cfg.savefile = to_string(r.cfg.model);
  build_model(r, ck.get());
  plan_batches(r);
  if (ck && !r.resume_path.empty()) restore(r, *ck);
  else if (ck) log::info("initialised weights from {}", r.cfg.init_from);
  r.wall_before = r.prog.wall_seconds;
  r.agreed_wall = r.wall_before;
  // A resumed run's pace so far stands in for its next iteration's time.
  if (r.prog.chars_per_sec > 0) r.last_iter_seconds = r.chars_per_iter() / r.prog.chars_per_sec;
}

// max_seconds already spent by the earlier processes of this run (decided together).
bool budget_spent_at_start(const Run& r) {
  if (r.cfg.max_seconds <= 0 || !any_rank(r.out_of_time())) return false;
  log::info("max_seconds = {} s already spent by this run ({:.1f} s); nothing to train", r.cfg.max_seconds,
            r.wall_before);
  return true;
}

// What one update reports to the loop.
struct StepReport {
  double loss = 0, grad_norm = 0;
  double data = 0, compute = 0, reduce = 0, optim = 0;  // seconds
  bool stop = false;         // a stop signal reached some rank: checkpoint and exit 75
  bool out_of_time = false;  // the max_seconds budget is spent: final validation, exit 0
};

[[noreturn]] void stop_on_nan(const Run& r, int64_t iter, const char* what, const char* consequence) {
  const std::string last = latest_checkpoint(r.cfg.checkpoint_dir);
  throw CollectiveError(cat(what, " became NaN or Inf at iteration ", iter + 1, " (epoch ",
                            static_cast<double>(iter) / r.updates_per_epoch, "); ", consequence,
                            "; last good checkpoint: ", last.empty() ? "none" : last,
                            "; try a lower learning_rate or grad_clip"));
}

// char-rnn's explosion guard: stop when a loss passes 3x the run's first loss.
void check_explosion(TrainProgress& prog, const TrainConfig& cfg, double loss, int64_t iter) {
  if (std::isnan(prog.first_loss)) prog.first_loss = loss;
  if (cfg.explosion_guard && loss > 3 * prog.first_loss)
    throw CollectiveError(cat("loss ", loss, " exploded past 3x the first loss (", prog.first_loss, ") at iteration ",
                              iter, "; last good checkpoint: ", latest_checkpoint(cfg.checkpoint_dir)));
}

// One update on the classic path: synchronous; every rank agrees on the loss,
// on a NaN and on a stop request after every iteration. Used on the CPU and
// with several ranks or grad_accum > 1.
StepReport classic_step(Run& r, BatchSource& src, GradReducer& reducer, double lr) {
  const int64_t B = r.cfg.batch_size, T = r.cfg.seq_length, K = r.cfg.grad_accum, V = r.spec.vocab_size;
  StepReport s;
  double loss_sum = 0;
  auto t0 = Clock::now();
  for (int64_t micro = 0; micro < K; ++micro) {
    Batch b = src.get(r.prog.batch_in_epoch);
    s.data += b.wait_seconds;
    auto x = torch::from_blob(b.x.data(), {B, T}, torch::kLong).to(r.device, false, true);
    auto y = torch::from_blob(b.y.data(), {B * T}, torch::kLong).to(r.device, false, true);
    auto [logits, next] = r.model->forward(x, r.state);
    r.state = next.detached();
    auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, V}), y);
    reducer.arm(micro == K - 1);
    (K > 1 ? loss / static_cast<double>(K) : loss).backward();
    loss_sum += loss.item<double>();
    r.prog.batch_in_epoch += 1;
  }
  auto t1 = Clock::now();
  s.reduce = reducer.finish();
  // One small all-reduce decides together: mean loss, any non-finite loss, any
  // stop request, any rank out of time (clocks differ a little; the first
  // decides), and the wall time the learning rate follows (the ranks' mean).
  double flags[5] = {loss_sum / K, std::isfinite(loss_sum) ? 0.0 : 1.0, g_stop_signal.load() ? 1.0 : 0.0,
                     r.out_of_time() ? 1.0 : 0.0, r.total_wall()};
  {
    CollectiveScope scope(cat("allreduce of iteration ", r.prog.iter + 1, "'s loss and flags"), sizeof flags);
    allreduce_sum(flags, 5);
  }
  s.loss = flags[0] / r.c.size;
  s.stop = flags[2] > 0;
  s.out_of_time = flags[3] > 0;
  r.agreed_wall = flags[4] / r.c.size;
  if (flags[1] > 0) stop_on_nan(r, r.prog.iter, "loss", "weights were not updated");
  check_explosion(r.prog, r.cfg, s.loss, r.prog.iter + 1);
  auto t2 = Clock::now();
  s.grad_norm = clip_gradients(r.cfg, r.fp);
  optimizer_step(r.cfg, r.opt, r.fp, lr);
  r.fp.grad.zero_();
  s.compute = std::chrono::duration<double>(t1 - t0).count() - s.data;
  s.optim = std::chrono::duration<double>(Clock::now() - t2).count();
  return s;
}

// The single-GPU step queues without waiting; this reads what the queued
// steps produced (the checks of classic_step, late) into `s` and the history.
void read_device_losses(Run& r, DeviceStep& step, StepReport& s) {
  auto t = Clock::now();
  DeviceStep::Window w = step.drain();
  s.compute += seconds_since(t);
  if (w.bad_iter >= 0) stop_on_nan(r, w.bad_iter, "loss or gradient", "weights were not updated from there on");
  const int64_t first_iter = r.prog.iter - static_cast<int64_t>(w.losses.size()) + 1;
  for (size_t i = 0; i < w.losses.size(); ++i) {
    const int64_t iter = first_iter + static_cast<int64_t>(i);
    check_explosion(r.prog, r.cfg, w.losses[i], iter);
    r.prog.history.add_train(iter, w.losses[i]);
  }
  if (!w.losses.empty()) s.loss = w.losses.back(), s.grad_norm = w.grad_norms.back();
}

// Validation, then a checkpoint (every rank joins: the hidden state and RNG are gathered; rank 0 writes).
void evaluate_and_save(Run& r, RunDir& dir, const char* why) {
  const TrainConfig& cfg = r.cfg;
  const auto t0 = Clock::now();
  EvalResult ev = evaluate(*r.model, r.corpus, Split::Val, cfg.batch_size, cfg.seq_length, cfg.val_max_batches,
                           r.device);
  r.prog.history.val_iter.push_back(r.prog.iter);
  r.prog.history.val_loss.push_back(ev.loss);
  if (ev.loss < r.prog.best_val_loss) r.prog.best_val_loss = ev.loss, r.prog.best_val_iter = r.prog.iter;
  std::vector<uint8_t> h = gather_bytes(state_bytes(r.state.h));
  std::vector<uint8_t> cc = r.state.c.defined() ? gather_bytes(state_bytes(r.state.c)) : std::vector<uint8_t>();
  std::vector<uint8_t> rng = gather_bytes(rng_bytes(r.device));
  if (!r.lead) {
    r.last_eval_seconds = seconds_since(t0);
    return;
  }
  TrainProgress prog = r.prog;
  prog.wall_seconds = r.total_wall();
  const std::string path = cfg.checkpoint_dir + "/" + checkpoint_file_name(cfg.savefile, r.epoch(), ev.loss);
  save_checkpoint(path, make_checkpoint(cfg, r.corpus->vocab(), r.spec, r.fp, r.opt, prog, ev.loss, r.epoch(),
                                        r.c.size, std::move(h), std::move(cc), std::move(rng)));
  r.best_path = apply_retention(cfg.checkpoint_dir, cfg.savefile, r.prog.run_id, cfg.keep_last, cfg.keep_best);
  dir.metric({{"event", "val"}, {"iter", r.prog.iter}, {"epoch", r.epoch()}, {"val_loss", ev.loss},
              {"val_bpc", ev.loss / std::log(2.0)}, {"checkpoint", path}, {"reason", why}, {"wall", r.total_wall()}});
  log::info("val loss {:.6g} nats/char ({:.6g} bpc) at iteration {}, epoch {:.6g} -> {}", ev.loss,
            ev.loss / std::log(2.0), r.prog.iter, r.epoch(), path);
  r.last_eval_seconds = seconds_since(t0);
}

// Progress samples at each configured temperature (rank 0, on the CPU).
void progress_sample(Run& r, RunDir& dir) {
  if (!r.lead) return;
  Sampler sampler(*r.model, r.corpus->vocab());
  for (double temp : parse_double_list(r.cfg.sample_temperatures, "sample_temperatures")) {
    SampleOptions so;
    so.length = r.cfg.sample_length;
    so.temperature = temp;
    so.seed = static_cast<uint64_t>(r.cfg.seed + r.prog.iter);
    std::string text = sampler.generate(so);
    dir.sample({{"iter", r.prog.iter}, {"temperature", temp}, {"text", text}});
    log::progress(fmt::format("--- sample at iteration {}, temperature {} ---\n{}\n---", r.prog.iter, temp, text),
                  false);
  }
}

// The single-GPU step (train/device_step.h) when this run can use it: one
// rank on a GPU, grad_accum 1, no forced reducer; null otherwise.
std::unique_ptr<DeviceStep> make_device_step(Run& r, const GradReducer& reducer) {
  const bool single_gpu = r.device.is_cuda() && !reducer.active() && r.cfg.grad_accum == 1;
  if (r.cfg.cuda_graph == CudaGraph::On && !single_gpu)
    fail("cuda_graph = on needs a GPU (device: cuda), one rank and grad_accum 1; set cuda_graph: auto or off");
  // A CUDA graph takes its memory pool while it is captured: the peak counts from before.
  if (r.device.is_cuda()) gpu::reset_peak(r.device.index());
  if (!single_gpu) return nullptr;
  auto step = std::make_unique<DeviceStep>(*r.model, r.fp, r.opt, r.cfg, r.state, r.prog.iter, r.device,
                                           r.cfg.cuda_graph != CudaGraph::Off);
  if (r.cfg.cuda_graph == CudaGraph::On && !step->graphed())
    fail("cuda_graph = on, but the training step could not be captured as a CUDA graph: ", step->graph_note());
  if (!step->graph_note().empty())
    log::warn("training without a CUDA graph (the step could not be captured: {})", step->graph_note());
  log::info("single-GPU step: {}, no host synchronisation between log lines", step->graphed() ? "CUDA graph" : "eager");
  return step;
}

// Timing of the updates since the last "train" line of metrics.jsonl.
struct LogWindow {
  double data = 0, compute = 0, reduce = 0, optim = 0;
  int64_t iters = 0;
  Clock::time_point since = Clock::now();
  void add(const StepReport& s) {
    data += s.data, compute += s.compute, reduce += s.reduce, optim += s.optim;
    iters += 1;
  }
};

void start_lines(const Run& r, const GradReducer& reducer, RunDir& dir) {
  // Where every rank landed (collective): host, node-local rank and size, threads.
  const std::vector<RankPlace> places = r.c.size > 1 ? gather_places(r.blas_threads) : std::vector<RankPlace>();
  if (!r.lead) return;
  nlohmann::json ranks = nlohmann::json::array();
  for (const RankPlace& p : places)
    ranks.push_back({{"host", p.host}, {"local_rank", p.local_rank}, {"local_size", p.local_size},
                     {"threads", p.threads}});
  if (!places.empty()) log::info("ranks: {}", describe_places(places));
  if (reducer.active())
    log::info("gradients all-reduced over {} rank(s) with {} in {} bucket(s){}", r.c.size, reducer.backend(),
              reducer.bucket_count(), r.cfg.overlap ? ", overlapped with backward" : "");
  log::info("{} {}x{}, {} parameters, vocab {} | {} rank(s) x batch {} x seq {} | {} batches/epoch, {} iterations | "
            "device {}, {} BLAS thread(s)/rank",
            to_string(r.cfg.model), r.cfg.num_layers, r.cfg.rnn_size, r.fp.data.numel(), r.corpus->vocab().size(),
            r.c.size, r.cfg.batch_size, r.cfg.seq_length, r.layout.batches, r.total_iters, r.device.str(),
            r.blas_threads);
  nlohmann::json start = {{"event", "start"}, {"iter", r.prog.iter}, {"world_size", r.c.size},
                          {"parameters", r.fp.data.numel()}, {"total_iters", r.total_iters},
                          {"batches_per_epoch", r.layout.batches}, {"resumed", !r.resume_path.empty()}};
  if (!places.empty()) start["ranks"] = ranks;
  dir.metric(start);
}

// A "train" line of metrics.jsonl: the loss at this update, timings averaged over the window.
void log_train(const Run& r, RunDir& dir, LogWindow& w, const StepReport& s, double lr) {
  const double ms = 1000.0 / std::max<int64_t>(1, w.iters);
  nlohmann::json line = {{"event", "train"}, {"iter", r.prog.iter}, {"epoch", r.epoch()}, {"loss", s.loss},
                         {"lr", lr}, {"grad_norm", s.grad_norm}, {"chars_per_sec", r.prog.chars_per_sec},
                         {"ms_data", w.data * ms}, {"ms_compute", w.compute * ms},
                         {"ms_allreduce_exposed", w.reduce * ms}, {"ms_optimizer", w.optim * ms},
                         {"wall", r.total_wall()}};
  if (r.device.is_cuda()) line["peak_gpu_mem_mb"] = gpu::peak_allocated_mib(r.device.index());
  dir.metric(line);
  w = LogWindow();
}

// The single-GPU step's update: no collective, so the stop and budget checks are this rank's own.
StepReport device_step_once(Run& r, DeviceStep& step, BatchSource& src, double lr) {
  StepReport s;
  const auto t0 = Clock::now();
  Batch b = src.get(r.prog.batch_in_epoch);
  s.data = b.wait_seconds;
  step.run(b, lr);
  r.prog.batch_in_epoch += 1;
  s.stop = g_stop_signal.load() != 0;
  s.out_of_time = r.out_of_time();
  r.agreed_wall = r.total_wall();
  s.compute = seconds_since(t0) - s.data;
  return s;
}

// The order in which epoch r.prog.epoch deals the train windows to the streams.
void deal_train_order(const Run& r, BatchSource& src) {
  if (r.cfg.block_shuffle > 0)
    src.set_order(make_block_order(r.layout, r.cfg.block_shuffle, r.cfg.seed, r.prog.epoch));
}

// At an epoch boundary the streams restart, and so does the hidden state.
void end_epoch_if_due(Run& r, DeviceStep* step, BatchSource& src) {
  if (r.prog.batch_in_epoch < r.updates_per_epoch * r.cfg.grad_accum) return;
  r.prog.epoch += 1;
  r.prog.batch_in_epoch = 0;
  deal_train_order(r, src);
  if (step) step->reset_state();
  else r.state = r.model->zero_state(r.cfg.batch_size, r.device);
}

TrainOutcome outcome_of(const Run& r, int exit_code) {
  TrainOutcome o;
  o.exit_code = exit_code;
  o.iterations = r.prog.iter;
  o.best_val_loss = r.prog.best_val_loss;
  o.best_checkpoint = r.best_path;
  return o;
}

}  // namespace

TrainOutcome train(TrainConfig cfg) {
  std::signal(SIGUSR2, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  Run r;
  r.cfg = std::move(cfg);
  set_up(r);
  GradReducer reducer(r.fp, r.cfg.bucket_mb, r.cfg.overlap, r.cfg.reduce_single_rank);
  RunDir dir(r.cfg, r.lead);
  start_lines(r, reducer, dir);
  ProgressDisplay display(r.lead ? r.cfg.progress : ProgressMode::Lines, r.cfg.print_every);
  const Schedule schedule(r.cfg, r.total_iters);
  BatchSource train_src(r.corpus, Split::Train, r.layout, r.c.rank * r.cfg.batch_size, r.cfg.batch_size);
  deal_train_order(r, train_src);
  std::unique_ptr<DeviceStep> device_step = make_device_step(r, reducer);
  LogWindow window;
  r.model->train();
  try {
    bool out_of_time = budget_spent_at_start(r);
    while (!schedule.done(r.prog.iter) && !out_of_time) {
      const double lr = learning_rate_at(r.cfg, r.prog.iter, r.updates_per_epoch, r.total_iters, r.c.size, r.agreed_wall);
      const auto t_iter = Clock::now();
      StepReport s = device_step ? device_step_once(r, *device_step, train_src, lr)
                                 : classic_step(r, train_src, reducer, lr);
      r.last_iter_seconds = seconds_since(t_iter);
      out_of_time = s.out_of_time;
      r.prog.iter += 1;
      const bool report = !device_step || schedule.needs_losses(r.prog.iter, s.stop || s.out_of_time);
      if (!device_step) {
        r.prog.history.add_train(r.prog.iter, s.loss);
      } else if (report) {
        read_device_losses(r, *device_step, s);
      }
      end_epoch_if_due(r, device_step.get(), train_src);
      window.add(s);
      if (!report) continue;
      const double elapsed = seconds_since(window.since);
      r.prog.chars_per_sec = elapsed > 0 ? r.chars_per_iter() * window.iters / elapsed : 0;
      if (r.lead)
        display.update({r.prog.iter, r.total_iters, r.epoch(), s.loss, lr, s.grad_norm, r.prog.chars_per_sec,
                        r.total_wall(), r.cfg.max_seconds});
      if (schedule.log(r.prog.iter)) log_train(r, dir, window, s, lr);  // the line itself: rank 0's RunDir
      if (s.stop) {
        log::info("stop requested (signal) at iteration {}; writing a checkpoint", r.prog.iter);
        evaluate_and_save(r, dir, "preempted");
        display.finish();
        return outcome_of(r, kExitPreempted);
      }
      const bool last = schedule.done(r.prog.iter) || s.out_of_time;
      if (schedule.evaluate(r.prog.iter) || last) evaluate_and_save(r, dir, last ? "final" : "periodic");
      if (s.out_of_time) log::info("max_seconds = {} s reached after iteration {}", r.cfg.max_seconds, r.prog.iter);
      if (schedule.sample(r.prog.iter)) progress_sample(r, dir);
    }
  } catch (const CollectiveError&) {
    display.finish();  // the error line must not land inside a progress bar
    throw;
  }
  display.finish();
  if (r.lead) {
    log::info("done: {} iterations; best val loss {:.4f} nats/char ({:.4f} bpc) at iteration {}: {}", r.prog.iter,
              r.prog.best_val_loss, r.prog.best_val_loss / std::log(2.0), r.prog.best_val_iter, r.best_path);
    dir.metric({{"event", "done"}, {"iter", r.prog.iter}, {"best_val_loss", r.prog.best_val_loss},
                {"best_checkpoint", r.best_path}, {"wall", r.total_wall()}});
  }
  return outcome_of(r, 0);
}

}  // namespace charnn
