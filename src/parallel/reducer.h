// Where gradients are reduced. After backward every rank holds the average of
// all ranks' gradients. The flat gradient buffer is cut into buckets (in
// reverse parameter order, the order backward produces them); a bucket is
// all-reduced as soon as every gradient in it is final, so communication
// overlaps the rest of backward, as PyTorch DDP's reducer does. Buckets are
// always launched in index order so every rank issues the same collectives in
// the same order. CPU tensors go through MPI on a communication thread; CUDA
// tensors through NCCL on a side stream.
#pragma once
#include <torch/torch.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "model/flat_params.h"
#include "parallel/comm.h"
#include "parallel/nccl_lane.h"

namespace charnn {

class GradReducer {
 public:
  // `always`: reduce even with one rank (a test switch: the NCCL path runs
  // for real on a one-rank communicator, where the average is the identity).
  GradReducer(const Comm& c, FlatParams& fp, double bucket_mb, bool overlap, bool always = false);
  ~GradReducer();
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  // Before each backward: reduce during this one? (false for all but the last micro-batch.)
  void arm(bool reduce_this_backward);
  // After backward. MPI (CPU): every bucket is averaged when this returns.
  // NCCL (GPU): the averages are queued and the current stream made to wait
  // for them, with no host synchronisation, so this can be captured in a
  // CUDA graph. Returns the seconds the host spent waiting here
  // (communication not hidden behind backward).
  double finish();
  // Blocks until the current CUDA stream has drained, watching NCCL for a
  // failed peer and the collective timeout; nothing to do on the CPU.
  void wait_device();
  size_t bucket_count() const { return buckets_.size(); }
  bool active() const { return active_; }
  int world_size() const { return world_; }
  const char* backend() const { return nccl_ ? "NCCL" : "MPI"; }

 private:
  struct Bucket {
    int64_t offset = 0, numel = 0;
    int expected = 0;  // parameters in this bucket
    int ready = 0;
  };
  void on_grad_ready(size_t param_index);
  void launch_ready_buckets();  // in index order, under mu_
  void reduce_bucket_now(size_t index, const Bucket& b);
  void comm_thread_main();

  FlatParams& fp_;
  int world_;
  bool active_;
  bool overlap_;
  bool armed_ = false;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_param_;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;  // kept alive for the hooks

  std::mutex mu_;
  std::condition_variable cv_;
  size_t next_launch_ = 0;   // next bucket index to hand to the backend
  size_t completed_ = 0;     // buckets fully averaged
  std::deque<size_t> queue_;  // MPI: buckets waiting for the comm thread
  bool stop_ = false;
  std::thread comm_thread_;
  std::unique_ptr<NcclLane> nccl_;  // CUDA gradients: NCCL on a side stream
};

}  // namespace charnn
