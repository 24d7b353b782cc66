#include "sweep/trial_status.h"

#include <chrono>
#include <climits>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "util/fsutil.h"
#include "util/number.h"
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

// A whole-number field in [min, max] (`def` when absent), checked before it
// is converted: JSON numbers may be fractions or beyond any integer type.
static int64_t whole_field(const nlohmann::json& j, const char* key, int64_t def, int64_t min, int64_t max,
                           const std::string& path) {
  const auto it = j.find(key);
  if (it == j.end()) return def;
  std::optional<int64_t> v;
  if (it->is_number_unsigned()) {
    const uint64_t u = it->get<uint64_t>();
    if (max >= 0 && u <= static_cast<uint64_t>(max) && (min <= 0 || u >= static_cast<uint64_t>(min)))
      v = static_cast<int64_t>(u);
  } else if (it->is_number_integer()) {
    if (it->get<int64_t>() >= min && it->get<int64_t>() <= max) v = it->get<int64_t>();
  } else if (it->is_number_float()) {
    v = whole_number(it->get<double>(), min, max);
  }
  if (!v) {
    const std::string given = it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    fail(path, ": ", key, " = ", given, ": expected a whole number in [", min, ", ", max, "]");
  }
  return *v;
}

TrialStatus parse_trial_status(const std::string& text, const std::string& path) {
  TrialStatus st;
  try {
    auto j = nlohmann::json::parse(text);
    if (!j.is_object()) fail(path, ": expected a JSON object, not ", j.type_name());
    st.status = parse_trial_state(j.value("status", "pending"), path);
    st.exit_code = static_cast<int>(whole_field(j, "exit_code", 0, INT_MIN, INT_MAX, path));
    st.restarts = whole_field(j, "restarts", 0, 0, INT64_MAX, path);
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
