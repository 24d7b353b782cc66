// The training step of a rank that trains alone on a GPU, with no host
// synchronisation: the batch goes up through pinned memory with a
// non-blocking copy; forward, backward, clipping and the update run with
// their scalars on the device (optim.h's guarded_update), so the host queues
// iteration after iteration and reads the losses back only when it needs them
// (drain: every print_every, before evaluating or saving).
//
// With a CUDA graph the whole step is captured once and replayed: one launch
// per iteration instead of a hundred or more. At char-rnn sizes a step is
// dozens of small kernels, and launching them, not running them, is what
// limits the speed (docs/performance.md has the figures).
//
// Also runs on the CPU, without a graph, where the tests compare it with the
// classic step of the training loop.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "model/charrnn.h"
#include "train/optim.h"

namespace charnn {

class DeviceStep {
 public:
  // `state` is carried from step to step in place (its tensors become the
  // step's static buffers); `graph` asks for a CUDA graph (ignored on the CPU).
  DeviceStep(CharRNNImpl& model, FlatParams& fp, OptimizerState& opt, const TrainConfig& cfg, RnnState& state,
             int64_t iter, torch::Device device, bool graph);
  ~DeviceStep();
  DeviceStep(const DeviceStep&) = delete;
  DeviceStep& operator=(const DeviceStep&) = delete;

  // Queues one update on batch `b` at learning rate `lr`; returns at once.
  void run(const Batch& b, double lr);

  struct Window {
    std::vector<double> losses, grad_norms;  // one per step since the last drain
    int64_t bad_iter = -1;  // 0-based iteration of the first non-finite loss or gradient; -1: none
  };
  // Waits for the queued steps; what they produced since the last drain.
  Window drain();
  // Zeroes the carried hidden state in place (epoch boundary).
  void reset_state();
  bool graphed() const { return graphed_; }
  // Why no graph is used although one was asked for ("" when none was asked for or it works).
  const std::string& graph_note() const { return graph_note_; }

 private:
  void body();  // the step itself: what the graph captures
  void capture();
  void flush();  // copies the pending losses to the host (synchronises)

  CharRNNImpl& model_;
  FlatParams& fp_;
  OptimizerState& opt_;
  const TrainConfig& cfg_;
  RnnState& state_;
  torch::Device device_;
  DeviceScalars s_;
  torch::Tensor x_, y_;     // static inputs [B, T], [B*T]
  torch::Tensor history_;   // [capacity, 2] losses and norms not yet read
  int64_t pending_ = 0;
  Window window_;
  std::string graph_note_;
  struct Cuda;              // stream, stream guard and graph (CUDA builds only)
  std::unique_ptr<Cuda> cuda_;
  bool graphed_ = false;    // replaying a captured graph
};

}  // namespace charnn
