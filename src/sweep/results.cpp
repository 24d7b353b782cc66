#include "sweep/results.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "sweep/layout.h"
#include "sweep/spec.h"
#include "sweep/trial_status.h"
#include "train/checkpoint_name.h"
#include "train/options.h"
#include "train/stopping.h"
#include "util/csv.h"
#include "util/fsutil.h"
#include "util/json_text.h"
#include "util/number.h"
#include "util/process.h"
#include "util/progress.h"
#include "util/status.h"
namespace fs = std::filesystem;

namespace charnn {

namespace {

// Best checkpoint file in a run directory, by the loss in its name.
std::string best_in_dir(const std::string& dir, double* loss_out) {
  std::string best;
  double best_loss = 1e300;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec)) {
    double epoch = 0, loss = 0;
    if (!parse_checkpoint_file_name(e.path().filename().string(), "", &epoch, &loss)) continue;
    if (loss < best_loss) best_loss = loss, best = e.path().string();
  }
  if (loss_out) *loss_out = best_loss;
  return best;
}

// One line of metrics.jsonl, its fields checked where they are read:
// "run/metrics.jsonl:12: val_loss: got "x", expected a finite number >= 0".
struct MetricLine {
  const std::string& where;
  const nlohmann::json& j;

  const nlohmann::json* get(const char* key) const {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  }
  // A finite number (>= 0 unless `any_sign`); `def` when absent or null.
  double number(const char* key, double def) const {
    const nlohmann::json* v = get(key);
    if (!v) return def;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < 0)
      fail(where, ": ", key, ": got ", json_shown(*v), ", expected a finite number >= 0");
    return v->get<double>();
  }
  int64_t count(const char* key) const {
    const nlohmann::json* v = get(key);
    if (!v) return 0;
    if (!v->is_number_integer() || v->get<int64_t>() < 0 ||
        (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)))
      fail(where, ": ", key, ": got ", json_shown(*v), ", expected an integer >= 0");
    return v->get<int64_t>();
  }
  std::string text(const char* key) const {
    const nlohmann::json* v = get(key);
    if (!v) return "";
    if (!v->is_string()) fail(where, ": ", key, ": got ", json_shown(*v), ", expected a string");
    return v->get<std::string>();
  }
};

// Calls `fn` with each line of a JSON-lines file (metrics.jsonl, samples.jsonl)
// that charnn appends to: an absent file has no lines, blank lines are skipped,
// and a last line without its newline that does not parse is being written
// right now and is skipped too; any other line that is not a JSON object fails
// naming file:line.
template <typename Fn>
void for_each_json_line(const std::string& path, const char* file_name, Fn fn) {
  std::ifstream in(path);
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const std::string where = cat(path, ":", line_no);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      if (in.eof()) continue;  // the last line, without its newline yet: being written right now
      fail(where, ": not a JSON object (", file_name, " holds one per line)");
    }
    if (!j.is_object()) fail(where, ": got ", json_shown(j), ", expected a JSON object (one per line)");
    fn(MetricLine{where, j});
  }
}

// A `stop` line's reason, as the table shows it: "pruned at rung 1".
std::string stop_of(const MetricLine& m) {
  const std::string reason = m.text("reason");
  const std::optional<StopKind> kind = from_string<StopKind>(reason);
  if (!kind || *kind == StopKind::none)
    fail(m.where, ": reason: got ", charnn::quoted(reason), ", expected early_stop or pruned");
  return stop_text(*kind, m.count("evals"), m.count("rung"));
}

// The job fields of a `start` line (train/job_info.h): absent in older runs.
void read_job_fields(const MetricLine& m, TrialRow& r) {
  r.slurm_job_id = m.text("slurm_job_id");
  r.slurm_array_job_id = m.text("slurm_array_job_id");
  r.slurm_array_task_id = m.text("slurm_array_task_id");
  r.hosts.clear();
  const nlohmann::json* hosts = m.get("hosts");
  if (!hosts) return;
  if (!hosts->is_array()) fail(m.where, ": hosts: got ", json_shown(*hosts), ", expected a list of host names");
  for (const auto& h : *hosts) {
    if (!h.is_string()) fail(m.where, ": hosts: got ", json_shown(h), " in the list, expected a host name");
    r.hosts.push_back(h.get<std::string>());
  }
}

void fill_from_metrics(TrialRow& r) {
  std::vector<double> cps;
  for_each_json_line(r.dir + "/metrics.jsonl", "metrics.jsonl", [&](const MetricLine& m) {
    const std::string ev = m.text("event");
    r.wall_seconds = std::max(r.wall_seconds, m.number("wall", 0.0));
    const int64_t iter = m.count("iter");
    r.last_iter = std::max(r.last_iter, iter);
    if (ev == "start") {
      r.done_logged = false;
      r.stop.clear();
      r.parameters = m.count("parameters");
      read_job_fields(m, r);
    } else if (ev == "done") {
      r.done_logged = true;
    } else if (ev == "stop") {
      r.stop = stop_of(m);
    } else if (ev == "train") {
      if (m.get("loss")) r.train_curve.emplace_back(iter, m.number("loss", 0.0));
      if (m.get("lr")) r.lr_curve.emplace_back(iter, m.number("lr", 0.0));
      if (m.get("chars_per_sec")) r.cps_curve.emplace_back(iter, m.number("chars_per_sec", 0.0));
      cps.push_back(m.number("chars_per_sec", 0.0));
    } else if (ev == "val") {
      if (!m.get("val_loss")) return;
      const double v = m.number("val_loss", 0.0);
      r.val_curve.emplace_back(iter, v);
      if (r.best_val_loss < 0 || v < r.best_val_loss) {
        r.best_val_loss = v;
        r.best_epoch = m.number("epoch", 0.0);
        r.best_iter = iter;
      }
    }
  });
  if (!cps.empty()) {  // median: robust to the first (warm-up) window
    std::sort(cps.begin(), cps.end());
    r.chars_per_sec = cps[cps.size() / 2];
  }
  double loss;
  r.best_checkpoint = best_in_dir(r.dir, &loss);
}

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

TableCells table_cells(const std::vector<TrialRow>& rows) {
  TableCells out;
  out.header = {"trial"};
  if (!rows.empty())
    for (auto& p : rows[0].params) out.header.push_back(p.first);
  for (const char* h : {"status", "val_loss", "val_bpc", "epoch", "iter", "wall", "chars/s", "restarts", "checkpoint"})
    out.header.push_back(h);
  for (const auto& r : rows) {
    std::vector<std::string> c = {r.id >= 0 ? cat(r.id) : r.dir};
    for (auto& p : r.params) c.push_back(p.second);
    const bool have = r.best_val_loss >= 0;
    // A trial that ended early shows why instead of "done" (it is done: best picks among them).
    c.push_back(r.status == TrialState::done && !r.stop.empty() ? r.stop : to_string(r.status));
    c.push_back(have ? fixed(r.best_val_loss, 4) : "-");
    c.push_back(have ? fixed(r.best_val_loss / std::log(2.0), 4) : "-");
    c.push_back(have ? fixed(r.best_epoch, 2) : "-");
    c.push_back(have ? cat(r.best_iter) : "-");
    c.push_back(format_duration(r.wall_seconds));
    c.push_back(fixed(r.chars_per_sec, 0));
    c.push_back(cat(r.restarts));
    c.push_back(r.best_checkpoint.empty() ? "-" : r.best_checkpoint);
    out.rows.push_back(std::move(c));
  }
  return out;
}

namespace {

std::string as_json(const std::vector<TrialRow>& rows) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json params = nlohmann::json::object();
    for (auto& p : r.params) params[p.first] = p.second;
    arr.push_back({{"trial", r.id}, {"dir", r.dir}, {"params", params}, {"status", to_string(r.status)},
                   {"best_val_loss", r.best_val_loss >= 0 ? nlohmann::json(r.best_val_loss) : nlohmann::json()},
                   {"best_epoch", r.best_epoch}, {"best_iter", r.best_iter}, {"wall_seconds", r.wall_seconds},
                   {"chars_per_sec", r.chars_per_sec}, {"restarts", r.restarts},
                   {"best_checkpoint", r.best_checkpoint}, {"stop", r.stop}});
  }
  // Replacing bytes that are not UTF-8 (a swept value, a path): JSON text is UTF-8.
  return arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string as_csv(const TableCells& t) {
  std::ostringstream os;
  auto line = [&](const std::vector<std::string>& c) {
    for (size_t i = 0; i < c.size(); ++i) os << (i ? "," : "") << csv_field(c[i]);
    os << "\n";
  };
  line(t.header);
  for (auto& c : t.rows) line(c);
  return os.str();
}

// Where each trial ran, for the CSV that goes into a spreadsheet beside the
// cluster's accounting (sacct -j JOB): the terminal table stays narrow.
TableCells with_job_columns(TableCells t, const std::vector<TrialRow>& rows) {
  for (const char* h : {"slurm_job_id", "slurm_array_job_id", "slurm_array_task_id", "hosts"}) t.header.push_back(h);
  for (size_t i = 0; i < rows.size(); ++i) {
    const TrialRow& r = rows[i];
    std::string hosts;
    std::set<std::string> seen;
    for (const auto& h : r.hosts)
      if (seen.insert(h).second) hosts += (hosts.empty() ? "" : " ") + h;
    t.rows[i].insert(t.rows[i].end(), {r.slurm_job_id, r.slurm_array_job_id, r.slurm_array_task_id, hosts});
  }
  return t;
}

std::string as_markdown(const TableCells& t) {
  std::ostringstream os;
  auto md = [](std::string v) {  // a '|' in a value would end its cell
    for (size_t p = 0; (p = v.find('|', p)) != std::string::npos; p += 2) v.replace(p, 1, "\\|");
    return v;
  };
  auto line = [&](const std::vector<std::string>& c) {
    os << "|";
    for (auto& v : c) os << " " << md(v) << " |";
    os << "\n";
  };
  line(t.header);
  os << "|";
  for (size_t i = 0; i < t.header.size(); ++i) os << " --- |";
  os << "\n";
  for (auto& c : t.rows) line(c);
  return os.str();
}

// Columns padded to their widest cell, two spaces apart; the last one is not
// padded, so lines carry no trailing blanks.
std::string as_table(const TableCells& t) {
  std::vector<size_t> w(t.header.size());
  for (size_t i = 0; i < t.header.size(); ++i) w[i] = t.header[i].size();
  for (auto& c : t.rows)
    for (size_t i = 0; i < c.size(); ++i) w[i] = std::max(w[i], c[i].size());
  std::ostringstream os;
  auto line = [&](const std::vector<std::string>& c) {
    for (size_t i = 0; i < c.size(); ++i) os << c[i] << (i + 1 < c.size() ? std::string(w[i] - c[i].size() + 2, ' ') : "");
    os << "\n";
  };
  line(t.header);
  for (auto& c : t.rows) line(c);
  return os.str();
}

// A row's state, restarts and curves from its directory r.dir. status.json
// says where the sweep runner left a trial; without it (a plain run, or a trial
// trained by hand) or while it still says pending, the metrics say: done after
// a `done` line, unknown once training has logged anything.
void read_row_state(TrialRow& r) {
  TrialStatus st = read_trial_status(r.dir);
  r.status = st.status;
  r.restarts = st.restarts;
  fill_from_metrics(r);
  if (r.status == TrialState::pending && !r.train_curve.empty())
    r.status = r.done_logged ? TrialState::done : TrialState::unknown;
}

}  // namespace

TrialRow read_run(const std::string& run_dir) {
  require_sweep_or_run_dir(run_dir);
  TrialRow r;
  r.dir = run_dir;
  read_row_state(r);
  return r;
}

std::vector<SampleLine> read_samples(const std::string& run_dir) {
  std::vector<SampleLine> out;
  for_each_json_line(run_dir + "/samples.jsonl", "samples.jsonl", [&](const MetricLine& m) {
    if (!m.get("text")) fail(m.where, ": no \"text\"; expected {\"iter\", \"temperature\", \"text\"}");
    out.push_back({m.count("iter"), m.number("temperature", 0.0), m.text("text")});
  });
  return out;
}

void for_each_metrics_line(const std::string& run_dir,
                           const std::function<void(const std::string& where, const nlohmann::json& line)>& fn) {
  for_each_json_line(run_dir + "/metrics.jsonl", "metrics.jsonl", [&](const MetricLine& m) { fn(m.where, m.j); });
}

std::vector<TrialRow> parse_trials_csv(const std::string& text, const std::string& dir) {
  const std::string path = dir + "/trials.csv";
  std::istringstream in(text);
  std::string line;
  int64_t line_no = 0;
  auto next = [&]() {
    if (!std::getline(in, line)) return false;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  };
  if (!next() || line.empty())
    fail(path, ":1: empty; expected the header 'id,<swept option>,...' that 'charnn sweep plan' writes");
  const std::vector<std::string> header = split_csv_line(line);
  if (header[0] != "id")
    fail(path, ":1: first column ", charnn::quoted(header[0]),
         ", expected 'id' (is this a trials.csv from 'charnn sweep plan'?)");
  for (size_t i = 1; i < header.size(); ++i)
    if (!find_option(header[i]))
      fail(path, ":1: column ", i + 1, " ", charnn::quoted(header[i]), ": expected the name of a swept train option");
  std::vector<TrialRow> rows;
  std::set<int> seen;
  while (next()) {
    if (line.empty()) continue;
    const std::vector<std::string> f = split_csv_line(line);
    // Every row has the header's columns: the tables lay rows out by the header.
    if (f.size() != header.size())
      fail(path, ":", line_no, ": ", f.size(), f.size() == 1 ? " field" : " fields", "; the header has ", header.size());
    const std::optional<int64_t> id = parse_int64(f[0], 0, kMaxTrials - 1);
    if (!id)
      fail(path, ":", line_no, ": id = ", charnn::quoted(f[0]), ": expected a trial number in [0, ", kMaxTrials - 1, "]");
    if (!seen.insert(static_cast<int>(*id)).second) fail(path, ":", line_no, ": id: trial ", *id, " is listed twice");
    TrialRow r;
    r.id = static_cast<int>(*id);
    r.dir = trial_dir(dir, r.id);
    for (size_t i = 1; i < header.size(); ++i) r.params.emplace_back(header[i], f[i]);
    rows.push_back(std::move(r));
  }
  if (rows.empty()) fail(path, ": no trials listed (only a header)");
  return rows;
}

std::vector<TrialRow> read_sweep(const std::string& dir) {
  if (!is_sweep_dir(dir)) fail(dir, ": not a sweep directory (no trials.csv); plan one with 'charnn sweep plan'");
  require_readable_file(dir + "/trials.csv", "trials.csv");
  std::vector<TrialRow> rows = parse_trials_csv(read_file(dir + "/trials.csv"), dir);
  for (TrialRow& r : rows) read_row_state(r);
  sort_by_metric(rows);
  return rows;
}

bool is_run_dir(const std::string& dir) {
  for (const char* f : {"config.yaml", "metrics.jsonl", "status.json", "latest"})
    if (path_exists(dir + "/" + f)) return true;
  double loss;
  return fs::is_directory(dir) && !best_in_dir(dir, &loss).empty();
}

void require_sweep_or_run_dir(const std::string& dir) {
  if (!fs::is_directory(dir)) fail(dir, ": not a directory (expected a sweep or run directory)");
  if (!is_sweep_dir(dir) && !is_run_dir(dir))
    fail(dir, ": neither a sweep directory (no trials.csv) nor a run directory (no config.yaml, metrics.jsonl, "
         "status.json or checkpoints)");
}

std::vector<std::string> files_read_by_table(const std::string& dir) {
  std::vector<std::string> files = {dir, dir + "/trials.csv", dir + "/sweep.yaml"};
  std::vector<std::string> runs = {dir};
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir + "/trials", ec)) runs.push_back(e.path().string());
  for (const auto& r : runs)
    for (const char* f : {"config.yaml", "status.json", "metrics.jsonl", "samples.jsonl"}) files.push_back(r + "/" + f);
  return files;
}

void sort_by_metric(std::vector<TrialRow>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const TrialRow& a, const TrialRow& b) {
    if ((a.best_val_loss < 0) != (b.best_val_loss < 0)) return b.best_val_loss < 0;
    return a.best_val_loss < b.best_val_loss;
  });
}

std::string format_rows(const std::vector<TrialRow>& rows, const std::string& format) {
  if (format == "json") return as_json(rows);
  if (format == "csv") return as_csv(with_job_columns(table_cells(rows), rows));
  if (format == "markdown") return as_markdown(table_cells(rows));
  if (format == "table") return as_table(table_cells(rows));
  fail("--format ", charnn::quoted(format), ": expected table, csv, markdown or json");
}

std::string best_checkpoint(const std::string& dir) {
  require_sweep_or_run_dir(dir);
  if (is_sweep_dir(dir)) {
    for (const auto& r : read_sweep(dir))  // sorted by val loss
      if (r.status == TrialState::done && !r.best_checkpoint.empty()) return r.best_checkpoint;
    fail(dir, ": no finished trial with a checkpoint yet (see 'charnn sweep table ", dir, "')");
  }
  double loss;
  std::string best = best_in_dir(dir, &loss);
  if (best.empty()) fail(dir, ": no checkpoints (lm_*.h5) found; has training finished an evaluation yet?");
  return best;
}

void plot_curves(const std::string& dir, const std::string& png) {
  std::vector<TrialRow> rows;
  const bool sweep = is_sweep_dir(dir);
  if (sweep) rows = read_sweep(dir);
  else rows = {read_run(dir)};
  const std::string tmp = temp_path_for(png);
  const std::string data = tmp + ".dat", script_path = tmp + ".gp";
  const ScratchFiles scratch({data, script_path, tmp});  // gone on every way out; tmp is renamed to png on success
  std::ofstream out(data);
  std::string plots;
  int block = 0;
  auto add = [&](const std::vector<std::pair<int64_t, double>>& curve, const std::string& title, const char* style) {
    if (curve.empty()) return;
    for (auto& [it, loss] : curve) out << it << " " << loss << "\n";
    out << "\n\n";
    std::string t = title;
    std::replace(t.begin(), t.end(), '"', '\'');
    plots += cat(plots.empty() ? "" : ", ", "'", data, "' index ", block++, " using 1:2 with ", style, " title \"", t, "\"");
  };
  for (const auto& r : rows) {
    if (!sweep) add(r.train_curve, "train loss", "lines lw 1");
    std::string label = sweep ? cat("trial ", r.id) : "val loss";
    for (auto& p : r.params) label += cat(" ", p.first, "=", p.second);
    add(r.val_curve, label, "linespoints lw 2 pt 7 ps 0.6");
  }
  out.close();
  if (plots.empty()) fail(dir, ": no loss curves yet (metrics.jsonl has no train or val lines)");
  const std::string script = cat("set terminal pngcairo noenhanced size 1200,750 font 'Sans,11'\n", "set output '", tmp, "'\n",
                                 "set title '", sweep ? "validation loss per trial" : "training and validation loss",
                                 "'\nset xlabel 'iteration'\nset ylabel 'loss (nats/char)'\nset grid\n",
                                 "set key outside right top\nplot ", plots, "\n");
  write_file_atomic(script_path, script);
  SpawnOptions so;
  so.missing_hint = "install Debian's gnuplot-nox";
  const int code = run_process({"gnuplot", script_path}, so).exit_code;
  if (code != 0 || !path_exists(tmp)) fail("plot: gnuplot failed to write ", png);
  commit_file(tmp, png);
}

}  // namespace charnn
