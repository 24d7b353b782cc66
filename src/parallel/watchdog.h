// The collective timeout (option collective_timeout): MPI has no timeout of
// its own, so a rank blocked in an all-reduce whose peer froze, or whose link
// to the peer went dark, waits forever and holds the allocation. Every MPI
// collective charnn issues runs inside a CollectiveScope; a watchdog thread
// looks at the open scopes every second and, when one has been open longer
// than the timeout, logs one line naming this rank, its host, the collective
// and since when, then ends the whole job with MPI_Abort (the guarantee NCCL's
// own timeout gives on GPUs, src/parallel/nccl_comm.h).
#pragma once
#include <string>

namespace charnn {

// Seconds a collective may take before the job is aborted; 0 turns the watchdog off.
void set_collective_timeout(double seconds);
double collective_timeout();

// Who the job waits for, asked once a collective is overdue: text appended to
// the abort line ("; no answer from rank 3 (node2): ..."). The process group
// (parallel/comm.cpp) provides it, so the watchdog knows nothing of ranks.
using Census = std::string (*)(double timeout);
// Starts the watchdog thread (comm_init, when there are several ranks); until
// then, and with one rank, a CollectiveScope records nothing.
void watchdog_start(Census census);
// Stops and joins the thread (comm_finalize; at exit too if it was never called).
void watchdog_stop();

// Marks the collective running on this thread. Scopes nest: the outermost
// names it (the reducer's "allreduce of bucket 3 (... bytes)" around comm's
// plain all-reduce), the inner ones are free.
class CollectiveScope {
 public:
  explicit CollectiveScope(const char* what, size_t bytes = 0);
  CollectiveScope(const std::string& what, size_t bytes = 0) : CollectiveScope(what.c_str(), bytes) {}
  ~CollectiveScope();
  CollectiveScope(const CollectiveScope&) = delete;
  CollectiveScope& operator=(const CollectiveScope&) = delete;

 private:
  bool outer_;
};

}  // namespace charnn
