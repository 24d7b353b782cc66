// One training run: what it holds from set-up to the last checkpoint (Run),
// and how it is set up (set_up: threads, device, corpus, what a checkpoint
// decides, the model, the batches, the resumed state). train/trainer.cpp runs
// the loop over it; train/step.h is its training step.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "data/corpus.h"
#include "model/charrnn.h"
#include "model/flat_params.h"
#include "parallel/comm.h"
#include "train/checkpoint.h"
#include "train/optim.h"
#include "train/options.h"

namespace charnn {

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What a checkpoint holds beside the config and the weights: the one value of
// a run's training state. Each part moves on one event, through one function:
// `prog` through train/state.h's on_update (the agreed wall time with it),
// on_train_losses, on_validation and on_throughput; `opt` through the step's
// update (guarded_update, train/optim.h); `hidden` through the step's forward
// (train/step.h), zeroed when an epoch ends. The random state is LibTorch's
// generators. Only `restore` sets them otherwise, and `snapshot` reads them all.
struct TrainState {
  TrainProgress prog;
  OptimizerState opt;
  RnnState hidden;
};

// Everything one training run holds, from set-up to the last checkpoint.
struct Run {
  Run(TrainConfig config, const Comm& comm) : cfg(std::move(config)), c(comm), lead(comm.rank == 0) {}
  TrainConfig cfg;
  const Comm& c;  // the job's ranks (parallel/comm.h)
  bool lead;      // rank 0: writes the run directory and the checkpoints
  Clock::time_point t_start = Clock::now();
  int blas_threads = 1;
  torch::Device device = torch::kCPU;
  std::shared_ptr<const Corpus> corpus;
  ModelSpec spec;
  CharRNN model{nullptr};
  FlatParams fp;
  TrainState st;
  StreamLayout layout;
  int64_t updates_per_epoch = 0, total_iters = 0;
  double wall_before = 0;  // wall time of the earlier processes of this run (from the checkpoint)
  double last_iter_seconds = 0, last_eval_seconds = 0;  // what the next iteration and the final save will take
  int64_t val_batches = 0;  // per validation pass
  std::string resume_path, best_path;

  double epoch() const { return static_cast<double>(st.prog.iter) / updates_per_epoch; }
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

// Set-up, in order: threads, device, corpus, what a checkpoint decides, the
// model, the batches, the resumed state. Collective.
void set_up(Run& r);
// max_seconds already spent by the earlier processes of this run (decided together).
bool budget_spent_at_start(const Run& r);

// "train split has N tokens, too few for ...": what the split holds, what the
// settings need, and the largest settings that fit.
std::string too_small_message(uint64_t tokens, int64_t B, int64_t T, int world, int64_t accum, const char* split);

// The checkpoint of this moment (train/train_state.cpp). Collective: every
// rank's hidden state and random state (CPU generator, then the GPU's) are
// gathered in rank order; rank 0 gets the whole checkpoint, the others an
// empty one.
Checkpoint snapshot(const Run& r, double val_loss);
// Resume (set-up): optimizer moments, progress, and (same rank layout) every
// rank's hidden state and RNG; with another layout, the fraction of the epoch done.
void restore(Run& r, const Checkpoint& ck);

}  // namespace charnn
