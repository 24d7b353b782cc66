# Spack recipe of charnn (docs/install.md). Not in Spack's builtin repository: add it
# to a repository of your own,
#   spack repo create ~/spack-charnn && spack repo add ~/spack-charnn
#   cp -r packaging/spack/charnn ~/spack-charnn/packages/
# then, from a clone of charnn (spack dev-build builds the source tree it is run in):
#   spack dev-build charnn@main +cuda cuda_arch=90 ^openmpi@4.1 ^hdf5~mpi ^py-torch+cuda
from spack.package import *


class Charnn(CMakePackage, CudaPackage):
    """Character-level RNN language models (LSTM, GRU, vanilla RNN) trained at HPC
    scale: an HDF5 corpus cache, data-parallel MPI ranks, NCCL on GPUs."""

    # Placeholders: set them to where your charnn repository lives (spack dev-build,
    # above, does not fetch and does not need them).
    homepage = "https://example.invalid/charnn"
    git = "https://example.invalid/charnn.git"

    version("main", branch="main")

    depends_on("cxx", type="build")
    depends_on("c", type="build")
    depends_on("cmake@3.18:", type="build")
    depends_on("ninja", type="build")
    depends_on("help2man", type="build")  # man pages, made by `cmake --install`
    depends_on("googletest", type=("build", "test"), when="@main")

    depends_on("mpi")
    depends_on("hdf5")
    depends_on("yaml-cpp")
    depends_on("boost+program_options")
    depends_on("nlohmann-json")
    depends_on("fmt")
    depends_on("openssl")
    # LibTorch comes from py-torch's installation (torch.utils.cmake_prefix_path).
    depends_on("py-torch", type=("build", "link", "run"))
    depends_on("py-torch~cuda", type=("build", "link", "run"), when="~cuda")
    depends_on("nccl", when="+cuda")
    for arch in CudaPackage.cuda_arch_values:
        depends_on(f"py-torch+cuda cuda_arch={arch}", when=f"+cuda cuda_arch={arch}")

    generator("ninja")

    def cmake_args(self):
        python = self.spec["python"].command
        torch_cmake = python(
            "-c", "import torch.utils; print(torch.utils.cmake_prefix_path)", output=str
        ).strip()
        args = [
            self.define("CMAKE_PREFIX_PATH", torch_cmake),
            self.define("MPI_C_COMPILER", self.spec["mpi"].mpicc),
            self.define("CHARNN_BUILD_TESTS", self.run_tests),
        ]
        if self.spec.satisfies("+cuda"):
            args += [
                self.define("CMAKE_CUDA_ARCHITECTURES", self.spec.variants["cuda_arch"].value),
                self.define("NCCL_INCLUDE_DIR", self.spec["nccl"].prefix.include),
                self.define("NCCL_LIBRARY", self.spec["nccl"].libs[0]),
            ]
        return args
