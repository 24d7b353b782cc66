#include "util/threads.h"

#include <dlfcn.h>

#include <algorithm>
#include <thread>

#include <ATen/Parallel.h>

namespace charnn {

int configure_cpu_threads(int requested, int local_ranks) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int n = requested > 0 ? requested : std::max(1, cores / std::max(1, local_ranks));
  at::set_num_threads(1);
  // OpenBLAS is found at run time (Debian switches BLAS through alternatives).
  using SetThreads = void (*)(int);
  if (auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
  else at::set_num_threads(n);  // another BLAS: let LibTorch's pool have the cores
  return n;
}

}  // namespace charnn
