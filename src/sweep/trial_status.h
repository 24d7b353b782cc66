// A trial's status file (DIR/status.json), written atomically by rank 0 of
// `charnn train --trial-dir DIR`: pending (no file), running, done, failed,
// preempted (stopped by a signal after checkpointing; the array task requeues).
// A trial that ended early (early stopping, pruned by ASHA) is done, with `stop`
// saying why: it is never run again (train --trial-dir returns at once).
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "util/choice.h"

namespace charnn {

// The state is parsed once, when status.json is read; the file keeps the words.
// `unknown` is never written: it is how a run without a status.json (or one
// still saying pending) shows in a table once training has logged but not
// finished; with a `done` line in its metrics it shows as done.
enum class TrialState { pending, running, done, failed, preempted, unknown };
template <>
struct Choices<TrialState> {
  static constexpr const char* key = "status";
  static constexpr std::array<const char*, 6> names{"pending", "running", "done", "failed", "preempted", "unknown"};
};

// Parses a status.json word (pending | running | done | failed | preempted);
// `where` prefixes the error for anything else.
TrialState parse_trial_state(const std::string& word, const std::string& where);

struct TrialStatus {
  TrialState status = TrialState::pending;
  int exit_code = 0;
  int64_t restarts = 0;
  std::string slurm_job;  // ARRAYJOB_TASK when under Slurm
  double best_val_loss = 0;
  std::string best_checkpoint;
  std::string message;  // error line for failed trials
  std::string stop;     // a done trial that ended early: "pruned at rung 1", "stopped: no improvement for 3 evals"
  double updated = 0;   // unix time
};

TrialStatus read_trial_status(const std::string& trial_dir);
// The same from status.json's text; `path` names it in messages.
TrialStatus parse_trial_status(const std::string& text, const std::string& path);
void write_trial_status(const std::string& trial_dir, const TrialStatus& st);

}  // namespace charnn
