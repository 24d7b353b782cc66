#include "util/threads.h"

#include <dlfcn.h>
#include <sched.h>
#include <malloc.h>

#include <algorithm>
#include <thread>

#include <ATen/Parallel.h>

namespace charnn {

int usable_cores() {
  // The CPUs this process may run on: Slurm (--cpus-per-task, cgroups), taskset and
  // mpirun --bind-to narrow the affinity mask, which hardware_concurrency() ignores.
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int configure_cpu_threads(int requested, int local_ranks) {
  // A rank bound to its own cores (mpirun --bind-to core, srun --cpu-bind) sees only those;
  // unbound ranks see the whole node and share it with the node's other ranks.
  const int cores = usable_cores();
  const bool bound = cores < static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (bound) local_ranks = 1;
  const int n = requested > 0 ? requested : std::max(1, cores / std::max(1, local_ranks));
  at::set_num_threads(1);
  // OpenBLAS is found at run time (Debian switches BLAS through alternatives).
  using SetThreads = void (*)(int);
  if (auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
  else at::set_num_threads(n);  // another BLAS: let LibTorch's pool have the cores
  return n;
}

void configure_allocator() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum: blocks below it come from the heap
  mallopt(M_TRIM_THRESHOLD, 1 << 30);   // never shrink the heap between iterations
  mallopt(M_TOP_PAD, 64 << 20);         // grow it in large steps
}

}  // namespace charnn
