// The training loop, run by every rank: batches from this rank's streams,
// forward/backward, gradient averaging (parallel/reducer), update, evaluation,
// checkpoints (rank 0 writes), and stop decisions that all ranks take together.
#pragma once
#include <memory>
#include <string>

#include "data/corpus.h"
#include "model/charrnn.h"
#include "parallel/comm.h"
#include "train/options.h"

namespace charnn {

// Exit code of a run stopped by SIGUSR2/SIGTERM after writing its checkpoint:
// the job should be requeued and resumed with --resume auto.
constexpr int kExitPreempted = 75;

struct TrainOutcome {
  int exit_code = 0;  // 0 finished, kExitPreempted, 1 failed (NaN, explosion)
  double best_val_loss = 0;
  std::string best_checkpoint;
  int64_t iterations = 0;
  std::string stop;  // "pruned at rung 1", "stopped: no improvement for 3 evals" (train/stopping.h); "" otherwise
};

TrainOutcome train(TrainConfig cfg, const Comm& c);

struct EvalResult {
  double loss = 0;    // mean cross-entropy, nats per character
  double tokens = 0;  // characters scored
};

// Loss over a split cut into `total_streams` streams (independent of the rank
// count); the streams are spread over the ranks and the sums all-reduced, so
// every rank gets the same number whatever the number of ranks.
EvalResult evaluate(const Comm& c, CharRNNImpl& model, const std::shared_ptr<const Corpus>& corpus, Split split,
                    int64_t total_streams, int64_t seq_length, int64_t max_batches, torch::Device device);

}  // namespace charnn
