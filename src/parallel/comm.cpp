#include "parallel/comm.h"

#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "util/log.h"
#include "util/status.h"

namespace charnn {

namespace {
Comm g_comm;

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
  MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
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
  if (slurm_ntasks && std::atoi(slurm_ntasks) != g_comm.size && !ignore_slurm)
    comm_abort(cat("SLURM_NTASKS=", slurm_ntasks, " but the MPI world has ", g_comm.size,
                   " ranks; launch with 'srun --mpi=pmix' (or 'mpirun -np ", slurm_ntasks,
                   "'), or set CHARNN_IGNORE_SLURM_NTASKS=1 if this is intended"));
  return g_comm;
}

void comm_finalize() {
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
  check(MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  return v;
}

bool any_rank(bool v) { return allreduce_max(v ? 1 : 0) != 0; }

void broadcast_bytes(void* data, size_t n, int root) {
  if (g_comm.size == 1) return;
  check(MPI_Bcast(data, static_cast<int>(n), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
}

std::vector<uint8_t> gather_bytes(const std::vector<uint8_t>& local) {
  if (g_comm.size == 1) return local;
  std::vector<uint8_t> all(g_comm.rank == 0 ? local.size() * g_comm.size : 0);
  check(MPI_Gather(local.data(), static_cast<int>(local.size()), MPI_BYTE, all.data(),
                   static_cast<int>(local.size()), MPI_BYTE, 0, MPI_COMM_WORLD),
        "MPI_Gather");
  return all;
}

}  // namespace charnn
