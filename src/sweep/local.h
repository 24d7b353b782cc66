// Running a sweep's trials on this machine, without Slurm: up to `parallel`
// trials at once, each `charnn train --trial-dir` (under mpirun when ranks > 1).
// Processes are started by util/process (an argument vector, no shell).
#pragma once
#include <string>

namespace charnn {

struct LocalRunOptions {
  int parallel = 1;
  int ranks = 1;
  std::string charnn_path;
};

// Runs every trial that is not done; returns the number that failed.
int run_sweep_locally(const std::string& sweep_dir, const LocalRunOptions& opt);

}  // namespace charnn
