// The process group: who am I, how many of us, and the few collectives the
// trainer needs on host memory (MPI). Started only under a launcher (mpirun,
// srun --mpi=pmix); a plain `charnn train` is a world of one and never touches MPI.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace charnn {

struct Comm {
  int rank = 0, size = 1;              // world
  int local_rank = 0, local_size = 1;  // on this node (picks the GPU)
  bool mpi = false;                    // MPI_Init was called
};

// Initialises MPI when launched by mpirun/srun; checks SLURM_NTASKS against the world size.
const Comm& comm_init(int* argc, char*** argv);
const Comm& comm();
void comm_finalize();
// Ends every rank of the job (MPI_Abort) after printing `message` with this rank's prefix.
[[noreturn]] void comm_abort(const std::string& message, int code = 1);

void allreduce_sum(double* v, size_t n);
void allreduce_sum(float* v, size_t n);
double allreduce_sum(double v);
int64_t allreduce_max(int64_t v);
bool any_rank(bool v);  // decisions taken together: true if true on any rank
void broadcast_bytes(void* data, size_t n, int root = 0);
// Where each rank runs: its host, its node-local rank and size (which pick
// its GPU and, unbound, its BLAS thread count) and the threads it took.
struct RankPlace {
  std::string host;
  int local_rank = 0, local_size = 1, threads = 1;
};
// Collective; every rank receives every rank's place, in rank order.
std::vector<RankPlace> gather_places(int threads);
// Rank r's host, once gather_places has run ("" before).
std::string rank_host(int rank);
// For the collective timeout (parallel/watchdog.h): the ranks that did not
// answer this rank's "still alive?" within `wait_seconds` (a stopped, dead or
// unreachable rank). Empty when MPI has no MPI_THREAD_MULTIPLE.
std::vector<int> unanswered_ranks(double wait_seconds);
// "0 node1 local 0/2 1 thread(s), 1 node1 local 1/2 ...": for the start line.
std::string describe_places(const std::vector<RankPlace>& places);
// Rank 0 receives every rank's `local` (all equal length) concatenated in rank order.
std::vector<uint8_t> gather_bytes(const std::vector<uint8_t>& local);

}  // namespace charnn
