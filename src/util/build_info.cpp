#include "util/build_info.h"

#include <hdf5.h>
#include <mpi.h>
#include <torch/version.h>

#ifdef CHARNN_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif
#ifdef CHARNN_HAVE_NCCL
#include "parallel/nccl_comm.h"
#endif

#include "util/status.h"

namespace charnn {

namespace {

std::string mpi_built() {
#if defined(OMPI_MAJOR_VERSION)
  return cat("Open MPI ", OMPI_MAJOR_VERSION, ".", OMPI_MINOR_VERSION, ".", OMPI_RELEASE_VERSION);
#elif defined(MPICH_VERSION)
  return cat("MPICH ", MPICH_VERSION);
#else
  return cat("MPI ", MPI_VERSION, ".", MPI_SUBVERSION);
#endif
}

// The first line of MPI_Get_library_version (callable before MPI_Init), e.g.
// "Open MPI v4.1.4, package: Debian OpenMPI, ...": the part before the first comma.
std::string mpi_loaded() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  int len = 0;
  if (MPI_Get_library_version(text, &len) != MPI_SUCCESS) return "";
  std::string s(text, len > 0 ? static_cast<size_t>(len) : 0);
  return s.substr(0, s.find_first_of(",\n"));
}

std::string hdf5() {
  std::string s = cat("HDF5 ", H5_VERS_MAJOR, ".", H5_VERS_MINOR, ".", H5_VERS_RELEASE);
  unsigned major = 0, minor = 0, release = 0;
  if (H5get_libversion(&major, &minor, &release) >= 0 &&
      (major != H5_VERS_MAJOR || minor != H5_VERS_MINOR || release != H5_VERS_RELEASE))
    s += cat(" (", major, ".", minor, ".", release, " loaded)");
  return s;
}

}  // namespace

std::string build_summary() {
  std::string s = cat("built with LibTorch ", TORCH_VERSION);
#ifdef CHARNN_HAVE_CUDA
  s += cat(", CUDA ", CUDART_VERSION / 1000, ".", (CUDART_VERSION % 1000) / 10);
#else
  s += ", CUDA none";
#endif
#ifdef CHARNN_HAVE_NCCL
  s += ", NCCL " + nccl_version();
#else
  s += ", NCCL none";
#endif
  const std::string mpi = mpi_built(), loaded = mpi_loaded();
  s += ", " + mpi;
  if (!loaded.empty() && loaded.find(mpi.substr(mpi.rfind(' ') + 1)) == std::string::npos) s += " (" + loaded + " loaded)";
  return s + ", " + hdf5();
}

}  // namespace charnn
