// CPU runtime policy: threads and the allocator.
//
// Threads. Measured on a 2-core machine with Debian's LibTorch +
// OpenBLAS (pthread): LibTorch's OpenMP pool fighting OpenBLAS's own threads
// made training 2-3x slower, so LibTorch's intra-op pool is kept at one thread
// and the cores of a rank go to OpenBLAS, where the matrix products are.
#pragma once

namespace charnn {

// CPUs in this process's affinity mask (what taskset, Slurm and mpirun --bind-to allow).
int usable_cores();
// `requested` BLAS threads; 0 = the usable cores, divided among the node's ranks
// when the process is not bound to a subset of them. Returns the count used.
int configure_cpu_threads(int requested, int local_ranks);

// glibc returns large freed blocks to the kernel (munmap / heap trim) and maps
// them again on the next iteration: ~1,000 page faults per training step for
// a 1x128 LSTM. Keeping freed memory in the process cut the faults by 65% and
// forward+backward time by 2-8% (measured, docs/performance.md).
void configure_allocator();

}  // namespace charnn
