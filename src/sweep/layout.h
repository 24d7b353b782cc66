// The sweep directory, as `sweep plan` writes it and everything after reads it
// (sweep run/submit/table, the report, a trial's `train --trial_dir`):
//   DIR/sweep.yaml               the spec, as given
//   DIR/trials.csv               id, then one column per swept parameter
//   DIR/trials/0000/config.yaml  a complete train config per trial
//   DIR/sweep.sbatch             Slurm job array, one task per trial
//   DIR/logs/                    per-task output
// Only the names live here; sweep/plan.h writes them, sweep/results.h reads them.
#pragma once
#include <string>

namespace charnn {

std::string trial_dir(const std::string& sweep_dir, int id);  // DIR/trials/0007
// A sweep directory is one with a trials.csv (a run directory has none).
bool is_sweep_dir(const std::string& dir);

}  // namespace charnn
