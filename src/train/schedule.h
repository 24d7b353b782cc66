// When the training loop evaluates, samples, logs and stops: every such
// decision is a question to this one struct (as marian's Scheduler), so the
// loop itself reads as a sequence of steps.
#pragma once
#include <cstdint>

#include "train/options.h"

namespace charnn {

struct Schedule {
  int64_t total = 0;  // iterations planned in all (max_epochs / max_iters)
  int64_t eval_every = 1, print_every = 1, sample_every = 0;

  Schedule(const TrainConfig& cfg, int64_t total_iters)
      : total(total_iters), eval_every(cfg.eval_val_every), print_every(cfg.print_every),
        sample_every(cfg.sample_every) {}
  bool done(int64_t iter) const { return iter >= total; }
  // A metrics.jsonl "train" line after update `iter`.
  bool log(int64_t iter) const { return iter % print_every == 0 || iter == total; }
  // Validation and a checkpoint after update `iter`.
  bool evaluate(int64_t iter) const { return iter % eval_every == 0 || iter == total; }
  bool sample(int64_t iter) const { return sample_every > 0 && iter % sample_every == 0; }
  // The iterations at which the host needs the losses (train/step.h drains them only then).
  bool needs_losses(int64_t iter, bool stop) const { return stop || log(iter) || evaluate(iter) || sample(iter); }
};

}  // namespace charnn
