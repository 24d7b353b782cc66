// CPU threading policy. Measured on a 2-core machine with Debian's LibTorch +
// OpenBLAS (pthread): LibTorch's OpenMP pool fighting OpenBLAS's own threads
// made training 2-3x slower, so LibTorch's intra-op pool is kept at one thread
// and the cores of a rank go to OpenBLAS, where the matrix products are.
#pragma once

namespace charnn {

// `requested` BLAS threads (0 = cores / ranks on this node). Returns the count used.
int configure_cpu_threads(int requested, int local_ranks);

}  // namespace charnn
