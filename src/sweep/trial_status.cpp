#include "sweep/trial_status.h"

#include <chrono>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "util/fsutil.h"
#include "util/json_text.h"
#include "util/number.h"
#include "util/status.h"

namespace charnn {

TrialState parse_trial_state(const std::string& word, const std::string& where) {
  const std::optional<TrialState> s = from_string<TrialState>(word);
  if (s && *s != TrialState::unknown) return *s;  // unknown is shown, never written
  fail(where, ": status = ", quoted(word), ": expected pending, running, done, failed or preempted");
}

namespace {

// Typed fields of status.json, each checked where it is read: "PATH: KEY: got X, expected Y".
struct Fields {
  const std::string& path;
  const nlohmann::json& j;

  const nlohmann::json* get(const char* key) const {
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
  }
  [[noreturn]] void bad(const char* key, const nlohmann::json& v, const std::string& expected) const {
    fail(path, ": ", key, ": got ", json_shown(v), ", expected ", expected);
  }
  std::string text(const char* key, const std::string& def) const {
    const nlohmann::json* v = get(key);
    if (!v) return def;
    if (!v->is_string()) bad(key, *v, "a string");
    return v->get<std::string>();
  }
  // A whole number in [lo, hi], checked before it is converted: JSON numbers
  // may be fractions or beyond any integer type (3.0 reads as 3).
  int64_t integer(const char* key, int64_t lo, int64_t hi) const {
    const nlohmann::json* v = get(key);
    if (!v) return 0;
    std::optional<int64_t> n;
    if (v->is_number_unsigned()) {
      const uint64_t u = v->get<uint64_t>();
      if (hi >= 0 && u <= static_cast<uint64_t>(hi) && (lo <= 0 || u >= static_cast<uint64_t>(lo)))
        n = static_cast<int64_t>(u);
    } else if (v->is_number_integer()) {
      if (v->get<int64_t>() >= lo && v->get<int64_t>() <= hi) n = v->get<int64_t>();
    } else if (v->is_number_float()) {
      n = whole_number(v->get<double>(), lo, hi);
    }
    if (!n) fail(path, ": ", key, " = ", json_shown(*v), ": expected a whole number in [", lo, ", ", hi, "]");
    return *n;
  }
  // A finite number >= 0; null (how JSON writes a loss that never became finite) reads as `none`.
  double number(const char* key, double none) const {
    const nlohmann::json* v = get(key);
    if (!v || v->is_null()) return none;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < 0)
      bad(key, *v, "a finite number >= 0");
    return v->get<double>();
  }
};

}  // namespace

TrialStatus read_trial_status(const std::string& dir) {
  const std::string path = dir + "/status.json";
  if (!path_exists(path)) return TrialStatus{};
  require_readable_file(path, "status.json");
  return parse_trial_status(read_file(path), path);
}

TrialStatus parse_trial_status(const std::string& text, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": not valid JSON (", library_reason(e), "); expected the object 'charnn train --trial-dir' writes");
  }
  if (!j.is_object()) fail(path, ": expected a JSON object, not ", j.type_name());
  const Fields f{path, j};
  TrialStatus st;
  st.status = parse_trial_state(f.text("status", "pending"), path);
  st.exit_code = static_cast<int>(f.integer("exit_code", INT_MIN, INT_MAX));
  st.restarts = f.integer("restarts", 0, INT64_MAX);
  st.slurm_job = f.text("slurm_job", "");
  st.best_val_loss = f.number("best_val_loss", 0.0);
  st.best_checkpoint = f.text("best_checkpoint", "");
  st.message = f.text("message", "");
  st.stop = f.text("stop", "");
  st.updated = f.number("updated", 0.0);
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
                      {"stop", st.stop},
                      {"updated", std::chrono::duration<double>(
                                      std::chrono::system_clock::now().time_since_epoch()).count()}};
  write_file_atomic(dir + "/status.json", j.dump(2) + "\n");
}

}  // namespace charnn
