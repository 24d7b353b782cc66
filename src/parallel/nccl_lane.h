// The GPU side of the gradient reducer (parallel/reducer.h): an NCCL
// communicator over the job's ranks, a side stream the all-reduces run on, and
// the events that order it against the compute stream (the current CUDA
// stream). Nothing here waits on the host but wait(), so a step that reduces
// through it can be captured in a CUDA graph. Built for real with a CUDA
// LibTorch and NCCL; elsewhere open() fails with one line. No LibTorch in
// this header.
#pragma once
#include <cstddef>
#include <memory>

namespace charnn {

class NcclLane {
 public:
  // Joins the job's NCCL communicator (collective) on CUDA device `device`,
  // with an event for each of `buckets` buckets, made here once: events may
  // not be created while a graph is being captured.
  static std::unique_ptr<NcclLane> open(int rank, int world, int device, size_t buckets);
  ~NcclLane();  // never throws: a failure is reported and teardown goes on
  NcclLane(const NcclLane&) = delete;
  NcclLane& operator=(const NcclLane&) = delete;

  // Bucket `bucket`'s gradients, `n` floats at device pointer `p`, are final
  // on the compute stream: the side stream waits for them, then averages them
  // across the ranks in place.
  void reduce(size_t bucket, float* p, size_t n);
  // The compute stream waits for every average queued so far (in a capture:
  // the side stream joins back, as a graph requires). No host wait.
  void join();
  // Blocks until the compute stream has drained, polling NCCL for a failed
  // peer; throws after `timeout_s` seconds.
  void wait(double timeout_s);

  struct Impl;

 private:
  explicit NcclLane(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace charnn
