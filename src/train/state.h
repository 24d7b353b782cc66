// Where training stands: the counters, the data position, the best
// validation loss and the loss histories that a checkpoint holds beside the
// weights and the optimizer moments (train/checkpoint.h), and the one
// function per event that advances them. The training loop calls these; the
// schedule (train/schedule.h) and the learning rate read the result. No
// LibTorch here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace charnn {

// A checkpoint keeps only the newest kTrainHistoryKept train losses: with one entry
// per update, a long run's checkpoints would otherwise grow without bound.
// metrics.jsonl has the full log. Validation losses (one per pass) are all kept.
constexpr size_t kTrainHistoryKept = 10000;

struct History {
  std::vector<int64_t> train_iter;
  std::vector<double> train_loss;
  std::vector<int64_t> val_iter;
  std::vector<double> val_loss;

  // Appends one update's loss. Memory is bounded too: once twice the kept number
  // is held, the oldest are dropped down to kTrainHistoryKept (amortized, not a
  // shift per update). Checkpoints store the newest kTrainHistoryKept either way,
  // so what is saved does not depend on when a run was resumed.
  void add_train(int64_t iter, double loss) {
    train_iter.push_back(iter);
    train_loss.push_back(loss);
    if (train_iter.size() >= 2 * kTrainHistoryKept) {
      const auto drop = static_cast<std::ptrdiff_t>(train_iter.size() - kTrainHistoryKept);
      train_iter.erase(train_iter.begin(), train_iter.begin() + drop);
      train_loss.erase(train_loss.begin(), train_loss.begin() + drop);
    }
  }
};

// Where training stands. Each field is advanced by one of the functions below,
// one per event, and set otherwise only when a checkpoint is loaded.
struct TrainProgress {
  std::string run_id;          // the run these checkpoints belong to (train/run_dir.h), kept across resumes
  int64_t iter = 0;            // updates done
  int64_t epoch = 0;           // whole epochs done
  int64_t batch_in_epoch = 0;  // next batch of the epoch
  double best_val_loss = std::numeric_limits<double>::infinity();
  int64_t best_val_iter = -1;
  double first_loss = std::numeric_limits<double>::quiet_NaN();
  double wall_seconds = 0;   // the run's wall time across restarts, as the ranks agreed after the last update
  double chars_per_sec = 0;  // over the last window of updates between loss reads
  // Early stopping (early_stop_patience): validation passes since the best val
  // loss last fell by more than early_stop_min_delta, and that best (which,
  // unlike best_val_loss, moves only by such steps).
  int64_t stale_evals = 0;
  double patience_best = std::numeric_limits<double>::infinity();
  // ASHA (sweep/asha.h): the first rung not yet decided for this run.
  int64_t next_rung = 0;
  History history;
};

// An update is done, having consumed `batches` batches of the epoch, and the
// ranks agreed that the run has used `wall_seconds` (the time the learning
// rate's horizon follows); true when that ended the epoch (`batches_per_epoch`
// consumed): the epoch count moves on and the data position returns to 0, and
// the caller restarts the streams and the hidden state.
bool on_update(TrainProgress& p, int64_t batches, int64_t batches_per_epoch, double wall_seconds);
// The training losses of updates first_iter, first_iter + 1, ... (1-based
// iterations) have been read: into the history; the first of the run is kept
// (the explosion guard compares against it).
void on_train_losses(TrainProgress& p, int64_t first_iter, const std::vector<double>& losses);
// A validation pass after update p.iter gave `loss`: into the history, the best
// so far, and the early-stopping count (an improvement is a fall of more than `min_delta`).
void on_validation(TrainProgress& p, double loss, double min_delta = 0);
// Early stopping: `patience` (> 0) validation passes in a row without an improvement.
bool patience_spent(const TrainProgress& p, int64_t patience);
// The early-stopping count of a checkpoint written before it was saved: the
// passes after the best in the history (exact for min_delta 0).
void patience_from_history(TrainProgress& p);
// The training pace over the updates since the last loss read (a resumed run's
// first estimate of its iteration time).
void on_throughput(TrainProgress& p, double chars_per_sec);

}  // namespace charnn
