#include "tensorboard/tensorboard.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "sweep/layout.h"
#include "sweep/results.h"
#include "util/fsutil.h"
#include "util/json_text.h"
#include "util/status.h"

namespace fs = std::filesystem;

namespace charnn {

namespace {

constexpr const char* kConvertedName = "events.out.tfevents.charnn";

// The number at `key`, or nullptr when the line has none (absent or null).
const nlohmann::json* number_at(const nlohmann::json& line, const char* key, const std::string& where) {
  auto it = line.find(key);
  if (it == line.end() || it->is_null()) return nullptr;
  if (!it->is_number()) fail(where, ": ", key, ": got ", json_shown(*it), ", expected a number");
  return &*it;
}

int64_t step_of(const nlohmann::json& line, const std::string& where) {
  const nlohmann::json* it = number_at(line, "iter", where);
  if (it && !it->is_number_integer()) fail(where, ": iter: got ", json_shown(*it), ", expected an integer");
  return it ? it->get<int64_t>() : 0;
}

// seconds since the epoch of `path`'s last change; now when it cannot be read.
double mtime_seconds(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return unix_seconds_now();
  return static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec * 1e-9;
}

// One run's events, in the order of its files: metrics.jsonl, then samples.jsonl.
std::string run_events(const std::string& run_dir) {
  std::vector<std::pair<nlohmann::json, std::string>> lines;
  double last_wall = 0;
  for_each_metrics_line(run_dir, [&](const std::string& where, const nlohmann::json& j) {
    if (const nlohmann::json* w = number_at(j, "wall", where)) last_wall = std::max(last_wall, w->get<double>());
    lines.emplace_back(j, where);
  });
  const double anchor = mtime_seconds(run_dir + "/metrics.jsonl") - last_wall;
  std::map<int64_t, double> wall_at;  // iteration -> the run's seconds then
  std::string file = tfrecord(event_file_version(anchor));
  double wall = 0;
  for (const auto& [j, where] : lines) {
    if (const nlohmann::json* w = number_at(j, "wall", where)) wall = w->get<double>();
    const int64_t step = step_of(j, where);
    wall_at[step] = wall;
    const std::vector<TbScalar> scalars = tensorboard_scalars(j, where);
    if (!scalars.empty()) file += tfrecord(event_scalars(anchor + wall, step, scalars));
  }
  for (const SampleLine& s : read_samples(run_dir)) {
    auto it = wall_at.upper_bound(s.iter);
    const double at = it == wall_at.begin() ? 0 : std::prev(it)->second;
    file += tfrecord(event_text(anchor + at, s.iter, sample_tag(s.temperature), s.text));
  }
  return file;
}

}  // namespace

std::vector<TbScalar> tensorboard_scalars(const nlohmann::json& line, const std::string& where) {
  std::vector<TbScalar> out;
  auto it = line.find("event");
  if (it == line.end() || !it->is_string()) return out;
  const std::string ev = it->get<std::string>();
  auto add = [&](const char* key, const char* tag, double divisor = 1.0) {
    if (const nlohmann::json* v = number_at(line, key, where)) out.push_back({tag, v->get<double>() / divisor});
  };
  if (ev == "train") {
    add("loss", "loss/train");
    add("loss", "bpc/train", std::log(2.0));  // as the val line's val_bpc is computed
    add("lr", "lr");
    add("grad_norm", "grad_norm");
    add("chars_per_sec", "chars_per_sec");
  } else if (ev == "val") {
    add("val_loss", "loss/val");
    add("val_bpc", "bpc/val");
  }
  return out;
}

std::string sample_tag(double temperature) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "samples/temperature_%g", temperature);
  return buf;
}

void TensorBoardLog::metric(const nlohmann::json& line) {
  const std::vector<TbScalar> scalars = tensorboard_scalars(line, "metrics.jsonl line");
  if (!scalars.empty()) out_.write(event_scalars(unix_seconds_now(), step_of(line, "metrics.jsonl line"), scalars));
}

void TensorBoardLog::sample(const nlohmann::json& line) {
  out_.write(event_text(unix_seconds_now(), step_of(line, "samples.jsonl line"),
                        sample_tag(line.value("temperature", 0.0)), line.value("text", std::string())));
}

std::string trial_run_name(int id, const std::vector<std::pair<std::string, std::string>>& params) {
  char num[16];
  std::snprintf(num, sizeof num, "%04d", id);
  std::string name = num;
  for (size_t i = 0; i < params.size(); ++i) name += (i ? "," : "_") + params[i].first + "=" + params[i].second;
  for (char& c : name)
    if (c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  return name;
}

std::vector<std::string> convert_to_tensorboard(const std::string& dir, const std::string& out) {
  require_sweep_or_run_dir(dir);
  std::vector<std::pair<std::string, std::string>> runs;  // (run dir, event file)
  if (is_sweep_dir(dir)) {
    for (const TrialRow& r : read_sweep(dir))
      runs.emplace_back(r.dir, out + "/" + trial_run_name(r.id, r.params) + "/" + kConvertedName);
  } else {
    runs.emplace_back(dir, out + "/" + kConvertedName);
  }
  // Every output that exists is checked before the first is written: never an
  // input, only an event file (the others are created, with their directories).
  if (path_exists(out) && !fs::is_directory(out)) fail(out, ": exists and is not a directory (-o names a directory)");
  const std::vector<std::string> inputs = files_read_by_table(dir);
  for (const auto& [run, file] : runs)
    if (path_exists(file) || fs::is_symlink(file))
      check_output_path({file, "-o", "TensorBoard event file", OutputKind::File, is_event_file}, inputs);
  std::vector<std::string> written;
  for (const auto& [run, file] : runs) {
    const std::string events = run_events(run);
    make_dirs(fs::path(file).parent_path().string());
    write_file_atomic(file, events);
    written.push_back(file);
  }
  return written;
}

}  // namespace charnn
