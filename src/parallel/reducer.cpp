#include "parallel/reducer.h"

#include <torch/csrc/autograd/utils/lambda_post_hook.h>

#include <chrono>

#include "parallel/comm.h"
#include "parallel/nccl_lane.h"
#include "parallel/watchdog.h"
#include "util/status.h"

namespace charnn {

GradReducer::GradReducer(const Comm& c, FlatParams& fp, double bucket_mb, bool overlap, bool always)
    : fp_(fp), world_(c.size), active_(world_ > 1 || always), overlap_(overlap) {
  if (!active_) return;
  // Buckets over the parameters in reverse order: decoder first, embedding last.
  const int64_t cap = std::max<int64_t>(1, static_cast<int64_t>(bucket_mb * 1e6 / sizeof(float)));
  bucket_of_param_.resize(fp.params.size());
  Bucket cur;
  int64_t hi = fp.data.numel();
  for (size_t k = fp.params.size(); k-- > 0;) {
    const int64_t n = fp.params[k].numel();
    if (cur.expected > 0 && cur.numel + n > cap) {
      cur.offset = hi - cur.numel;
      hi = cur.offset;
      buckets_.push_back(cur);
      cur = Bucket();
    }
    cur.numel += n;
    cur.expected += 1;
    bucket_of_param_[k] = buckets_.size();
  }
  cur.offset = hi - cur.numel;
  buckets_.push_back(cur);

  if (fp.data.is_cuda()) nccl_ = NcclLane::open(c.rank, world_, fp.data.get_device(), buckets_.size());
  else comm_thread_ = std::thread([this] { comm_thread_main(); });

  if (overlap_) {
    for (size_t k = 0; k < fp.params.size(); ++k) {
      auto acc = torch::autograd::impl::grad_accumulator(fp.params[k]);
      acc->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
          [this, k](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
            on_grad_ready(k);
            return outputs;
          }));
      accumulators_.push_back(std::move(acc));
    }
  }
}

GradReducer::~GradReducer() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (comm_thread_.joinable()) comm_thread_.join();
}

void GradReducer::arm(bool reduce_this_backward) {
  std::lock_guard<std::mutex> g(mu_);
  armed_ = reduce_this_backward && active_;
  for (auto& b : buckets_) b.ready = 0;
  next_launch_ = 0;
  completed_ = 0;
}

void GradReducer::on_grad_ready(size_t k) {
  std::lock_guard<std::mutex> g(mu_);
  if (!armed_) return;
  buckets_[bucket_of_param_[k]].ready += 1;
  launch_ready_buckets();
}

void GradReducer::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].ready == buckets_[next_launch_].expected) {
    const size_t i = next_launch_++;
    if (nccl_) {
      nccl_->reduce(i, fp_.grad.data_ptr<float>() + buckets_[i].offset, static_cast<size_t>(buckets_[i].numel));
      completed_ += 1;
    } else {
      queue_.push_back(i);
      cv_.notify_all();
    }
  }
}

void GradReducer::reduce_bucket_now(size_t index, const Bucket& b) {
  float* p = fp_.grad.data_ptr<float>() + b.offset;
  // Named for the collective timeout's message (parallel/watchdog.h).
  CollectiveScope scope(cat("allreduce of bucket ", index, " of ", buckets_.size()), b.numel * sizeof(float));
  allreduce_sum(p, static_cast<size_t>(b.numel));
  const float inv = 1.0f / static_cast<float>(world_);
  for (int64_t i = 0; i < b.numel; ++i) p[i] *= inv;
}

void GradReducer::comm_thread_main() {
  std::unique_lock<std::mutex> lk(mu_);
  while (true) {
    cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    size_t i = queue_.front();
    queue_.pop_front();
    Bucket b = buckets_[i];
    lk.unlock();
    reduce_bucket_now(i, b);  // MPI on this thread only while the main thread is in backward/finish
    lk.lock();
    completed_ += 1;
    cv_.notify_all();
  }
}

double GradReducer::finish() {
  if (!active_) return 0.0;
  auto t0 = std::chrono::steady_clock::now();
  {
    std::unique_lock<std::mutex> lk(mu_);
    if (!overlap_ || !armed_) {
      // No hooks (overlap off): everything is ready now.
      for (auto& b : buckets_) b.ready = b.expected;
      armed_ = true;
    } else {
      // A parameter unused in this graph never fires its hook: treat it as ready (zero gradient).
      for (auto& b : buckets_) b.ready = b.expected;
    }
    launch_ready_buckets();
    if (!nccl_) cv_.wait(lk, [&] { return completed_ == buckets_.size(); });
    armed_ = false;
  }
  if (nccl_) nccl_->join();  // the host does not wait here (wait_device does)
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void GradReducer::wait_device() {
  if (nccl_) nccl_->wait(collective_timeout() > 0 ? collective_timeout() : 1e300);
}

}  // namespace charnn
