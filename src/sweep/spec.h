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

// How a parameter is given: parsed once from the YAML, so nothing below the
// loader compares spelled-out names.
enum class ParamKind {
  list,         // [a, b, c]: every value (grid) or a uniform choice (random)
  choice,       // {choice: [a, b]}: random only
  uniform,      // {uniform: [lo, hi]}
  log_uniform,  // {log_uniform: [lo, hi]}: uniform in log space, lo > 0
  int_uniform,  // {int_uniform: [lo, hi]}: a whole number, both ends included
  fixed,        // a single scalar
};
enum class SweepMethod { grid, random };

const char* to_string(ParamKind k);  // as spelled in the spec ("log_uniform")
const char* to_string(SweepMethod m);

struct SweepParameter {
  std::string key;
  ParamKind kind = ParamKind::list;
  std::vector<std::string> values;  // list, choice, fixed
  double lo = 0, hi = 0;            // ranges
};

enum class Launcher { srun, mpirun };  // srun --mpi=pmix | mpirun

struct SlurmResources {
  std::string partition, account, time = "01:00:00";
  int64_t nodes = 1, ranks = 1, gpus_per_node = 0, cpus_per_task = 1, max_concurrent = 4;
  Launcher launcher = Launcher::srun;
};

struct SweepSpec {
  std::string path;  // the spec file
  std::string base_config;  // its base_config, as a path from here ("" for none)
  std::string name;
  TrainConfig base;
  SweepMethod method = SweepMethod::grid;
  int64_t trials = 0;           // random
  uint64_t seed = 0;
  std::string metric = "val_loss";
  std::vector<SweepParameter> parameters;
  SlurmResources slurm;
};

// The most trials a sweep may have; trial ids are 0 .. kMaxTrials - 1.
constexpr int64_t kMaxTrials = 100000;

struct Trial {
  int id = 0;
  std::vector<std::pair<std::string, std::string>> values;  // swept key -> value, in spec order
  TrainConfig config;
};

// Reads and checks a spec: every error is one line naming file:line, key,
// value and what is expected. Relative `base_config`, `data`, `vocab` and
// `init_from` (in `base` or swept) are relative to the spec's folder.
SweepSpec load_sweep_spec(const std::string& path);
// The same from the spec's text; `path` names it in messages and anchors its
// relative paths (load_sweep_spec reads the file and calls this).
SweepSpec parse_sweep_spec(const std::string& text, const std::string& path);
// Grid: the cartesian product of the lists, the last parameter varying fastest.
// Random: `trials` draws from a generator seeded with `seed`.
std::vector<Trial> expand_trials(const SweepSpec& spec);
// The resources of an already planned sweep (its DIR/sweep.yaml copy).
SlurmResources planned_resources(const std::string& sweep_dir);

struct PlanOptions {
  std::string dir;
  bool force = false;
  std::string charnn_path;  // the binary the array tasks run
};
// Writes the sweep directory. Refuses an existing one without `force`; with it,
// only a sweep directory (or an empty one) is re-planned, and trials that are
// running or done are left untouched. Nothing it writes may be a file the spec
// reads (util/fsutil.h check_output_path); all of it is checked first.
std::vector<Trial> plan_sweep(const SweepSpec& spec, const PlanOptions& opt);

std::string trial_dir(const std::string& sweep_dir, int id);  // DIR/trials/0007
bool is_sweep_dir(const std::string& dir);

}  // namespace charnn
