#include "viz/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>

#include "sweep/layout.h"
#include "util/fsutil.h"
#include "util/progress.h"
#include "util/status.h"
#include "viz/html.h"
#include "viz/report_css.h"  // generated from src/viz/report.css (cmake/EmbedText.cmake)
#include "viz/report_js.h"   // generated from src/viz/report.js
#include "viz/svg.h"

namespace fs = std::filesystem;

namespace charnn::report {

const char* const kGenerator = "charnn report";

namespace {

using Curve = std::vector<std::pair<int64_t, double>>;
using html::escape;

std::vector<svg::Point> points_of(const Curve& c) {
  std::vector<svg::Point> out;
  out.reserve(c.size());
  for (const auto& [it, v] : c) out.push_back({static_cast<double>(it), v});
  return out;
}

svg::Series series(std::string label, const Curve& curve, std::string css_class, std::string color, double width) {
  svg::Series s;
  s.label = std::move(label), s.points = points_of(curve), s.css_class = std::move(css_class);
  s.color = std::move(color), s.width = width;
  return s;
}

std::string fixed(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string short_num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// 1234567 -> "1,234,567"
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string now_text() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &tm);
  return buf;
}

// "trial-0003": the id of a trial's section, after its directory's name.
std::string section_id(const TrialRow& r) { return "trial-" + fs::path(r.dir).filename().string(); }

std::string params_text(const TrialRow& r) {
  std::string out;
  for (const auto& [k, v] : r.params) out += (out.empty() ? "" : ", ") + k + "=" + v;
  return out;
}

bool nothing_logged(const TrialRow& r) {
  return r.train_curve.empty() && r.val_curve.empty() && r.parameters == 0 && r.last_iter == 0;
}

// Where one run stands, from its status.json (a trial) or else from
// metrics.jsonl: a run without a `done` line is still going, or was stopped.
enum class Stage { finished, failed, running, preempted, in_progress, not_started };

Stage stage_of(const TrialRow& r) {
  switch (r.status) {
    case TrialState::done: return Stage::finished;
    case TrialState::failed: return Stage::failed;
    case TrialState::running: return Stage::running;
    case TrialState::preempted: return Stage::preempted;
    case TrialState::pending:
    case TrialState::unknown: break;
  }
  if (r.done_logged) return Stage::finished;
  return nothing_logged(r) ? Stage::not_started : Stage::in_progress;
}

bool going(Stage s) { return s != Stage::finished && s != Stage::failed; }

const char* stage_text(Stage s) {
  switch (s) {
    case Stage::finished: return "finished";
    case Stage::failed: return "failed";
    case Stage::running: return "running";
    case Stage::preempted: return "preempted (requeued: resumes from its last checkpoint)";
    case Stage::in_progress: return "in progress (or stopped before its end: metrics.jsonl has no \"done\" line yet)";
    case Stage::not_started: return "not started";
  }
  return "";
}

// The run with the lowest validation loss (the table's first row), or -1.
int best_index(const ReportData& d) {
  int best = -1;
  for (size_t i = 0; i < d.runs.size(); ++i) {
    const double v = d.runs[i].row.best_val_loss;
    if (v >= 0 && (best < 0 || v < d.runs[best].row.best_val_loss)) best = static_cast<int>(i);
  }
  return best;
}

std::string best_text(const TrialRow& r) {
  if (r.best_val_loss < 0) return "no evaluation yet";
  return cat(fixed(r.best_val_loss, 4), " nats/char (", fixed(r.best_val_loss / std::log(2.0), 4),
             " bpc) at iteration ", r.best_iter, ", epoch ", fixed(r.best_epoch, 2));
}

// "4242_7 (job 4250)" for an array task, "4242" for a plain job, "-" outside Slurm.
std::string slurm_text(const TrialRow& r) {
  if (!r.slurm_array_job_id.empty())
    return cat(r.slurm_array_job_id, "_", r.slurm_array_task_id,
               r.slurm_job_id.empty() ? "" : " (job " + r.slurm_job_id + ")");
  return r.slurm_job_id.empty() ? "-" : r.slurm_job_id;
}

// The ranks' hosts in rank order, each once: "node1 (2 ranks), node2 (2 ranks)".
std::string hosts_text(const TrialRow& r) {
  std::vector<std::pair<std::string, int>> hosts;
  for (const auto& h : r.hosts) {
    auto it = std::find_if(hosts.begin(), hosts.end(), [&](const auto& p) { return p.first == h; });
    if (it == hosts.end()) hosts.emplace_back(h, 1);
    else ++it->second;
  }
  std::string out;
  for (const auto& [h, n] : hosts) out += cat(out.empty() ? "" : ", ", h, n > 1 ? cat(" (", n, " ranks)") : "");
  return out.empty() ? "-" : out;
}

std::string summary_table(const RunView& v) {
  const TrialRow& r = v.row;
  std::vector<std::pair<std::string, std::string>> kv = {
      {"status", stage_of(r) == Stage::finished && !r.stop.empty() ? "finished early: " + r.stop
                                                                      : std::string(stage_text(stage_of(r)))},
      {"iterations", cat(r.last_iter)},
      {"best val loss", best_text(r)},
      {"time trained", format_duration(r.wall_seconds)},
      {"throughput", r.cps_curve.empty() ? "-" : grouped(std::llround(r.chars_per_sec)) + " chars/s (median)"},
      {"parameters", r.parameters ? grouped(r.parameters) : "-"},
      {"restarts", cat(r.restarts)},
      {"Slurm job", slurm_text(r)},
      {"hosts", hosts_text(r)},
      {"best checkpoint", r.best_checkpoint.empty() ? "-" : r.best_checkpoint},
      {"directory", r.dir}};
  std::string out = "<table class=\"kv\">";
  for (const auto& [k, val] : kv) out += "<tr><th>" + escape(k) + "</th><td>" + escape(val) + "</td></tr>";
  return out + "</table>";
}

// The loss chart (train and validation, the best evaluation marked), then the
// learning rate and throughput, side by side. Ids start with `idp`.
std::string run_charts(const RunView& v, const std::string& idp) {
  const TrialRow& r = v.row;
  svg::Chart loss;
  loss.id = idp + "loss", loss.title = "Training and validation loss", loss.y_label = "loss (nats/char)";
  loss.width = 900, loss.height = 360;
  loss.series.push_back(series("train loss", r.train_curve, "train", svg::palette(0), 1.2));
  svg::Series val = series("val loss", r.val_curve, "val", svg::palette(3), 2.0);
  val.markers = true;
  loss.series.push_back(val);
  if (r.best_val_loss >= 0) {
    svg::Series best = series(cat("best val ", fixed(r.best_val_loss, 4), " at ", r.best_iter),
                              {{r.best_iter, r.best_val_loss}}, "bestpt", "#111", 2.0);
    best.markers = true;
    loss.series.push_back(best);
  }
  svg::Chart lr;
  lr.id = idp + "lr", lr.title = "Learning rate", lr.y_label = "learning rate", lr.width = 440, lr.height = 240;
  lr.series.push_back(series("learning rate", r.lr_curve, "lr", svg::palette(2), 1.5));
  svg::Chart cps;
  cps.id = idp + "cps", cps.title = "Throughput", cps.y_label = "chars/s", cps.width = 440, cps.height = 240;
  cps.series.push_back(series("chars/s", r.cps_curve, "cps", svg::palette(4), 1.5));
  return svg::render(loss) + "<div class=\"row\">" + svg::render(lr) + svg::render(cps) + "</div>";
}

// The last train loss logged at or before `iter`, as " · train loss 1.83"; "" when none.
std::string loss_at(const TrialRow& r, int64_t iter) {
  const auto it = std::upper_bound(r.train_curve.begin(), r.train_curve.end(), iter,
                                   [](int64_t i, const std::pair<int64_t, double>& p) { return i < p.first; });
  if (it == r.train_curve.begin() || !std::is_sorted(r.train_curve.begin(), r.train_curve.end())) return "";
  return " \xC2\xB7 train loss " + fixed(std::prev(it)->second, 3);
}

// The samples of a run grouped by temperature: a tab per temperature (when
// there are several), each with the sample points in the order they were taken.
std::string samples_html(const RunView& v) {
  if (v.samples.empty())
    return "<p class=\"note\">No samples yet: samples.jsonl gets one per temperature every sample_every "
           "iterations when sample_every &gt; 0.</p>";
  std::map<double, std::vector<const SampleLine*>> by_temp;
  for (const SampleLine& s : v.samples) by_temp[s.temperature].push_back(&s);
  double shown = by_temp.begin()->first;  // the temperature nearest 1 shows first
  for (const auto& [t, list] : by_temp)
    if (std::fabs(t - 1.0) < std::fabs(shown - 1.0)) shown = t;
  std::string tabs, panels;
  for (const auto& [t, list] : by_temp) {
    const std::string key = escape(short_num(t)), active = t == shown ? " active" : "";
    tabs += "<button type=\"button\" class=\"tab" + active + "\" data-temp=\"" + key + "\">temperature " + key +
            "</button>";
    panels += "<div class=\"tabpanel" + active + "\" data-temp=\"" + key + "\"><h4 class=\"panel-title\">temperature " +
              key + "</h4>";
    for (const SampleLine* s : list)
      panels += cat("<div class=\"sample\" data-iter=\"", s->iter, "\"><div class=\"it\">iteration ", s->iter,
                    loss_at(v.row, s->iter), "</div><pre>", escape(s->text), "</pre></div>");
    panels += "</div>";
  }
  return "<div class=\"samples\">" + (by_temp.size() > 1 ? "<div class=\"tabbar\">" + tabs + "</div>" : "") +
         panels + "</div>";
}

std::string config_html(const RunView& v) {
  if (!v.has_config) return "<p class=\"note\">No config.yaml yet.</p>";
  return "<details class=\"config\"><summary>Resolved config (config.yaml)</summary><pre class=\"config\">" +
         escape(v.config) + "</pre></details>";
}

std::string run_body(const RunView& v, const std::string& idp, const char* h) {
  const std::string open = cat("<", h, ">"), close = cat("</", h, ">");
  return summary_table(v) + open + "Curves" + close + run_charts(v, idp) + open + "Samples while training" + close +
         samples_html(v) + open + "Config" + close + config_html(v);
}

bool is_number(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// The table of `charnn sweep table`, cell for cell (sweep/results.h,
// table_cells), as HTML: a header per column (data-key: its name, for
// #sort=KEY), a row per trial linking to its section, the best one marked.
std::string trials_table(const ReportData& d, int best) {
  std::vector<TrialRow> rows;
  for (const RunView& v : d.runs) rows.push_back(v.row);
  const TableCells t = table_cells(rows);
  std::vector<bool> numeric(t.header.size(), true);
  for (const auto& c : t.rows)
    for (size_t i = 0; i < c.size(); ++i) numeric[i] = numeric[i] && (c[i] == "-" || is_number(c[i]));
  std::string out = "<div class=\"tablewrap\"><table id=\"trials\"><thead><tr>";
  for (size_t i = 0; i < t.header.size(); ++i)
    out += "<th data-key=\"" + escape(t.header[i]) + "\"" + (numeric[i] ? " class=\"num\"" : "") +
           (t.header[i] == "val_loss" ? " aria-sort=\"ascending\"" : "") + ">" + escape(t.header[i]) + "</th>";
  out += "</tr></thead><tbody>";
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const TrialRow& row = d.runs[r].row;
    const std::string id = escape(section_id(row));
    out += cat("<tr data-trial=\"", row.id, "\" data-target=\"", id, "\"", static_cast<int>(r) == best ? " class=\"best\"" : "",
               ">");
    for (size_t i = 0; i < t.rows[r].size(); ++i) {
      const std::string& cell = t.rows[r][i];
      const bool ckpt = t.header[i] == "checkpoint";
      std::string attrs = ckpt ? " class=\"ckpt\" title=\"" + escape(cell) + "\"" : numeric[i] ? " class=\"num\"" : "";
      if (t.header[i] == "wall") attrs += " data-v=\"" + fixed(row.wall_seconds, 3) + "\"";
      out += "<td" + attrs + ">" + (i == 0 ? "<a href=\"#" + id + "\">" + escape(cell) + "</a>" : escape(cell)) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table></div>";
}

// Every trial's validation curve on one chart; the best trial's drawn last,
// thick, and in the legend; each curve links to its trial's section.
std::string sweep_chart(const ReportData& d, int best) {
  svg::Chart c;
  c.id = "sweep-val", c.title = "Validation loss of every trial (the best highlighted)";
  c.y_label = "val loss (nats/char)", c.width = 900, c.height = 380;
  size_t total = 0;
  for (const RunView& v : d.runs) total += v.row.val_curve.size();
  std::vector<svg::Series> rest;
  for (size_t i = 0; i < d.runs.size(); ++i) {
    const TrialRow& r = d.runs[i].row;
    if (r.val_curve.empty()) continue;
    const bool is_best = static_cast<int>(i) == best;
    svg::Series s = series(cat("trial ", r.id, " (", params_text(r), "): best val ", fixed(r.best_val_loss, 4),
                               " at iteration ", r.best_iter),
                           r.val_curve, is_best ? "trial best" : "trial", is_best ? "#111" : svg::palette(r.id),
                           is_best ? 3.2 : 1.3);
    s.markers = is_best || total <= 2000;
    s.in_legend = is_best;
    if (is_best) s.label = cat("best: trial ", r.id, ", val ", fixed(r.best_val_loss, 4));
    s.href = "#" + section_id(r);
    s.attrs = cat("data-trial=\"", r.id, "\"");
    rest.push_back(std::move(s));
  }
  // The best curve last, so it is drawn over the others.
  std::stable_partition(rest.begin(), rest.end(), [](const svg::Series& s) { return s.css_class != "trial best"; });
  c.series = std::move(rest);
  return svg::render(c);
}

std::string trial_section(const RunView& v, bool best) {
  const TrialRow& r = v.row;
  const std::string id = section_id(r);
  std::string head = cat("trial ", r.id, " \xC2\xB7 ", stage_text(stage_of(r)), " \xC2\xB7 val_loss ",
                         r.best_val_loss >= 0 ? fixed(r.best_val_loss, 4) : "-");
  if (!r.params.empty()) head += " \xC2\xB7 " + params_text(r);
  return cat("<details class=\"trial", best ? " best" : "", "\" id=\"", escape(id), "\" data-trial=\"", r.id,
             "\"><summary>", best ? "<span class=\"badge\">best</span> " : "", escape(head), "</summary>",
             run_body(v, id.substr(std::string("trial-").size()) + "-", "h3"), "</details>");
}

std::string header_html(const ReportData& d) {
  const Progress p = progress_of(d);
  return "<h1>" + std::string(d.sweep ? "Sweep" : "Run") + " report: <span class=\"mono\">" + escape(d.dir) +
         "</span></h1><p class=\"meta\">Written by charnn " CHARNN_VERSION " at " + escape(d.generated_at) +
         " from the files of this directory.</p><div id=\"progress\" class=\"banner " +
         (p.in_progress ? "inprogress" : "finished") + "\">" + escape(p.text) +
         "</div><label class=\"controls\"><input type=\"checkbox\" id=\"logx\"> log-scaled iteration axis</label>";
}

std::string sweep_body(const ReportData& d) {
  const int best = best_index(d);
  std::string out = header_html(d);
  out += "<h2>Trials</h2><p class=\"note\">The columns of <code>charnn sweep table</code>. Click a header to sort "
         "(again to reverse), a row to open its trial.</p>" +
         trials_table(d, best);
  out += "<h2>Validation curves</h2>" + sweep_chart(d, best);
  if (!d.spec.empty())
    out += "<details class=\"config\"><summary>Sweep spec (sweep.yaml)</summary><pre class=\"config\">" +
           escape(d.spec) + "</pre></details>";
  out += "<h2>Trials in detail</h2>";
  for (size_t i = 0; i < d.runs.size(); ++i) out += trial_section(d.runs[i], static_cast<int>(i) == best);
  return out;
}

}  // namespace

ReportData load(const std::string& dir) {
  require_sweep_or_run_dir(dir);
  ReportData d;
  d.dir = dir;
  d.sweep = is_sweep_dir(dir);
  std::vector<TrialRow> rows = d.sweep ? read_sweep(dir) : std::vector<TrialRow>{read_run(dir)};
  for (TrialRow& r : rows) {
    RunView v;
    v.samples = read_samples(r.dir);
    v.has_config = path_exists(r.dir + "/config.yaml");
    if (v.has_config) v.config = read_file(r.dir + "/config.yaml");
    v.row = std::move(r);
    d.runs.push_back(std::move(v));
  }
  if (d.sweep && path_exists(dir + "/sweep.yaml")) d.spec = read_file(dir + "/sweep.yaml");
  d.generated_at = now_text();
  return d;
}

std::string render(const ReportData& d) {
  html::Page page;
  page.title = cat("charnn report: ", d.dir);
  page.css = std::string(svg::css()) + kReportCss;
  if (d.sweep) {
    page.body = sweep_body(d);
  } else {
    page.body = header_html(d) + "<h2>Summary</h2>" + run_body(d.runs.at(0), "", "h2");
  }
  // Sorting, tabs, the log axis and opening a trial; the hash names a view
  // (report.h). Sorting from the hash clicks the header, so it runs the same
  // code as a user's click.
  page.script = kReportJs;
  page.generator = kGenerator;
  return html::render(page);
}

Progress progress_of(const ReportData& d) {
  const std::string refresh = cat(" Run 'charnn report ", d.dir, "' again to refresh this page.");
  if (!d.sweep) {
    const TrialRow& r = d.runs.at(0).row;
    const Stage s = stage_of(r);
    const std::string at = cat(": iteration ", r.last_iter, ", ", format_duration(r.wall_seconds), " trained.");
    if (s == Stage::finished || s == Stage::failed) return {false, cat(s == Stage::failed ? "Failed" : "Finished", at)};
    if (s == Stage::not_started) return {true, "Not started yet." + refresh};
    const char* note = s == Stage::in_progress ? " No \"done\" line in metrics.jsonl yet: still training, or stopped "
                                                 "before its end."
                       : s == Stage::preempted ? " Preempted: it resumes from its last checkpoint when requeued."
                                               : "";
    return {true, cat("In progress", at, note, refresh)};
  }
  std::map<Stage, int> count;
  bool any_going = false;
  for (const RunView& v : d.runs) {
    const Stage s = stage_of(v.row);
    any_going = any_going || going(s);
    ++count[s];
  }
  std::string parts;
  for (const auto& [s, name] : {std::pair{Stage::running, "running"}, {Stage::in_progress, "in progress"},
                                {Stage::preempted, "preempted"}, {Stage::not_started, "not started"},
                                {Stage::failed, "failed"}})
    if (count[s]) parts += cat(", ", count[s], " ", name);
  const std::string head = cat(count[Stage::finished], " of ", d.runs.size(), " trials finished", parts, ".");
  return any_going ? Progress{true, "In progress: " + head + refresh} : Progress{false, "Finished: " + head};
}

}  // namespace charnn::report
