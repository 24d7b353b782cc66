#include "train/state.h"

#include <cmath>

namespace charnn {

bool on_update(TrainProgress& p, int64_t batches, int64_t batches_per_epoch, double wall_seconds) {
  p.iter += 1;
  p.wall_seconds = wall_seconds;
  p.batch_in_epoch += batches;
  if (p.batch_in_epoch < batches_per_epoch) return false;
  p.epoch += 1;
  p.batch_in_epoch = 0;
  return true;
}

void on_train_losses(TrainProgress& p, int64_t first_iter, const std::vector<double>& losses) {
  if (std::isnan(p.first_loss) && !losses.empty()) p.first_loss = losses.front();
  for (size_t i = 0; i < losses.size(); ++i) p.history.add_train(first_iter + static_cast<int64_t>(i), losses[i]);
}

namespace {
// Keras' and marian's rule: the reference best moves only when beaten by more than the delta.
void count_patience(TrainProgress& p, double loss, double min_delta) {
  if (loss < p.patience_best - min_delta) p.patience_best = loss, p.stale_evals = 0;
  else p.stale_evals += 1;
}
}  // namespace

void on_validation(TrainProgress& p, double loss, double min_delta) {
  p.history.val_iter.push_back(p.iter);
  p.history.val_loss.push_back(loss);
  if (loss < p.best_val_loss) p.best_val_loss = loss, p.best_val_iter = p.iter;
  count_patience(p, loss, min_delta);
}

bool patience_spent(const TrainProgress& p, int64_t patience) { return patience > 0 && p.stale_evals >= patience; }

void patience_from_history(TrainProgress& p) {
  p.patience_best = std::numeric_limits<double>::infinity(), p.stale_evals = 0;
  for (double loss : p.history.val_loss) count_patience(p, loss, 0);
}

void on_throughput(TrainProgress& p, double chars_per_sec) { p.chars_per_sec = chars_per_sec; }

}  // namespace charnn
