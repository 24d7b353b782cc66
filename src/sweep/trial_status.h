// A trial's status file (DIR/status.json), written atomically by rank 0 of
// `charnn train --trial-dir DIR`: pending (no file), running, done, failed,
// preempted (stopped by a signal after checkpointing; the array task requeues).
#pragma once
#include <cstdint>
#include <string>

namespace charnn {

struct TrialStatus {
  std::string status = "pending";
  int exit_code = 0;
  int64_t restarts = 0;
  std::string slurm_job;  // ARRAYJOB_TASK when under Slurm
  double best_val_loss = 0;
  std::string best_checkpoint;
  std::string message;  // error line for failed trials
  double updated = 0;   // unix time
};

TrialStatus read_trial_status(const std::string& trial_dir);
void write_trial_status(const std::string& trial_dir, const TrialStatus& st);

}  // namespace charnn
