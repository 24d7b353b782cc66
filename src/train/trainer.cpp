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
#include "dist/comm.h"
#include "dist/reducer.h"
#include "sample/sampler.h"
#include "train/checkpoint.h"
#include "train/device_step.h"
#include "train/optim.h"
#include "util/fsutil.h"
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
  char host[64] = {0};
  ::gethostname(host, sizeof host - 1);
  const std::string me = cat(host, " GPU ", gpu::bus_id(index));
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
  const bool want_cuda = cfg.device == "cuda" || (cfg.device == "auto" && gpu::available());
  if (!want_cuda) return torch::kCPU;
  std::string why;
  const int index = gpu::choose_device(comm().local_rank, comm().local_size, gpu::visible_count(), &why);
  if (index < 0) fail("device = ", cfg.device, ": ", why);
  if (comm().size > 1) check_one_rank_per_gpu(index);
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

// Logs a warning (rank 0 only) when a setting is replaced by the checkpoint's.
template <typename T>
void adopt(T& ours, const T& theirs, const char* name, const std::string& ck_path, bool quiet = false) {
  if (ours != theirs && !quiet && comm().rank == 0)
    std::fprintf(stderr, "charnn: warning: %s = %s from the command line/config differs from the checkpoint %s "
                         "(%s); using the checkpoint's\n",
                 name, cat(ours).c_str(), ck_path.c_str(), cat(theirs).c_str());
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
      if (comm().rank == 0)
        std::fprintf(stderr, "charnn: warning: the checkpoint has no GPU random state; dropout on the GPU "
                             "will not repeat the original run's masks\n");
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

void append_line(std::ofstream& f, const nlohmann::json& j) {
  if (!f.is_open()) return;
  f << j.dump() << "\n";
  f.flush();
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
  allreduce_sum(sums, 2);
  return {sums[1] > 0 ? sums[0] / sums[1] : 0.0, sums[1]};
}

TrainOutcome train(TrainConfig cfg) {
  const Comm& c = comm();
  const bool lead = c.rank == 0;
  const auto t_start = Clock::now();
  std::signal(SIGUSR2, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);

  const int blas_threads = configure_cpu_threads(cfg.threads, c.local_size);
  configure_allocator();
  const torch::Device device = pick_device(cfg);

  auto corpus = std::shared_ptr<const Corpus>(Corpus::open(cfg.data, cfg.vocab));
  const Vocab& vocab = corpus->vocab();

  // --- resume / init_from: what the checkpoint decides ---
  std::string resume_path = cfg.resume;
  if (resume_path == "auto") resume_path = latest_checkpoint(cfg.checkpoint_dir);
  std::unique_ptr<Checkpoint> ck;
  const std::string source_path = !resume_path.empty() ? resume_path : cfg.init_from;
  if (!source_path.empty()) {
    ck = std::make_unique<Checkpoint>(load_checkpoint(source_path));
    if (!(ck->vocab == vocab))
      fail(source_path, ": vocabulary differs from the corpus ", cfg.data, ": ", describe_vocab_difference(ck->vocab, vocab));
    adopt(cfg.model, ck->spec.type, "model", source_path);
    adopt(cfg.rnn_size, ck->spec.rnn_size, "rnn_size", source_path);
    adopt(cfg.num_layers, ck->spec.num_layers, "num_layers", source_path);
    adopt(cfg.embedding_size, ck->spec.embedding_size, "embedding_size", source_path);
    if (!resume_path.empty()) {
      adopt(cfg.batch_size, ck->config.batch_size, "batch_size", source_path);
      adopt(cfg.seq_length, ck->config.seq_length, "seq_length", source_path);
      adopt(cfg.grad_accum, ck->config.grad_accum, "grad_accum", source_path);
      adopt(cfg.optimizer, ck->config.optimizer, "optimizer", source_path);
    }
  }
  if (cfg.savefile.empty()) cfg.savefile = cfg.model;

  // --- model: identical on every rank ---
  ModelSpec spec{cfg.model, static_cast<int64_t>(vocab.size()), cfg.embedding_size, cfg.rnn_size, cfg.num_layers,
                 cfg.dropout};
  torch::manual_seed(static_cast<uint64_t>(cfg.seed));
  CharRNN model(spec);
  if (ck) load_weights(*model, *ck);
  model->to(device);
  FlatParams fp = flatten_parameters(*model, device);
  if (device.is_cuda()) {
    gpu::set_math_mode(cfg.precision == "fp32" ? gpu::MathMode::FP32 : gpu::MathMode::TF32);
    model->set_bf16(cfg.precision == "bf16");
  } else if (cfg.precision != "fp32" && c.rank == 0) {
    std::fprintf(stderr, "charnn: warning: precision = %s applies to GPUs; the CPU computes in fp32\n",
                 cfg.precision.c_str());
  }
  {
    const uint64_t mine = checksum(fp.data);
    uint64_t root = mine;
    broadcast_bytes(&root, sizeof root);
    if (any_rank(root != mine))
      fail("initial weights differ between ranks (checksum mismatch with rank 0); every rank must build the model "
           "from the same seed, config and checkpoint");
  }
  // Dropout masks differ per rank (each sees different data); seeded for reproducibility.
  torch::manual_seed(static_cast<uint64_t>(cfg.seed) * 1000003ull + c.rank + 1);

  OptimizerState opt = make_optimizer_state(cfg, fp);
  TrainProgress prog;
  const int64_t B = cfg.batch_size, T = cfg.seq_length, K = cfg.grad_accum;
  StreamLayout layout = make_layout(corpus->size(Split::Train), B * c.size, T);
  if (layout.batches < K) fail(too_small_message(corpus->size(Split::Train), B, T, c.size, K, "train"));
  const int64_t updates_per_epoch = layout.batches / K;
  int64_t total_iters = static_cast<int64_t>(std::ceil(cfg.max_epochs * updates_per_epoch));
  if (cfg.max_iters > 0) total_iters = cfg.max_epochs > 0 ? std::min(total_iters, cfg.max_iters) : cfg.max_iters;
  if (corpus->size(Split::Val) == 0) fail(cfg.data, ": the val split is empty; preprocess with --val-frac > 0");
  if (make_layout(corpus->size(Split::Val), B, T).batches == 0)
    fail(cfg.data, ": ", too_small_message(corpus->size(Split::Val), B, T, 1, 1, "val"),
         " (evaluation uses batch_size streams in all)");
  if (lead && layout.batches < 50)
    std::fprintf(stderr, "charnn: warning: only %ld batches per epoch (train split %lu tokens, batch_size %ld x "
                         "seq_length %ld x %d ranks); consider smaller settings or more data\n",
                 static_cast<long>(layout.batches), static_cast<unsigned long>(corpus->size(Split::Train)),
                 static_cast<long>(B), static_cast<long>(T), c.size);

  RnnState state = model->zero_state(B, device);
  if (ck && !resume_path.empty()) {
    if (ck->optimizer.type != opt.type) fail(resume_path, ": optimizer state is ", ck->optimizer.type, ", expected ", opt.type);
    {
      torch::NoGradGuard no_grad;
      if (opt.m.defined()) opt.m.copy_(ck->optimizer.m);
      if (opt.v.defined()) opt.v.copy_(ck->optimizer.v);
    }
    opt.step = ck->optimizer.step;
    prog = ck->progress;
    if (ck->world_size == c.size && ck->streams_per_rank == B) {
      auto rows = [&](const torch::Tensor& t) {
        return t.narrow(0, c.rank * B, B).permute({1, 0, 2}).contiguous().to(device);
      };
      if (ck->hidden_h.defined()) state.h = rows(ck->hidden_h);
      if (ck->hidden_c.defined()) state.c = rows(ck->hidden_c);
      const size_t per_rank = ck->rng_states.size() / std::max(1, ck->world_size);
      if (per_rank > 0) set_rng_bytes(device, ck->rng_states.data() + c.rank * per_rank, per_rank);
    } else {
      // Different rank count: the streams are cut differently, so the hidden
      // state does not carry over; keep the fraction of the epoch done.
      const double frac = ck->epoch_float - std::floor(ck->epoch_float);
      prog.batch_in_epoch = std::min<int64_t>(static_cast<int64_t>(frac * updates_per_epoch), updates_per_epoch - 1) * K;
      if (lead)
        std::fprintf(stderr, "charnn: warning: %s was written by %d rank(s) x %ld streams, resuming with %d x %ld: "
                             "streams re-partitioned, hidden state reset, data position kept at epoch %.2f\n",
                     resume_path.c_str(), ck->world_size, static_cast<long>(ck->streams_per_rank), c.size,
                     static_cast<long>(B), ck->epoch_float);
    }
    if (lead)
      std::fprintf(stderr, "charnn: resuming from %s at iteration %ld (epoch %.2f)\n", resume_path.c_str(),
                   static_cast<long>(prog.iter), ck->epoch_float);
  } else if (ck && lead) {
    std::fprintf(stderr, "charnn: initialised weights from %s\n", source_path.c_str());
  }
  ck.reset();
  // Wall time over all restarts of this run: what the checkpoint had, plus this process.
  const double wall_before = prog.wall_seconds;
  auto total_wall = [&] { return wall_before + seconds_since(t_start); };

  GradReducer reducer(fp, cfg.bucket_mb, cfg.overlap, cfg.reduce_single_rank);
  if (lead && reducer.active())
    std::fprintf(stderr, "charnn: gradients all-reduced over %d rank(s) with %s in %zu bucket(s)%s\n", c.size,
                 reducer.backend(), reducer.bucket_count(), cfg.overlap ? ", overlapped with backward" : "");

  // --- run directory (rank 0) ---
  std::ofstream metrics, samples;
  if (lead) {
    make_dirs(cfg.checkpoint_dir);
    write_file_atomic(cfg.checkpoint_dir + "/config.yaml", to_yaml(cfg));
    metrics.open(cfg.checkpoint_dir + "/metrics.jsonl", std::ios::app);
    samples.open(cfg.checkpoint_dir + "/samples.jsonl", std::ios::app);
    if (!metrics || !samples) fail(cfg.checkpoint_dir, ": cannot write metrics.jsonl/samples.jsonl");
    std::fprintf(stderr,
                 "charnn: %s %ldx%ld, %ld parameters, vocab %zu | %d rank(s) x batch %ld x seq %ld | %ld batches/epoch, "
                 "%ld iterations | device %s, %d BLAS thread(s)/rank\n",
                 cfg.model.c_str(), static_cast<long>(cfg.num_layers), static_cast<long>(cfg.rnn_size),
                 static_cast<long>(fp.data.numel()), vocab.size(), c.size, static_cast<long>(B), static_cast<long>(T),
                 static_cast<long>(layout.batches), static_cast<long>(total_iters), device.str().c_str(),
                 blas_threads);
    append_line(metrics, {{"event", "start"}, {"iter", prog.iter}, {"world_size", c.size},
                          {"parameters", fp.data.numel()}, {"total_iters", total_iters},
                          {"batches_per_epoch", layout.batches}, {"resumed", !resume_path.empty()}});
  }
  ProgressDisplay display(lead ? cfg.progress : "lines", cfg.print_every);
  auto say = [&](const std::string& s) {
    if (lead) display.message(s);
  };

  BatchSource train_src(corpus, Split::Train, layout, c.rank * B, B);
  const int64_t V = spec.vocab_size;
  const double chars_per_iter = static_cast<double>(B) * T * K * c.size;
  std::string best_path;

  // Evaluate on val, write a checkpoint (every rank joins: the hidden state is gathered).
  auto evaluate_and_save = [&](const char* why) {
    EvalResult ev = evaluate(*model, corpus, Split::Val, B, T, cfg.val_max_batches, device);
    prog.history.val_iter.push_back(prog.iter);
    prog.history.val_loss.push_back(ev.loss);
    if (ev.loss < prog.best_val_loss) prog.best_val_loss = ev.loss, prog.best_val_iter = prog.iter;
    const double epoch = static_cast<double>(prog.iter) / updates_per_epoch;
    std::vector<uint8_t> h = gather_bytes(state_bytes(state.h));
    std::vector<uint8_t> cc = state.c.defined() ? gather_bytes(state_bytes(state.c)) : std::vector<uint8_t>();
    std::vector<uint8_t> rng = gather_bytes(rng_bytes(device));
    if (!lead) return;
    Checkpoint out;
    out.config_yaml = to_yaml(cfg);
    out.config = cfg;
    out.vocab = vocab;
    out.spec = spec;
    out.param_names = fp.names;
    for (auto& p : fp.params) out.params.push_back(p.detach().to(torch::kCPU));
    out.optimizer = opt;
    if (opt.m.defined()) out.optimizer.m = opt.m.to(torch::kCPU);
    if (opt.v.defined()) out.optimizer.v = opt.v.to(torch::kCPU);
    out.progress = prog;
    out.progress.wall_seconds = total_wall();  // across restarts
    out.val_loss = ev.loss;
    out.epoch_float = epoch;
    out.world_size = c.size;
    out.streams_per_rank = B;
    out.rng_states = rng;
    auto to_tensor = [&](std::vector<uint8_t>& bytes) {
      return torch::from_blob(bytes.data(), {static_cast<int64_t>(c.size) * B, cfg.num_layers, cfg.rnn_size},
                              torch::kFloat32).clone();
    };
    out.hidden_h = to_tensor(h);
    if (!cc.empty()) out.hidden_c = to_tensor(cc);
    const std::string path = cfg.checkpoint_dir + "/" + checkpoint_file_name(cfg.savefile, epoch, ev.loss);
    save_checkpoint(path, out);
    best_path = apply_retention(cfg.checkpoint_dir, cfg.savefile, cfg.keep_last, cfg.keep_best);
    append_line(metrics, {{"event", "val"}, {"iter", prog.iter}, {"epoch", epoch}, {"val_loss", ev.loss},
                          {"val_bpc", ev.loss / std::log(2.0)}, {"checkpoint", path}, {"reason", why},
                          {"wall", total_wall()}});
    say(cat("val loss ", ev.loss, " nats/char (", ev.loss / std::log(2.0), " bpc) at iteration ", prog.iter,
            ", epoch ", epoch, " -> ", path));
  };

  auto progress_sample = [&]() {
    if (!lead) return;
    Sampler sampler(*model, vocab);
    for (double temp : parse_double_list(cfg.sample_temperatures, "sample_temperatures")) {
      SampleOptions so;
      so.length = cfg.sample_length;
      so.temperature = temp;
      so.seed = static_cast<uint64_t>(cfg.seed + prog.iter);
      std::string text = sampler.generate(so);
      append_line(samples, {{"iter", prog.iter}, {"temperature", temp}, {"text", text}});
      say(cat("--- sample at iteration ", prog.iter, ", temperature ", temp, " ---\n", text, "\n---"));
    }
  };

  // One update on the classic path: synchronous, every rank agrees on the
  // loss, a NaN or a stop request after every iteration. Used on the CPU and
  // with several ranks or grad_accum > 1.
  struct StepReport {
    double loss = 0, grad_norm = 0;
    double data = 0, compute = 0, reduce = 0, optim = 0;  // seconds
    bool stop = false;
  };
  auto classic_step = [&](double lr) {
    StepReport r;
    double loss_sum = 0;
    auto t0 = Clock::now();
    for (int64_t micro = 0; micro < K; ++micro) {
      Batch b = train_src.get(prog.batch_in_epoch);
      r.data += b.wait_seconds;
      auto x = torch::from_blob(b.x.data(), {B, T}, torch::kLong).to(device, false, true);
      auto y = torch::from_blob(b.y.data(), {B * T}, torch::kLong).to(device, false, true);
      auto [logits, next] = model->forward(x, state);
      state = next.detached();
      auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, V}), y);
      reducer.arm(micro == K - 1);
      (K > 1 ? loss / static_cast<double>(K) : loss).backward();
      loss_sum += loss.item<double>();
      prog.batch_in_epoch += 1;
    }
    auto t1 = Clock::now();
    r.reduce = reducer.finish();
    // One small all-reduce decides together: mean loss, any non-finite loss, any stop request.
    double flags[3] = {loss_sum / K, std::isfinite(loss_sum) ? 0.0 : 1.0, g_stop_signal.load() ? 1.0 : 0.0};
    allreduce_sum(flags, 3);
    r.loss = flags[0] / c.size;
    r.stop = flags[2] > 0;
    if (flags[1] > 0) {
      std::string last = latest_checkpoint(cfg.checkpoint_dir);
      if (lead) display.finish();
      throw CollectiveError(cat("loss became NaN or Inf at iteration ", prog.iter + 1, " (epoch ",
           static_cast<double>(prog.iter) / updates_per_epoch, "); weights were not updated; last good checkpoint: ",
           last.empty() ? "none" : last, "; try a lower learning_rate or grad_clip"));
    }
    auto t2 = Clock::now();
    r.grad_norm = clip_gradients(cfg, fp);
    optimizer_step(cfg, opt, fp, lr);
    fp.grad.zero_();
    r.compute = std::chrono::duration<double>(t1 - t0).count() - r.data;
    r.optim = std::chrono::duration<double>(Clock::now() - t2).count();
    return r;
  };

  // The single-GPU path: steps are queued without waiting (train/device_step.h),
  // and the losses come back only at the iterations that need them.
  const bool single_gpu = device.is_cuda() && !reducer.active() && K == 1;
  if (cfg.cuda_graph == "on" && !single_gpu)
    fail("cuda_graph = on needs a GPU (device: cuda), one rank and grad_accum 1; set cuda_graph: auto or off");
  std::unique_ptr<DeviceStep> fast;
  // From here: a CUDA graph's pool is taken while it is captured, so the peak starts before.
  if (device.is_cuda()) gpu::reset_peak(device.index());
  if (single_gpu) {
    fast = std::make_unique<DeviceStep>(*model, fp, opt, cfg, state, prog.iter, device, cfg.cuda_graph != "off");
    if (cfg.cuda_graph == "on" && !fast->graphed())
      fail("cuda_graph = on, but the training step could not be captured as a CUDA graph: ", fast->graph_note());
    if (lead && !fast->graph_note().empty())
      say(cat("warning: training without a CUDA graph (the step could not be captured: ", fast->graph_note(), ")"));
    if (lead) say(cat("single-GPU step: ", fast->graphed() ? "CUDA graph" : "eager", ", no host synchronisation ",
                      "between log lines"));
  }
  auto needs_host = [&](int64_t iter, bool stop) {  // the iterations where the fast path reads its losses
    return stop || iter % cfg.print_every == 0 || iter == total_iters || iter % cfg.eval_val_every == 0 ||
           (cfg.sample_every > 0 && iter % cfg.sample_every == 0);
  };
  // Reads what the queued steps produced; the checks of classic_step, late.
  auto fast_report = [&](StepReport& r) {
    auto t = Clock::now();
    DeviceStep::Window w = fast->drain();
    r.compute += seconds_since(t);
    if (w.bad_iter >= 0) {
      if (lead) display.finish();
      throw CollectiveError(cat("loss or gradient became NaN or Inf at iteration ", w.bad_iter + 1, " (epoch ",
           static_cast<double>(w.bad_iter) / updates_per_epoch, "); weights were not updated from there on; last "
           "good checkpoint: ", latest_checkpoint(cfg.checkpoint_dir).empty() ? "none"
                                                                               : latest_checkpoint(cfg.checkpoint_dir),
           "; try a lower learning_rate or grad_clip"));
    }
    const int64_t first_iter = prog.iter - static_cast<int64_t>(w.losses.size()) + 1;
    for (size_t i = 0; i < w.losses.size(); ++i) {
      if (std::isnan(prog.first_loss)) prog.first_loss = w.losses[i];
      if (cfg.explosion_guard && w.losses[i] > 3 * prog.first_loss) {
        if (lead) display.finish();
        throw CollectiveError(cat("loss ", w.losses[i], " exploded past 3x the first loss (", prog.first_loss,
                                  ") at iteration ", first_iter + static_cast<int64_t>(i), "; last good checkpoint: ",
                                  latest_checkpoint(cfg.checkpoint_dir)));
      }
      prog.history.add_train(first_iter + static_cast<int64_t>(i), w.losses[i]);
    }
    if (!w.losses.empty()) r.loss = w.losses.back(), r.grad_norm = w.grad_norms.back();
  };

  TrainOutcome outcome;
  double t_data = 0, t_compute = 0, t_reduce = 0, t_optim = 0;
  int64_t timed_iters = 0;
  auto t_window = Clock::now();
  int64_t window_iters = 0;
  model->train();

  while (prog.iter < total_iters) {
    const double lr = learning_rate_at(cfg, prog.iter, updates_per_epoch, total_iters, c.size);
    StepReport r;
    if (fast) {
      auto t0 = Clock::now();
      Batch b = train_src.get(prog.batch_in_epoch);
      r.data = b.wait_seconds;
      fast->run(b, lr);
      prog.batch_in_epoch += 1;
      r.stop = g_stop_signal.load() != 0;  // one rank: nothing to agree on
      r.compute = seconds_since(t0) - r.data;
    } else {
      r = classic_step(lr);
      if (std::isnan(prog.first_loss)) prog.first_loss = r.loss;
      if (cfg.explosion_guard && r.loss > 3 * prog.first_loss) {
        if (lead) display.finish();
        throw CollectiveError(cat("loss ", r.loss, " exploded past 3x the first loss (", prog.first_loss,
                                  ") at iteration ", prog.iter + 1, "; last good checkpoint: ",
                                  latest_checkpoint(cfg.checkpoint_dir)));
      }
    }
    prog.iter += 1;
    if (!fast) {
      prog.history.add_train(prog.iter, r.loss);
    }
    const bool report = !fast || needs_host(prog.iter, r.stop);
    if (fast && report) fast_report(r);
    if (prog.batch_in_epoch >= updates_per_epoch * K) {  // epoch boundary: streams restart
      prog.epoch += 1;
      prog.batch_in_epoch = 0;
      if (fast) fast->reset_state();
      else state = model->zero_state(B, device);
    }

    t_data += r.data;
    t_compute += r.compute;
    t_reduce += r.reduce;
    t_optim += r.optim;
    ++timed_iters;
    ++window_iters;
    if (!report) continue;
    const double window = seconds_since(t_window);
    const double cps = window > 0 ? chars_per_iter * window_iters / window : 0;
    prog.chars_per_sec = cps;
    if (lead) {
      ProgressLine pl{prog.iter, total_iters, static_cast<double>(prog.iter) / updates_per_epoch, r.loss, lr,
                      r.grad_norm, cps, seconds_since(t_start)};
      display.update(pl);
    }
    if (lead && (prog.iter % cfg.print_every == 0 || prog.iter == total_iters)) {
      const double ms = 1000.0 / std::max<int64_t>(1, timed_iters);
      nlohmann::json line = {{"event", "train"}, {"iter", prog.iter},
                             {"epoch", static_cast<double>(prog.iter) / updates_per_epoch}, {"loss", r.loss},
                             {"lr", lr}, {"grad_norm", r.grad_norm}, {"chars_per_sec", cps},
                             {"ms_data", t_data * ms}, {"ms_compute", t_compute * ms},
                             {"ms_allreduce_exposed", t_reduce * ms}, {"ms_optimizer", t_optim * ms},
                             {"wall", total_wall()}};
      if (device.is_cuda()) line["peak_gpu_mem_mb"] = gpu::peak_allocated_mib(device.index());
      append_line(metrics, line);
      t_data = t_compute = t_reduce = t_optim = 0;
      timed_iters = 0;
      t_window = Clock::now();
      window_iters = 0;
    }
    if (r.stop) {
      say(cat("stop requested (signal) at iteration ", prog.iter, "; writing a checkpoint"));
      evaluate_and_save("preempted");
      if (lead) display.finish();
      outcome.exit_code = kExitPreempted;
      outcome.iterations = prog.iter;
      outcome.best_val_loss = prog.best_val_loss;
      outcome.best_checkpoint = best_path;
      return outcome;
    }
    if (prog.iter % cfg.eval_val_every == 0 || prog.iter == total_iters) {
      evaluate_and_save(prog.iter == total_iters ? "final" : "periodic");
    }
    if (cfg.sample_every > 0 && prog.iter % cfg.sample_every == 0) progress_sample();
  }
  if (lead) {
    display.finish();
    std::fprintf(stderr, "charnn: done: %ld iterations; best val loss %.4f nats/char (%.4f bpc) at iteration %ld: %s\n",
                 static_cast<long>(prog.iter), prog.best_val_loss, prog.best_val_loss / std::log(2.0),
                 static_cast<long>(prog.best_val_iter), best_path.c_str());
    append_line(metrics, {{"event", "done"}, {"iter", prog.iter}, {"best_val_loss", prog.best_val_loss},
                          {"best_checkpoint", best_path}, {"wall", total_wall()}});
  }
  outcome.iterations = prog.iter;
  outcome.best_val_loss = prog.best_val_loss;
  outcome.best_checkpoint = best_path;
  return outcome;
}

}  // namespace charnn
