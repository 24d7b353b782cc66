// The training step: one for every device and rank count. One update is
// forward and backward over grad_accum micro-batches, the gradient averaged
// over the ranks (parallel/reducer.h), then clip and update with every scalar
// on the training device (optim.h's guarded_update), so that the host never
// waits for the device inside a step. The host queues step after step and
// reads the losses back only when it needs them (drain: every print_every,
// before evaluating or saving).
//
// How it runs is chosen once, when the step is built: eager, or on a GPU
// captured once as a CUDA graph and replayed (one launch per iteration
// instead of hundreds: at char-rnn sizes launching kernels, not running them,
// limits the speed; docs/performance.md). With several ranks on GPUs the
// graph holds the NCCL all-reduces of the gradient buckets too. The training
// loop does not know which it got.
//
// The one place where a non-finite loss or gradient is found is drain(): the
// update that meets one changes nothing, nor does any later one (the guard
// runs on the device), and drain() reports the first such iteration, the same
// on every rank.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "model/charrnn.h"
#include "train/optim.h"

namespace charnn {

class GradReducer;
namespace gpu {
class StepGraph;
}

class TrainStep {
 public:
  // `state` is carried from step to step in place (its tensors become the
  // step's buffers), as are the weights and optimizer state. `iter` is the
  // number of updates done so far. `graph` asks for a CUDA graph (the CPU
  // runs eagerly; see graph_note()).
  TrainStep(CharRNNImpl& model, FlatParams& fp, OptimizerState& opt, RnnState& state, GradReducer& reducer,
            const TrainConfig& cfg, int64_t iter, torch::Device device, bool graph);
  ~TrainStep();
  TrainStep(const TrainStep&) = delete;
  TrainStep& operator=(const TrainStep&) = delete;

  struct Times {  // host seconds spent queueing (on a GPU) or computing (on the CPU)
    double compute = 0, reduce = 0, optim = 0;  // forward+backward, exposed all-reduce, clip+update
  };
  // Queues one update on `micro` (grad_accum batches, in order) at learning
  // rate `lr`. On the CPU it returns when the update is done.
  Times run(const std::vector<Batch>& micro, double lr);

  struct Window {
    // One per update since the last drain; the loss is the mean over the
    // micro-batches and the ranks, the norm that of the averaged gradient
    // before clipping.
    std::vector<double> losses, grad_norms;
    int64_t bad_iter = -1;  // 0-based update whose loss or gradient was not finite (the first, on any rank); -1: none
  };
  // Waits for the queued updates (watching the all-reduces for a dead peer
  // and the collective timeout) and returns what they produced. Collective:
  // every rank calls it after the same update.
  Window drain();
  // Zeroes the carried hidden state in place (epoch boundary).
  void reset_state();
  bool graphed() const;
  // Why no graph is used although one was asked for ("" when none was asked for or it works).
  const std::string& graph_note() const { return graph_note_; }

 private:
  void body();  // the update itself: what the graph captures
  void capture();
  void flush();  // copies the pending losses to the host

  CharRNNImpl& model_;
  FlatParams& fp_;
  OptimizerState& opt_;
  RnnState& state_;
  GradReducer& reducer_;
  const TrainConfig& cfg_;
  torch::Device device_;
  DeviceScalars s_;
  torch::Tensor x_, y_;      // static inputs [K, B, T], [K, B*T]
  torch::Tensor loss_sum_;   // float32 []: the micro-batches' losses of this update
  torch::Tensor history_;    // [capacity, 2] losses and norms not yet read
  int64_t pending_ = 0;
  Window window_;
  Times times_;
  std::string graph_note_;
  std::unique_ptr<gpu::StepGraph> graph_;  // the stream (and graph) on a GPU; null on the CPU
};

}  // namespace charnn
