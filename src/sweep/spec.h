// Hyperparameter sweeps: the spec (a base train config + what to vary + Slurm
// resources), the trials it expands to, and planning a sweep directory:
//   DIR/sweep.yaml            the spec, as given
//   DIR/trials.csv            id, then one column per swept parameter
//   DIR/trials/0000/config.yaml  a complete train config per trial
//   DIR/sweep.sbatch          Slurm job array, one task per trial
//   DIR/logs/                 per-task output
// Swept values are data: they are written into YAML files, never into a shell
// command line.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "train/options.h"

namespace charnn {

struct SweepParameter {
  std::string key;
  std::string kind;                 // list (grid / choice) | uniform | log_uniform | int_uniform | fixed
  std::vector<std::string> values;  // list, choice, fixed
  double lo = 0, hi = 0;            // ranges
};

struct SlurmResources {
  std::string partition, account, time = "01:00:00";
  int64_t nodes = 1, ranks = 1, gpus_per_node = 0, cpus_per_task = 1, max_concurrent = 4;
  std::string launcher = "srun";  // srun (--mpi=pmix) | mpirun
};

struct SweepSpec {
  std::string path;  // the spec file
  std::string name;
  TrainConfig base;
  std::string method = "grid";  // grid | random
  int64_t trials = 0;           // random
  uint64_t seed = 0;
  std::string metric = "val_loss";
  std::vector<SweepParameter> parameters;
  SlurmResources slurm;
};

struct Trial {
  int id = 0;
  std::vector<std::pair<std::string, std::string>> values;  // swept key -> value, in spec order
  TrainConfig config;
};

SweepSpec load_sweep_spec(const std::string& path);
std::vector<Trial> expand_trials(const SweepSpec& spec);

struct PlanOptions {
  std::string dir;
  bool force = false;
  std::string charnn_path;  // the binary the array tasks run
};
// Writes the sweep directory. Refuses an existing one without `force`; with it,
// trials that are running or done are left untouched.
std::vector<Trial> plan_sweep(const SweepSpec& spec, const PlanOptions& opt);

std::string trial_dir(const std::string& sweep_dir, int id);  // DIR/trials/0007
bool is_sweep_dir(const std::string& dir);

}  // namespace charnn
