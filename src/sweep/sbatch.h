// The Slurm job-array script of a sweep (DIR/sweep.sbatch): the template
// scripts/slurm/sweep.sbatch.in (compiled in, sweep/sbatch_template.h.in) with
// the spec's name and slurm resources filled in, one array task per trial.
// Contract: what goes into #SBATCH lines verbatim (name, partition, account,
// time) is a plain word, as the loader checked; the two paths (the sweep
// directory, made absolute, and the charnn binary) are single-quoted for the
// shell. Nothing swept ever reaches the script: a trial reads its config.yaml.
#pragma once
#include <cstddef>
#include <string>

#include "sweep/spec.h"

namespace charnn {

// `dir`: the sweep directory as given to plan (made absolute here); `charnn`:
// the binary the array tasks run; `n_trials` >= 1 (the array is 0 .. n - 1).
std::string render_sbatch(const SweepSpec& s, const std::string& dir, size_t n_trials, const std::string& charnn);

}  // namespace charnn
