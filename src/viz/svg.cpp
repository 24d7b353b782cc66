#include "viz/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "viz/html.h"

namespace charnn::svg {

Scale Scale::linear(double d0, double d1, double r0, double r1) {
  Scale s;
  if (!(d1 > d0)) d0 -= 1, d1 = d0 + 2;
  s.d0_ = d0, s.d1_ = d1, s.r0_ = r0, s.r1_ = r1;
  return s;
}

Scale Scale::log10(double d0, double d1, double r0, double r1) {
  Scale s;
  if (!(d0 > 0)) d0 = 1;
  if (!(d1 > d0)) d1 = d0 * std::sqrt(10.0), d0 /= std::sqrt(10.0);
  s.d0_ = d0, s.d1_ = d1, s.r0_ = r0, s.r1_ = r1, s.log_ = true;
  return s;
}

double Scale::operator()(double v) const {
  const double t = log_ ? (std::log10(v) - std::log10(d0_)) / (std::log10(d1_) - std::log10(d0_))
                        : (v - d0_) / (d1_ - d0_);
  return r0_ + t * (r1_ - r0_);
}

bool Scale::places(double v) const { return std::isfinite(v) && (!log_ || v > 0); }

std::vector<double> linear_ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo || target < 1) return out;
  if (hi == lo) return {lo};
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) {
    const double v = k * step;
    out.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  }
  return out;
}

std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> out;
  if (!(lo > 0) || !std::isfinite(hi) || hi < lo) return out;
  const int first = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  const int last = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
  for (int e = first; e <= last; ++e) {
    const double v = std::pow(10.0, e);
    if (v >= lo * (1 - 1e-9)) out.push_back(v);
  }
  if (out.size() < 3) {  // less than two decades: 1, 2, 5 per decade
    out.clear();
    for (int e = first; e <= last; ++e)
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, e);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
      }
  } else if (out.size() > 8) {
    std::vector<double> every_other;
    for (size_t i = 0; i < out.size(); i += 2) every_other.push_back(out[i]);
    out = every_other;
  }
  return out;
}

std::string tick_label(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.4gM", v / 1e6);
  else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%.4gk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::vector<Point> decimate(const std::vector<Point>& pts, size_t max_points) {
  if (max_points < 2 || pts.size() <= max_points) return pts;
  const size_t runs = max_points / 2, n = pts.size();
  std::vector<Point> out;
  out.reserve(runs * 2);
  for (size_t b = 0; b < runs; ++b) {
    const size_t from = b * n / runs, to = (b + 1) * n / runs;
    size_t lo = from, hi = from;
    for (size_t i = from; i < to; ++i) {
      if (pts[i].y < pts[lo].y) lo = i;
      if (pts[i].y > pts[hi].y) hi = i;
    }
    out.push_back(pts[std::min(lo, hi)]);
    if (lo != hi) out.push_back(pts[std::max(lo, hi)]);
  }
  return out;
}

std::string path_data(const std::vector<Point>& pts, const Scale& x, const Scale& y) {
  std::string d;
  d.reserve(pts.size() * 14);
  char buf[64];
  for (const Point& p : pts) {
    if (!x.places(p.x) || !y.places(p.y)) continue;
    std::snprintf(buf, sizeof buf, "%c%.1f,%.1f", d.empty() ? 'M' : 'L', x(p.x), y(p.y));
    d += buf;
  }
  return d;
}

size_t path_points(const std::string& d) {
  return static_cast<size_t>(std::count_if(d.begin(), d.end(), [](char c) { return c == 'M' || c == 'L'; }));
}

const char* palette(size_t n) {
  static const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kColors[n % 10];
}

const char* css() {
  return ".chart{display:inline-block;vertical-align:top;margin:6px 18px 14px 0}"
         ".chart figcaption{font-weight:600;margin:0 0 2px}"
         ".chart svg{max-width:100%;height:auto;font:11px system-ui,sans-serif;overflow:visible}"
         ".chart .frame{fill:#fff;stroke:#bbb}.chart .grid{stroke:#ececec}.chart text{fill:#555}"
         ".chart .series{fill:none;stroke-linejoin:round;stroke-linecap:round}"
         ".chart a:hover .series{stroke-width:3.5}"
         ".chart .nodata{width:320px;padding:40px 0;text-align:center;color:#888;border:1px dashed #ccc}"
         ".xs-log{display:none}.logx .xs-log{display:inline}.logx .xs-lin{display:none}";
}

namespace {

struct Layout {
  double left = 58, right, top = 26, bottom;  // the plot area, in pixels
};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// The data's extent over every series: x over all points (positive x only for
// the log view), y over all points.
struct Extent {
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, xpos = xmin;
  double ymin = xmin, ymax = -xmin;
  bool any() const { return xmax >= xmin; }
};

Extent extent_of(const std::vector<Series>& series) {
  Extent e;
  for (const Series& s : series)
    for (const Point& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      e.xmin = std::min(e.xmin, p.x), e.xmax = std::max(e.xmax, p.x);
      e.ymin = std::min(e.ymin, p.y), e.ymax = std::max(e.ymax, p.y);
      if (p.x > 0) e.xpos = std::min(e.xpos, p.x);
    }
  return e;
}

std::string y_axis(const Chart& c, const Layout& L, const Scale& y) {
  std::string out = "<g class=\"yaxis\">";
  for (double v : linear_ticks(y.lo(), y.hi(), 5)) {
    const std::string py = num(y(v));
    out += "<line class=\"grid\" x1=\"" + num(L.left) + "\" x2=\"" + num(L.right) + "\" y1=\"" + py + "\" y2=\"" + py +
           "\"/><text x=\"" + num(L.left - 5) + "\" y=\"" + py + "\" dy=\"3.5\" text-anchor=\"end\">" +
           tick_label(v) + "</text>";
  }
  const std::string mid = num((L.top + L.bottom) / 2);
  out += "<text class=\"ylabel\" transform=\"translate(12," + mid + ") rotate(-90)\" text-anchor=\"middle\">" +
         html::escape(c.y_label) + "</text></g>";
  return out;
}

std::string x_axis(const Chart& c, const Layout& L, const Scale& x) {
  std::string out;
  const std::vector<double> ticks = x.is_log() ? log_ticks(x.lo(), x.hi()) : linear_ticks(x.lo(), x.hi(), 6);
  for (double v : ticks) {
    const std::string px = num(x(v));
    out += "<line class=\"grid\" x1=\"" + px + "\" x2=\"" + px + "\" y1=\"" + num(L.top) + "\" y2=\"" +
           num(L.bottom) + "\"/><text x=\"" + px + "\" y=\"" + num(L.bottom + 14) + "\" text-anchor=\"middle\">" +
           tick_label(v) + "</text>";
  }
  out += "<text class=\"xlabel\" x=\"" + num((L.left + L.right) / 2) + "\" y=\"" + num(L.bottom + 32) +
         "\" text-anchor=\"middle\">" + html::escape(c.x_label) + (x.is_log() ? " (log scale)" : "") + "</text>";
  return out;
}

std::string series_svg(const Chart& c, const Series& s, const Scale& x, const Scale& y) {
  const std::vector<Point> pts = decimate(s.points, c.max_points);
  const std::string d = path_data(pts, x, y);
  std::string out = s.href.empty() ? "" : "<a href=\"" + html::escape(s.href) + "\">";
  out += "<path class=\"series" + (s.css_class.empty() ? "" : " " + html::escape(s.css_class)) + "\" d=\"" +
         (d.empty() ? "M0,0" : d) + "\" stroke=\"" + html::escape(s.color) + "\" stroke-width=\"" + num(s.width) +
         "\" data-points=\"" + std::to_string(path_points(d)) + "\"" + (s.attrs.empty() ? "" : " " + s.attrs) +
         "><title>" + html::escape(s.label) + "</title></path>";
  if (s.markers) {
    out += "<g class=\"markers" + (s.css_class.empty() ? "" : " " + html::escape(s.css_class)) + "\" fill=\"" +
           html::escape(s.color) + "\">";
    for (const Point& p : pts)
      if (x.places(p.x) && y.places(p.y))
        out += "<circle cx=\"" + num(x(p.x)) + "\" cy=\"" + num(y(p.y)) + "\" r=\"2.5\"/>";
    out += "</g>";
  }
  if (!s.href.empty()) out += "</a>";
  return out;
}

// One x view: `cls` is xs-lin or xs-log (the page shows one), or xs-all.
std::string x_view(const Chart& c, const Layout& L, const Scale& x, const Scale& y, const char* cls) {
  std::string out = std::string("<g class=\"") + cls + "\">";
  out += x_axis(c, L, x);
  for (const Series& s : c.series) out += series_svg(c, s, x, y);
  return out + "</g>";
}

std::string legend(const Chart& c, const Layout& L) {
  std::string out = "<g class=\"legend\">";
  double at = L.left;
  for (const Series& s : c.series) {
    if (!s.in_legend || s.label.empty()) continue;
    const double w = 24 + 6.2 * static_cast<double>(s.label.size());
    if (at + w > L.right + 16) break;
    out += "<line x1=\"" + num(at) + "\" x2=\"" + num(at + 18) + "\" y1=\"12\" y2=\"12\" stroke=\"" +
           html::escape(s.color) + "\" stroke-width=\"" + num(std::max(2.0, s.width)) + "\"/><text x=\"" +
           num(at + 22) + "\" y=\"15.5\">" + html::escape(s.label) + "</text>";
    at += w + 12;
  }
  return out + "</g>";
}

}  // namespace

std::string render(const Chart& c) {
  std::string out = "<figure class=\"chart\"" + (c.id.empty() ? "" : " id=\"" + html::escape(c.id) + "\"") +
                    "><figcaption>" + html::escape(c.title) + "</figcaption>";
  const Extent e = extent_of(c.series);
  if (!e.any()) return out + "<div class=\"nodata\">" + html::escape(c.empty_text) + "</div></figure>";
  Layout L;
  L.right = c.width - 16.0, L.bottom = c.height - 40.0;
  double pad = (e.ymax - e.ymin) * 0.05;
  if (pad == 0) pad = e.ymax != 0 ? std::fabs(e.ymax) * 0.1 : 1;
  const Scale y = Scale::linear(e.ymin - pad, e.ymax + pad, L.bottom, L.top);
  const Scale xlin = Scale::linear(c.x_from_zero ? std::min(0.0, e.xmin) : e.xmin, e.xmax, L.left, L.right);
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(c.width) + " " +
         std::to_string(c.height) + "\" width=\"" + std::to_string(c.width) + "\" height=\"" +
         std::to_string(c.height) + "\" role=\"img\" aria-label=\"" + html::escape(c.title) + "\">";
  out += "<rect class=\"frame\" x=\"" + num(L.left) + "\" y=\"" + num(L.top) + "\" width=\"" + num(L.right - L.left) +
         "\" height=\"" + num(L.bottom - L.top) + "\"/>";
  out += y_axis(c, L, y);
  out += x_view(c, L, xlin, y, c.log_x_view ? "xs-lin" : "xs-all");
  if (c.log_x_view && std::isfinite(e.xpos)) {
    out += x_view(c, L, Scale::log10(e.xpos, e.xmax, L.left, L.right), y, "xs-log");
  } else if (c.log_x_view) {
    out += "<g class=\"xs-log\"><text x=\"" + num((L.left + L.right) / 2) + "\" y=\"" + num((L.top + L.bottom) / 2) +
           "\" text-anchor=\"middle\">no point at " + html::escape(c.x_label) + " &gt; 0 to place on a log scale</text></g>";
  }
  out += legend(c, L);
  return out + "</svg></figure>";
}

}  // namespace charnn::svg
