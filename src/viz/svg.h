// src/viz/svg.h: static SVG line charts, drawn here in C++ for the HTML pages
// (`charnn report`): scales (linear, log10), round ticks, path data, and one
// chart as an SVG element. The chart is plain markup, visible without
// JavaScript; a page's script only switches between views. Every chart draws
// its series twice, over a linear and over a log-scaled x axis, in
// <g class="xs-lin"> and <g class="xs-log">; the page shows one (css() hides
// the log view unless <body> has the class `logx`).
// No LibTorch, no I/O.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace charnn::svg {

struct Point {
  double x = 0, y = 0;
};

// A map from data values to pixels: linear, or linear in log10(value).
class Scale {
 public:
  // [d0, d1] -> [r0, r1]; a domain of one value is widened (by 1 either side).
  static Scale linear(double d0, double d1, double r0, double r1);
  // The same in log10; needs 0 < d0 (d1 <= d0 is widened to a decade around d0).
  static Scale log10(double d0, double d1, double r0, double r1);
  double operator()(double v) const;
  // Whether the scale can place `v`: finite, and > 0 on a log scale.
  bool places(double v) const;
  bool is_log() const { return log_; }
  double lo() const { return d0_; }
  double hi() const { return d1_; }

 private:
  double d0_ = 0, d1_ = 1, r0_ = 0, r1_ = 1;
  bool log_ = false;
};

// Round values (1, 2 or 5 times a power of ten apart) inside [lo, hi], about
// `target` of them (never more than 2 * target).
std::vector<double> linear_ticks(double lo, double hi, int target = 5);
// The powers of ten inside [lo, hi] (0 < lo); with 2x and 5x multiples too when
// there would be fewer than three, and every other decade when there would be
// more than eight.
std::vector<double> log_ticks(double lo, double hi);
// Short tick text: 0, 0.002, 1.5, 500, 12k, 1.2M, 3e-05.
std::string tick_label(double v);

// At most `max_points` points that keep the curve's shape: the points split
// into max_points / 2 runs of consecutive points, each kept as its lowest and
// highest point, in x order. Fewer points than that come back as they are.
std::vector<Point> decimate(const std::vector<Point>& pts, size_t max_points);
// SVG path data: "M x,y" then "L x,y" per point, pixels to one decimal. Points
// a scale cannot place (not finite; x or y <= 0 on a log scale) are left out.
std::string path_data(const std::vector<Point>& pts, const Scale& x, const Scale& y);
// How many points a path_data() string holds (its M and L commands).
size_t path_points(const std::string& d);

// The n-th colour of a 10-colour palette (Tableau 10), cycling.
const char* palette(size_t n);

struct Series {
  std::string label;  // legend text and tooltip (plain text; escaped here)
  std::vector<Point> points;
  std::string css_class;  // the path's classes, e.g. "train" or "trial best"
  std::string color = "#1f77b4";
  double width = 1.5;
  bool markers = false;    // a dot on every point (sparse series: validation)
  bool in_legend = true;
  std::string href;        // the curve links here ("#trial-0003"); empty: no link
  std::string attrs;       // more attributes of the path, already escaped: data-trial="3"
};

struct Chart {
  std::string id;       // the <figure>'s id; empty: none
  std::string title;    // the caption (plain text)
  std::string x_label = "iteration", y_label;
  int width = 720, height = 300;
  std::vector<Series> series;
  bool x_from_zero = true;   // the linear x axis starts at 0 (iterations)
  bool log_x_view = true;    // also draw the log-x view
  size_t max_points = 4000;  // per series; more are decimated (above)
  std::string empty_text = "no data yet";
};

// The charts' style rules, for a page's Page::css (html.h): colours of the
// frame and grid, and which x view shows.
const char* css();

// <figure class="chart"> with a <figcaption> and the <svg>: frame, y grid and
// ticks, then per x view its grid, ticks and one <path class="series ..."> per
// series (with data-points="N"), and the legend. A chart without a point shows
// `empty_text` instead of a plot.
std::string render(const Chart& chart);

}  // namespace charnn::svg
