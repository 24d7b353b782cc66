#include "parallel/comm.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <thread>

#include <unistd.h>

#include "parallel/watchdog.h"
#include "util/log.h"
#include "util/process.h"
#include "util/status.h"

namespace charnn {

namespace {
Comm g_comm;
// The watchdog's own channel (a duplicate of the world, so its messages never
// match a collective's) and whether MPI lets a second thread use it while
// the first is blocked in a collective.
MPI_Comm g_watch_comm = MPI_COMM_NULL;
bool g_thread_multiple = false;
std::vector<std::string> g_hosts;  // by rank, from gather_places

// The watchdog's census (parallel/watchdog.h): the ranks that do not answer.
std::string census(double timeout) {
  const std::vector<int> silent = unanswered_ranks(std::min(5.0, std::max(1.0, timeout / 4)));
  if (silent.empty()) return g_comm.size > 1 ? "; every other rank answered (alive, but in another collective)" : "";
  std::string who;
  for (int r : silent) {
    const std::string host = rank_host(r);
    who += cat(who.empty() ? "" : ", ", r, host.empty() ? "" : cat(" (", host, ")"));
  }
  return cat("; no answer from rank", silent.size() > 1 ? "s" : "", " ", who, ": stopped, dead or unreachable");
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    comm_abort(cat(what, " failed: ", std::string(msg, len)));
  }
}
}  // namespace

const Comm& comm() { return g_comm; }

const Comm& comm_init(int* argc, char*** argv) {
  const char* slurm_ntasks = std::getenv("SLURM_NTASKS");
  const bool ignore_slurm = std::getenv("CHARNN_IGNORE_SLURM_NTASKS") != nullptr;
  if (!launched_by_mpi()) {
    // srun without an MPI plugin starts N independent singletons that would
    // each train alone and overwrite each other's checkpoints.
    if (slurm_ntasks && std::atoi(slurm_ntasks) > 1 && std::getenv("SLURM_PROCID") && !ignore_slurm)
      fail("SLURM_NTASKS=", slurm_ntasks, " but this process was not started by an MPI launcher (world size 1); "
           "launch with 'srun --mpi=pmix' (or pmi2) or 'mpirun' inside the allocation");
    return g_comm;
  }
  int provided = 0;
  // MULTIPLE where the library has it: the collective timeout's watchdog asks
  // the other ranks who is still alive while a collective blocks another thread.
  MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided);
  g_comm.mpi = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_comm.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_comm.size);
  log::set_rank(g_comm.rank, g_comm.size);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_comm.rank, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &g_comm.local_rank);
  MPI_Comm_size(local, &g_comm.local_size);
  MPI_Comm_free(&local);
  if (provided < MPI_THREAD_SERIALIZED)
    comm_abort("the MPI library does not provide MPI_THREAD_SERIALIZED (needed for overlapped all-reduce)");
  g_thread_multiple = provided >= MPI_THREAD_MULTIPLE;
  if (g_thread_multiple && g_comm.size > 1) check(MPI_Comm_dup(MPI_COMM_WORLD, &g_watch_comm), "MPI_Comm_dup");
  if (slurm_ntasks && std::atoi(slurm_ntasks) != g_comm.size && !ignore_slurm)
    comm_abort(cat("SLURM_NTASKS=", slurm_ntasks, " but the MPI world has ", g_comm.size,
                   " ranks; launch with 'srun --mpi=pmix' (or 'mpirun -np ", slurm_ntasks,
                   "'), or set CHARNN_IGNORE_SLURM_NTASKS=1 if this is intended"));
  if (g_comm.size > 1) watchdog_start(census);  // one rank has nobody to wait for
  return g_comm;
}

void comm_finalize() {
  watchdog_stop();
  if (g_comm.mpi) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
}

void comm_abort(const std::string& message, int code) {
  log::error(message);
  if (g_comm.mpi) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

template <typename T>
static void allreduce_chunks(T* v, size_t n, MPI_Datatype type) {
  if (g_comm.size == 1) return;
  CollectiveScope scope("allreduce", n * sizeof(T));
  while (n > 0) {
    int take = static_cast<int>(std::min<size_t>(n, INT_MAX / 2));
    check(MPI_Allreduce(MPI_IN_PLACE, v, take, type, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    v += take, n -= take;
  }
}

void allreduce_sum(double* v, size_t n) { allreduce_chunks(v, n, MPI_DOUBLE); }
void allreduce_sum(float* v, size_t n) { allreduce_chunks(v, n, MPI_FLOAT); }
double allreduce_sum(double v) {
  allreduce_sum(&v, 1);
  return v;
}

int64_t allreduce_max(int64_t v) {
  if (g_comm.size == 1) return v;
  CollectiveScope scope("allreduce (max)", sizeof v);
  check(MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  return v;
}

bool any_rank(bool v) { return allreduce_max(v ? 1 : 0) != 0; }

void broadcast_bytes(void* data, size_t n, int root) {
  if (g_comm.size == 1) return;
  CollectiveScope scope(root == 0 ? "broadcast from rank 0" : "broadcast", n);
  check(MPI_Bcast(data, static_cast<int>(n), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
}

std::vector<uint8_t> gather_bytes(const std::vector<uint8_t>& local) {
  if (g_comm.size == 1) return local;
  std::vector<uint8_t> all(g_comm.rank == 0 ? local.size() * g_comm.size : 0);
  CollectiveScope scope("gather to rank 0", local.size());
  check(MPI_Gather(local.data(), static_cast<int>(local.size()), MPI_BYTE, all.data(),
                   static_cast<int>(local.size()), MPI_BYTE, 0, MPI_COMM_WORLD),
        "MPI_Gather");
  return all;
}

std::vector<RankPlace> gather_places(int threads) {
  constexpr size_t kHost = 112;  // a fixed record per rank: host name (cut), then three ints
  std::vector<uint8_t> mine(kHost + 3 * sizeof(int), 0);
  const std::string host = host_name();
  std::copy_n(host.begin(), std::min(host.size(), kHost - 1), mine.begin());
  const int ints[3] = {g_comm.local_rank, g_comm.local_size, threads};
  std::memcpy(mine.data() + kHost, ints, sizeof ints);
  std::vector<uint8_t> all(mine.size() * g_comm.size);
  if (g_comm.size == 1) {
    all = mine;
  } else {
    CollectiveScope scope("allgather of the rank places", mine.size());
    check(MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_BYTE, all.data(),
                        static_cast<int>(mine.size()), MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Allgather");
  }
  std::vector<RankPlace> places;
  g_hosts.clear();
  for (size_t off = 0; off < all.size(); off += mine.size()) {
    const char* host = reinterpret_cast<const char*>(all.data() + off);
    RankPlace p;
    p.host.assign(host, strnlen(host, kHost));
    int v[3];
    std::memcpy(v, all.data() + off + kHost, sizeof v);
    p.local_rank = v[0], p.local_size = v[1], p.threads = v[2];
    g_hosts.push_back(p.host);
    places.push_back(std::move(p));
  }
  return places;
}

std::string rank_host(int rank) {
  return rank >= 0 && static_cast<size_t>(rank) < g_hosts.size() ? g_hosts[rank] : std::string();
}

// Every rank that calls this sends a byte to every other and collects theirs
// for up to `wait_seconds`; ranks alive and stuck too answer at once, a
// stopped, dead or cut-off rank never does. Nothing here waits for a send to
// complete: the caller aborts the job right after.
std::vector<int> unanswered_ranks(double wait_seconds) {
  std::vector<int> silent;
  if (g_watch_comm == MPI_COMM_NULL) return silent;
  constexpr int kTag = 7;
  static const char kAlive = 1;
  std::vector<char> in(g_comm.size, 0);
  std::vector<MPI_Request> recv(g_comm.size, MPI_REQUEST_NULL), send(g_comm.size, MPI_REQUEST_NULL);
  for (int r = 0; r < g_comm.size; ++r) {
    if (r == g_comm.rank) continue;
    if (MPI_Irecv(&in[r], 1, MPI_CHAR, r, kTag, g_watch_comm, &recv[r]) != MPI_SUCCESS ||
        MPI_Isend(&kAlive, 1, MPI_CHAR, r, kTag, g_watch_comm, &send[r]) != MPI_SUCCESS)
      return {};  // no census: the caller reports without it
  }
  std::vector<bool> heard(g_comm.size, false);
  heard[g_comm.rank] = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  int missing = g_comm.size - 1;
  while (missing > 0 && std::chrono::steady_clock::now() < deadline) {
    for (int r = 0; r < g_comm.size; ++r) {
      int done = 0;
      if (heard[r] || MPI_Test(&recv[r], &done, MPI_STATUS_IGNORE) != MPI_SUCCESS || !done) continue;
      heard[r] = true, missing -= 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (int r = 0; r < g_comm.size; ++r)
    if (!heard[r]) silent.push_back(r);
  return silent;
}

std::string describe_places(const std::vector<RankPlace>& places) {
  std::string out;
  for (size_t r = 0; r < places.size(); ++r)
    out += cat(r ? ", " : "", r, " ", places[r].host, " local ", places[r].local_rank, "/", places[r].local_size, " ",
               places[r].threads, " thread(s)");
  return out;
}

}  // namespace charnn
