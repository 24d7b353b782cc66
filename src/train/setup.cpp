#include "train/run.h"

#include <cmath>
#include <cstring>
#include <map>

#include "gpu/gpu.h"
#include "train/run_dir.h"
#include "train/vocab_remap.h"
#include "util/log.h"
#include "util/process.h"
#include "util/status.h"
#include "util/threads.h"

namespace charnn {

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

namespace {

// NCCL cannot run two ranks of one communicator on one GPU, and ranks that
// share a GPU by accident (a launcher that bound them all to device 0) would
// fight over its memory: every rank names its physical GPU, and ranks that
// landed on the same one stop together, before any work, naming the layout.
void check_one_rank_per_gpu(const Comm& c, int index) {
  constexpr size_t kLen = 160;
  const std::string me = cat(host_name(), " GPU ", gpu::bus_id(index));
  std::vector<uint8_t> mine(kLen, 0);
  std::copy_n(me.begin(), std::min(me.size(), kLen - 1), mine.begin());
  const std::vector<uint8_t> all = gather_bytes(mine);
  std::string clash;
  if (c.rank == 0) {
    std::map<std::string, int> first;
    for (int r = 0; r < c.size && clash.empty(); ++r) {
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

torch::Device pick_device(const TrainConfig& cfg, const Comm& c) {
  const int index = gpu::resolve_device(cfg.device, c.local_rank, c.local_size);
  if (index < 0) return torch::kCPU;
  if (c.size > 1) check_one_rank_per_gpu(c, index);
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

uint64_t checksum(const torch::Tensor& flat) {
  torch::Tensor c = flat.detach().to(torch::kCPU).contiguous();
  const uint8_t* p = reinterpret_cast<const uint8_t*>(c.data_ptr<float>());
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (int64_t i = 0; i < c.numel() * 4; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// The settings a checkpoint decides, adopted before the model is built: its
// architecture (resume and init_from) and, on resume, batching and optimizer.
// Returns the checkpoint (null when training starts fresh); `resume_path` is
// set when it is a resume.
std::unique_ptr<Checkpoint> open_checkpoint_source(TrainConfig& cfg, const Vocab& vocab, std::string* resume_path) {
  *resume_path = cfg.resume.kind == ResumeFrom::Kind::Latest ? latest_checkpoint(cfg.checkpoint_dir) : cfg.resume.path;
  const std::string source = !resume_path->empty() ? *resume_path : cfg.init_from;
  if (source.empty()) return nullptr;
  auto ck = std::make_unique<Checkpoint>(load_checkpoint(source));
  if (!resume_path->empty() && !(ck->vocab == vocab))  // init_from maps it (train/vocab_remap.h)
    fail(source, ": vocabulary differs from the corpus ", cfg.data, ": ", describe_vocab_difference(ck->vocab, vocab),
         "; to fine-tune on this corpus start a new run from it with init_from");
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


// The model, identical on every rank, with its parameters in one flat buffer.
void build_model(Run& r, const Checkpoint* ck) {
  const TrainConfig& cfg = r.cfg;
  r.spec = ModelSpec{cfg.model, static_cast<int64_t>(r.corpus->vocab().size()), cfg.embedding_size, cfg.rnn_size,
                     cfg.num_layers, cfg.dropout};
  torch::manual_seed(static_cast<uint64_t>(cfg.seed));
  r.model = CharRNN(r.spec);
  if (ck && !(ck->vocab == r.corpus->vocab()))
    load_weights_onto_vocab(*r.model, *ck, r.corpus->vocab(), cfg.init, cfg.init_from);
  else if (ck) load_weights(*r.model, *ck);
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
  r.st.opt = make_optimizer_state(cfg, r.fp);
  r.st.hidden = r.model->zero_state(cfg.batch_size, r.device);
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

}  // namespace

void set_up(Run& r) {
  r.blas_threads = configure_cpu_threads(r.cfg.threads, r.c.local_size);
  configure_allocator();
  r.device = pick_device(r.cfg, r.c);
  r.corpus = std::shared_ptr<const Corpus>(Corpus::open(r.cfg.data, r.cfg.vocab));
  std::unique_ptr<Checkpoint> ck = open_checkpoint_source(r.cfg, r.corpus->vocab(), &r.resume_path);
  if (r.resume_path.empty()) {  // a new run: the directory must be free for it (a resume takes its id over)
    if (r.lead) claim_run_dir(r.cfg);
    r.st.prog.run_id = new_run_id();
  }
  if (r.cfg.savefile.empty()) r.cfg.savefile = to_string(r.cfg.model);
  build_model(r, ck.get());
  plan_batches(r);
  if (ck && !r.resume_path.empty()) restore(r, *ck);
  else if (ck) log::info("initialised weights from {}", r.cfg.init_from);
  r.wall_before = r.st.prog.wall_seconds;
  // A resumed run's pace so far stands in for its next iteration's time.
  if (r.st.prog.chars_per_sec > 0) r.last_iter_seconds = r.chars_per_iter() / r.st.prog.chars_per_sec;
}

bool budget_spent_at_start(const Run& r) {
  if (r.cfg.max_seconds <= 0 || !any_rank(r.out_of_time())) return false;
  log::info("max_seconds = {} s already spent by this run ({:.1f} s); nothing to train", r.cfg.max_seconds,
            r.wall_before);
  return true;
}

}  // namespace charnn
