// Hyperparameter sweeps, the spec: a base train config, what to vary and the
// Slurm resources of one trial, read from YAML and checked whole. This file owns
// the spec's types and its loader; what is built from a spec lives beside it:
//   sweep/expand.h  the trials a spec expands to (grid or random)
//   sweep/sbatch.h  the Slurm job-array script
//   sweep/plan.h    writing the sweep directory (its layout: sweep/layout.h)
// Contract: a SweepSpec that parse_sweep_spec returns has only values its options
// accept (range ends included), only paths a sweep may name, and at most
// kMaxTrials trials; the code after the loader relies on the last and does not
// count again.
// Swept values are data: they are written into YAML files, never into a shell
// command line.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sweep/asha.h"
#include "train/options.h"
#include "util/choice.h"

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
// As spelled in the spec ("log_uniform"); `list` and `fixed` are shapes, not words.
template <>
struct Choices<ParamKind> {
  static constexpr const char* key = "parameter kind";
  static constexpr std::array<const char*, 6> names{"list", "choice", "uniform", "log_uniform", "int_uniform",
                                                    "fixed"};
};
template <>
struct Choices<SweepMethod> {
  static constexpr const char* key = "method";
  static constexpr std::array<const char*, 2> names{"grid", "random"};
};

struct SweepParameter {
  std::string key;
  ParamKind kind = ParamKind::list;
  std::vector<std::string> values;  // list, choice, fixed
  double lo = 0, hi = 0;            // ranges
};

enum class Launcher { srun, mpirun };  // srun --mpi=pmix | mpirun
template <>
struct Choices<Launcher> {
  static constexpr const char* key = "slurm.launcher";
  static constexpr std::array<const char*, 2> names{"srun", "mpirun"};
};

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
  AshaParams asha;  // early_terminate: {type: asha, ...}; disabled when absent
  SlurmResources slurm;
};

// The most trials a sweep may have; trial ids are 0 .. kMaxTrials - 1. The
// loader enforces it, once: `trials` of a random search, the product of the
// list lengths of a grid (counted before anything is built).
constexpr int64_t kMaxTrials = 100000;

// Reads and checks a spec: every error is one line naming file:line, key,
// value and what is expected. Relative `base_config`, `data`, `vocab` and
// `init_from` (in `base` or swept) are relative to the spec's folder.
SweepSpec load_sweep_spec(const std::string& path);
// The same from the spec's text; `path` names it in messages and anchors its
// relative paths (load_sweep_spec reads the file and calls this).
SweepSpec parse_sweep_spec(const std::string& text, const std::string& path);
// The resources of an already planned sweep (its DIR/sweep.yaml copy).
SlurmResources planned_resources(const std::string& sweep_dir);

// The inputs a trial reads (data, vocab, init_from): their field in a
// TrainConfig, or nullptr for any other option.
std::string TrainConfig::*input_path_field(const std::string& key);
// A path as the spec gives it, as a path from here: a relative one is relative
// to the spec's folder ("" stays "").
std::string against_spec(const SweepSpec& s, const std::string& path);

}  // namespace charnn
