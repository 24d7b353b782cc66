#include "viz/discovery.h"

#include <algorithm>
#include <cmath>

#include "util/status.h"

namespace charnn {

namespace {

// x - mean(x) scaled to unit norm, in double; all zeros when x is constant.
std::vector<double> unit_centred(const float* x, size_t n) {
  double mean = 0;
  for (size_t i = 0; i < n; ++i) mean += x[i];
  mean /= static_cast<double>(std::max<size_t>(n, 1));
  std::vector<double> z(n);
  double ss = 0;
  for (size_t i = 0; i < n; ++i) {
    z[i] = x[i] - mean;
    ss += z[i] * z[i];
  }
  // Below this the "variation" is rounding in the mean: treat as constant.
  if (!(ss > 1e-20 * std::max(1.0, mean * mean) * static_cast<double>(n))) return std::vector<double>(n, 0.0);
  const double inv = 1.0 / std::sqrt(ss);
  for (double& v : z) v *= inv;
  return z;
}

bool all_zero(const std::vector<double>& z) {
  return std::all_of(z.begin(), z.end(), [](double v) { return v == 0; });
}

}  // namespace

double pearson(const float* x, const float* y, size_t n) {
  const std::vector<double> a = unit_centred(x, n), b = unit_centred(y, n);
  double r = 0;
  for (size_t i = 0; i < n; ++i) r += a[i] * b[i];
  return std::clamp(r, -1.0, 1.0);
}

Discovery::Discovery(const std::vector<TextProperty>& properties) {
  n_ = properties.empty() ? 0 : properties[0].values.size();
  for (const TextProperty& p : properties) {
    if (p.values.size() != n_) fail("text property ", p.name, ": ", p.values.size(), " values, expected ", n_);
    Prop q;
    q.name = p.name;
    q.description = p.description;
    q.z = unit_centred(p.values.data(), n_);
    q.constant = all_zero(q.z);
    props_.push_back(std::move(q));
  }
}

void Discovery::add(size_t series, const float* x, size_t n) {
  if (n != n_) fail("series ", series, ": ", n, " values, expected ", n_, " (one per character)");
  const std::vector<double> z = unit_centred(x, n);
  for (Prop& p : props_) {
    double r = 0;
    if (!p.constant)
      for (size_t i = 0; i < n; ++i) r += z[i] * p.z[i];
    p.r.push_back(std::clamp(r, -1.0, 1.0));
    p.series.push_back(series);
  }
}

std::vector<PropertyRanking> Discovery::ranking(size_t top) const {
  std::vector<PropertyRanking> out;
  for (const Prop& p : props_) {
    PropertyRanking pr{p.name, p.description, p.constant, {}};
    if (!p.constant) {
      std::vector<size_t> order(p.r.size());
      for (size_t k = 0; k < order.size(); ++k) order[k] = k;
      const size_t keep = std::min(top, order.size());
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                        [&](size_t a, size_t b) {
                          const double ra = std::fabs(p.r[a]), rb = std::fabs(p.r[b]);
                          return ra > rb || (ra == rb && p.series[a] < p.series[b]);
                        });
      for (size_t k = 0; k < keep; ++k) pr.top.push_back({p.series[order[k]], p.r[order[k]]});
    }
    out.push_back(std::move(pr));
  }
  return out;
}

}  // namespace charnn
