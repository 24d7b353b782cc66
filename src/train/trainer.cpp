#include "train/trainer.h"

#include <atomic>
#include <cmath>
#include <csignal>
#include <nlohmann/json.hpp>

#include "gpu/gpu.h"
#include "parallel/comm.h"
#include "parallel/reducer.h"
#include "parallel/watchdog.h"
#include "sample/sampler.h"
#include "train/checkpoint.h"
#include "train/job_info.h"
#include "train/run.h"
#include "train/run_dir.h"
#include "train/schedule.h"
#include "train/step.h"
#include "train/stopping.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/status.h"

namespace charnn {

namespace {

std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) { g_stop_signal.store(sig); }

}  // namespace

EvalResult evaluate(const Comm& c, CharRNNImpl& model, const std::shared_ptr<const Corpus>& corpus, Split split,
                    int64_t total_streams, int64_t seq_length, int64_t max_batches, torch::Device device) {
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

// What one update reports to the loop.
struct StepReport {
  double loss = 0, grad_norm = 0;
  double data = 0, compute = 0, reduce = 0, optim = 0;  // seconds
  bool stop = false;         // a stop signal reached some rank: checkpoint and exit 75
  bool out_of_time = false;  // the max_seconds budget is spent: final validation, exit 0
  double wall = 0;           // the run's wall time, as the ranks agreed after this update
};

[[noreturn]] void stop_on_nan(const Run& r, int64_t iter, const char* what, const char* consequence) {
  const std::string last = latest_checkpoint(r.cfg.checkpoint_dir);
  throw CollectiveError(cat(what, " became NaN or Inf at iteration ", iter + 1, " (epoch ",
                            static_cast<double>(iter) / r.updates_per_epoch, "); ", consequence,
                            "; last good checkpoint: ", last.empty() ? "none" : last,
                            "; try a lower learning_rate or grad_clip"));
}

// char-rnn's explosion guard: stop when a loss passes 3x the run's first loss.
void check_explosion(const TrainProgress& prog, const TrainConfig& cfg, double loss, int64_t iter) {
  if (cfg.explosion_guard && loss > 3 * prog.first_loss)
    throw CollectiveError(cat("loss ", loss, " exploded past 3x the first loss (", prog.first_loss, ") at iteration ",
                              iter, "; last good checkpoint: ", latest_checkpoint(cfg.checkpoint_dir)));
}

// The decisions every rank must take after the same update: a stop
// request, the time budget (clocks differ a little; the first rank out of
// time decides), and the wall time the learning rate follows (the ranks'
// mean). One small all-reduce of host numbers: it never waits for a device.
void agree(Run& r, StepReport& s) {
  double flags[3] = {g_stop_signal.load() ? 1.0 : 0.0, r.out_of_time() ? 1.0 : 0.0, r.total_wall()};
  if (r.c.size > 1) {
    CollectiveScope scope(cat("allreduce of iteration ", r.st.prog.iter + 1, "'s stop flags"), sizeof flags);
    allreduce_sum(flags, 3);
  }
  s.stop = flags[0] > 0;
  s.out_of_time = flags[1] > 0;
  s.wall = flags[2] / r.c.size;
}

// One update: grad_accum batches from this rank's streams, queued on the step.
StepReport take_step(Run& r, TrainStep& step, BatchSource& src, double lr) {
  StepReport s;
  std::vector<Batch> micro;
  for (int64_t k = 0; k < r.cfg.grad_accum; ++k) {
    micro.push_back(src.get(r.st.prog.batch_in_epoch + k));
    s.data += micro.back().wait_seconds;
  }
  const TrainStep::Times t = step.run(micro, lr);
  s.compute = t.compute, s.reduce = t.reduce, s.optim = t.optim;
  agree(r, s);
  return s;
}

// The losses of the updates queued since the last read, into the history;
// a non-finite one stops the run (every rank: drain agrees), as does an explosion.
void read_losses(Run& r, TrainStep& step, StepReport& s) {
  auto t = Clock::now();
  TrainStep::Window w = step.drain();
  s.compute += seconds_since(t);
  const int64_t first_iter = r.st.prog.iter - static_cast<int64_t>(w.losses.size()) + 1;
  if (w.bad_iter >= 0) {
    const size_t at = static_cast<size_t>(w.bad_iter - (first_iter - 1));
    const bool loss_bad = at < w.losses.size() && !std::isfinite(w.losses[at]);
    stop_on_nan(r, w.bad_iter, loss_bad ? "loss" : "gradient", "weights were not updated from there on");
  }
  on_train_losses(r.st.prog, first_iter, w.losses);
  for (size_t i = 0; i < w.losses.size(); ++i)
    check_explosion(r.st.prog, r.cfg, w.losses[i], first_iter + static_cast<int64_t>(i));
  if (!w.losses.empty()) s.loss = w.losses.back(), s.grad_norm = w.grad_norms.back();
}

// Validation, then a checkpoint (every rank joins: the hidden state and RNG are gathered; rank 0 writes).
void evaluate_and_save(Run& r, RunDir& dir, const char* why) {
  const TrainConfig& cfg = r.cfg;
  const auto t0 = Clock::now();
  EvalResult ev = evaluate(r.c, *r.model, r.corpus, Split::Val, cfg.batch_size, cfg.seq_length, cfg.val_max_batches,
                           r.device);
  on_validation(r.st.prog, ev.loss, cfg.early_stop_min_delta);
  Checkpoint ck = snapshot(r, ev.loss);
  if (!r.lead) {
    r.last_eval_seconds = seconds_since(t0);
    return;
  }
  const std::string path = cfg.checkpoint_dir + "/" + checkpoint_file_name(cfg.savefile, r.epoch(), ev.loss);
  save_checkpoint(path, ck);
  r.best_path = apply_retention(cfg.checkpoint_dir, cfg.savefile, r.st.prog.run_id, cfg.keep_last, cfg.keep_best);
  dir.metric({{"event", "val"}, {"iter", r.st.prog.iter}, {"epoch", r.epoch()}, {"val_loss", ev.loss},
              {"val_bpc", ev.loss / std::log(2.0)}, {"checkpoint", path}, {"reason", why}, {"wall", r.total_wall()}});
  log::info("val loss {:.6g} nats/char ({:.6g} bpc) at iteration {}, epoch {:.6g} -> {}", ev.loss,
            ev.loss / std::log(2.0), r.st.prog.iter, r.epoch(), path);
  r.last_eval_seconds = seconds_since(t0);
}

// Progress samples at each configured temperature (rank 0, on the CPU).
void progress_sample(Run& r, RunDir& dir) {
  if (!r.lead) return;
  Sampler sampler(*r.model, r.corpus->vocab());
  for (double temp : r.cfg.sample_temperatures) {
    SampleOptions so;
    so.length = r.cfg.sample_length;
    so.temperature = temp;
    so.seed = static_cast<uint64_t>(r.cfg.seed + r.st.prog.iter);
    std::string text = sampler.generate(so);
    dir.sample({{"iter", r.st.prog.iter}, {"temperature", temp}, {"text", text}});
    log::progress(fmt::format("--- sample at iteration {}, temperature {} ---\n{}\n---", r.st.prog.iter, temp, text),
                  false);
  }
}

// The training step of this run (train/step.h), graph-captured on a GPU
// unless cuda_graph is off.
std::unique_ptr<TrainStep> make_step(Run& r, GradReducer& reducer) {
  if (r.cfg.cuda_graph == CudaGraph::On && !r.device.is_cuda())
    fail("cuda_graph = on needs a GPU (device: cuda); set cuda_graph: auto or off");
  // A CUDA graph takes its memory pool while it is captured: the peak counts from before.
  if (r.device.is_cuda()) gpu::reset_peak(r.device.index());
  auto step = std::make_unique<TrainStep>(*r.model, r.fp, r.st.opt, r.st.hidden, reducer, r.cfg, r.st.prog.iter, r.device,
                                          r.cfg.cuda_graph != CudaGraph::Off);
  if (!r.device.is_cuda()) return step;
  if (r.cfg.cuda_graph == CudaGraph::On && !step->graphed())
    fail("cuda_graph = on, but the training step could not be captured as a CUDA graph: ", step->graph_note());
  if (!step->graph_note().empty())
    log::warn("training without a CUDA graph (the step could not be captured: {})", step->graph_note());
  log::info("training step: {}{}, no host synchronisation between log lines",
            step->graphed() ? "CUDA graph" : "eager", reducer.active() ? " with the NCCL all-reduces inside" : "");
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
  nlohmann::json start = {{"event", "start"}, {"iter", r.st.prog.iter}, {"world_size", r.c.size},
                          {"parameters", r.fp.data.numel()}, {"total_iters", r.total_iters},
                          {"batches_per_epoch", r.layout.batches}, {"resumed", !r.resume_path.empty()}};
  if (!places.empty()) start["ranks"] = ranks;
  std::vector<std::string> hosts;
  for (const RankPlace& p : places) hosts.push_back(p.host);
  start.update(job_fields(hosts));  // Slurm ids and every rank's host (train/job_info.h)
  dir.metric(start);
}

// A "train" line of metrics.jsonl: the loss at this update, timings averaged over the window.
void log_train(const Run& r, RunDir& dir, LogWindow& w, const StepReport& s, double lr) {
  const double ms = 1000.0 / std::max<int64_t>(1, w.iters);
  nlohmann::json line = {{"event", "train"}, {"iter", r.st.prog.iter}, {"epoch", r.epoch()}, {"loss", s.loss},
                         {"lr", lr}, {"grad_norm", s.grad_norm}, {"chars_per_sec", r.st.prog.chars_per_sec},
                         {"ms_data", w.data * ms}, {"ms_compute", w.compute * ms},
                         {"ms_allreduce_exposed", w.reduce * ms}, {"ms_optimizer", w.optim * ms},
                         {"wall", r.total_wall()}};
  if (r.device.is_cuda()) line["peak_gpu_mem_mb"] = gpu::peak_allocated_mib(r.device.index());
  dir.metric(line);
  w = LogWindow();
}

// The run ends early (train/stopping.h): its line, and the `stop` event of metrics.jsonl.
void log_stop(const Run& r, RunDir& dir, const StopDecision& d) {
  log::info("{} (iteration {}); the last checkpoint is the final one", stop_text(d), r.st.prog.iter);
  nlohmann::json line = {{"event", "stop"}, {"reason", to_string(d.kind)}, {"iter", r.st.prog.iter},
                         {"wall", r.total_wall()}};
  if (d.kind == StopKind::pruned) line["rung"] = d.rung;
  else line["evals"] = d.evals;
  dir.metric(line);
}

// The order in which epoch r.st.prog.epoch deals the train windows to the streams.
void deal_train_order(const Run& r, BatchSource& src) {
  if (r.cfg.block_shuffle > 0)
    src.set_order(make_block_order(r.layout, r.cfg.block_shuffle, r.cfg.seed, r.st.prog.epoch));
}

// An update is done; at an epoch boundary the streams restart, and so does the hidden state.
void end_update(Run& r, TrainStep& step, BatchSource& src, const StepReport& s) {
  if (!on_update(r.st.prog, r.cfg.grad_accum, r.updates_per_epoch * r.cfg.grad_accum, s.wall)) return;
  deal_train_order(r, src);
  step.reset_state();
}

TrainOutcome outcome_of(const Run& r, int exit_code) {
  TrainOutcome o;
  o.exit_code = exit_code;
  o.iterations = r.st.prog.iter;
  o.best_val_loss = r.st.prog.best_val_loss;
  o.best_checkpoint = r.best_path;
  return o;
}

}  // namespace

TrainOutcome train(TrainConfig cfg, const Comm& c) {
  std::signal(SIGUSR2, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  Run r(std::move(cfg), c);
  set_up(r);
  GradReducer reducer(r.c, r.fp, r.cfg.bucket_mb, r.cfg.overlap, r.cfg.reduce_single_rank);
  RunDir dir(r.cfg, r.lead);
  start_lines(r, reducer, dir);
  ProgressDisplay display(r.lead ? r.cfg.progress : ProgressMode::Lines, r.cfg.print_every);
  const Schedule schedule(r.cfg, r.total_iters);
  BatchSource train_src(r.corpus, Split::Train, r.layout, r.c.rank * r.cfg.batch_size, r.cfg.batch_size);
  deal_train_order(r, train_src);
  std::unique_ptr<TrainStep> step = make_step(r, reducer);
  LogWindow window;
  r.model->train();
  StopDecision early;  // early stopping or an ASHA rung (train/stopping.h)
  try {
    bool out_of_time = budget_spent_at_start(r);
    while (!schedule.done(r.st.prog.iter) && !out_of_time) {
      const double lr =
          learning_rate_at(r.cfg, r.st.prog.iter, r.updates_per_epoch, r.total_iters, r.c.size, r.st.prog.wall_seconds);
      const auto t_iter = Clock::now();
      StepReport s = take_step(r, *step, train_src, lr);
      r.last_iter_seconds = seconds_since(t_iter);
      out_of_time = s.out_of_time;
      end_update(r, *step, train_src, s);
      const bool rung = rung_due(r.cfg, r.st.prog);  // an ASHA rung: validate and decide there
      const bool report = schedule.needs_losses(r.st.prog.iter, s.stop || s.out_of_time || rung);
      if (report) read_losses(r, *step, s);
      window.add(s);
      if (!report) continue;
      const double elapsed = seconds_since(window.since);
      on_throughput(r.st.prog, elapsed > 0 ? r.chars_per_iter() * window.iters / elapsed : 0);
      if (r.lead)
        display.update({r.st.prog.iter, r.total_iters, r.epoch(), s.loss, lr, s.grad_norm, r.st.prog.chars_per_sec,
                        r.total_wall(), r.cfg.max_seconds});
      if (schedule.log(r.st.prog.iter)) log_train(r, dir, window, s, lr);  // the line itself: rank 0's RunDir
      if (s.stop) {
        log::info("stop requested (signal) at iteration {}; writing a checkpoint", r.st.prog.iter);
        evaluate_and_save(r, dir, "preempted");
        display.finish();
        return outcome_of(r, kExitPreempted);
      }
      const bool last = schedule.done(r.st.prog.iter) || s.out_of_time;
      const bool validate = schedule.evaluate(r.st.prog.iter) || last || rung;
      if (validate) evaluate_and_save(r, dir, last ? "final" : "periodic");
      if (validate && !last) early = stop_after_validation(r.cfg, r.st.prog, r.lead);
      if (early.kind != StopKind::none) {
        log_stop(r, dir, early);
        break;
      }
      if (s.out_of_time) log::info("max_seconds = {} s reached after iteration {}", r.cfg.max_seconds, r.st.prog.iter);
      if (schedule.sample(r.st.prog.iter)) progress_sample(r, dir);
    }
  } catch (const CollectiveError&) {
    display.finish();  // the error line must not land inside a progress bar
    throw;
  }
  display.finish();
  if (r.lead) {
    log::info("done: {} iterations; best val loss {:.4f} nats/char ({:.4f} bpc) at iteration {}: {}", r.st.prog.iter,
              r.st.prog.best_val_loss, r.st.prog.best_val_loss / std::log(2.0), r.st.prog.best_val_iter, r.best_path);
    dir.metric({{"event", "done"}, {"iter", r.st.prog.iter}, {"best_val_loss", r.st.prog.best_val_loss},
                {"best_checkpoint", r.best_path}, {"wall", r.total_wall()}});
  }
  TrainOutcome out = outcome_of(r, 0);
  out.stop = stop_text(early);
  return out;
}

}  // namespace charnn
