#include "sweep/trial_status.h"

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "util/fsutil.h"
#include "util/status.h"

namespace charnn {

const char* to_string(TrialState s) {
  switch (s) {
    case TrialState::pending: return "pending";
    case TrialState::running: return "running";
    case TrialState::done: return "done";
    case TrialState::failed: return "failed";
    case TrialState::preempted: return "preempted";
    case TrialState::unknown: break;
  }
  return "unknown";
}

TrialState parse_trial_state(const std::string& word, const std::string& where) {
  for (TrialState s : {TrialState::pending, TrialState::running, TrialState::done, TrialState::failed,
                       TrialState::preempted})
    if (word == to_string(s)) return s;
  fail(where, ": status = ", quoted(word), ": expected pending, running, done, failed or preempted");
}

TrialStatus read_trial_status(const std::string& dir) {
  const std::string path = dir + "/status.json";
  if (!path_exists(path)) return TrialStatus{};
  return parse_trial_status(read_file(path), path);
}

TrialStatus parse_trial_status(const std::string& text, const std::string& path) {
  TrialStatus st;
  try {
    auto j = nlohmann::json::parse(text);
    st.status = parse_trial_state(j.value("status", "pending"), path);
    st.exit_code = j.value("exit_code", 0);
    st.restarts = j.value("restarts", int64_t{0});
    st.slurm_job = j.value("slurm_job", "");
    st.best_val_loss = j.value("best_val_loss", 0.0);
    st.best_checkpoint = j.value("best_checkpoint", "");
    st.message = j.value("message", "");
    st.updated = j.value("updated", 0.0);
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": not valid JSON (", e.what(), ")");
  }
  return st;
}

void write_trial_status(const std::string& dir, const TrialStatus& st) {
  nlohmann::json j = {{"status", to_string(st.status)},
                      {"exit_code", st.exit_code},
                      {"restarts", st.restarts},
                      {"slurm_job", st.slurm_job},
                      {"best_val_loss", st.best_val_loss},
                      {"best_checkpoint", st.best_checkpoint},
                      {"message", st.message},
                      {"updated", std::chrono::duration<double>(
                                      std::chrono::system_clock::now().time_since_epoch()).count()}};
  write_file_atomic(dir + "/status.json", j.dump(2) + "\n");
}

}  // namespace charnn
