// src/viz/report.h: the `charnn report` page of a run or sweep directory, one
// self-contained HTML file (html.h): loss, learning-rate and chars/s charts
// (static SVG from svg.h), the sortable table of a sweep's trials with every
// trial's validation curve, the progress samples per temperature, and the
// resolved config. What a directory holds is read by sweep/results.h, the
// readers `charnn sweep table` uses; this file only lays it out.
// The page's small script sorts the table, switches sample tabs and the log
// iteration axis, and opens a trial's section; the page reads its location.hash
// so that a link can open a view: #sort=val_loss (or #sort=-wall: descending),
// #logx=1, #temp=0.5, #trial-0003, joined by '&'.
#pragma once
#include <string>
#include <vector>

#include "sweep/results.h"

namespace charnn::report {

// The page's generator tag (html::Page::generator): `charnn report` replaces a
// file at its output path only when html::written_by(path, kGenerator).
extern const char* const kGenerator;

// One run directory: a sweep's trial, or the run itself.
struct RunView {
  TrialRow row;
  std::vector<SampleLine> samples;
  std::string config;         // config.yaml's text
  bool has_config = false;    // config.yaml exists
};

struct ReportData {
  std::string dir;
  bool sweep = false;
  std::vector<RunView> runs;  // a sweep's trials in table order (best first); a run: one
  std::string spec;           // a sweep's sweep.yaml text ("" when absent)
  std::string generated_at;   // local time, shown on the page
};

// Reads `dir`: a sweep or run directory (anything else, and any malformed line
// of what it reads, throws the readers' one-line Error naming file:line).
// Works on a directory still being written: partial last lines are skipped,
// missing files are empty.
ReportData load(const std::string& dir);
// The whole page.
std::string render(const ReportData& data);

// Whether the run or sweep is still going (or stopped before its end), and the
// banner's sentence saying so.
struct Progress {
  bool in_progress = false;
  std::string text;
};
Progress progress_of(const ReportData& data);

}  // namespace charnn::report
