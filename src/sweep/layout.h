// The sweep directory, as `sweep plan` writes it and everything after reads it
// (sweep run/submit/table, the report, a trial's `train --trial_dir`):
//   DIR/sweep.yaml               the spec, as given
//   DIR/trials.csv               id, then one column per swept parameter
//   DIR/trials/0000/config.yaml  a complete train config per trial
//   DIR/sweep.sbatch             Slurm job array, one task per trial
//   DIR/logs/                    per-task output
//   DIR/asha.jsonl               ASHA's rung records (sweep/rung_records.h), when early_terminate is set
// Only the names live here; sweep/plan.h writes them, sweep/results.h reads them.
#pragma once
#include <string>

namespace charnn {

std::string trial_dir(const std::string& sweep_dir, int id);  // DIR/trials/0007
std::string asha_records_path(const std::string& sweep_dir);  // DIR/asha.jsonl
// A sweep directory is one with a trials.csv (a run directory has none).
bool is_sweep_dir(const std::string& dir);

}  // namespace charnn
