#include "sweep/asha.h"

#include <cmath>

namespace charnn {

double rung_position(const AshaParams& p, int64_t k) {
  const double base = p.min_iters > 0 ? static_cast<double>(p.min_iters) : p.min_seconds;
  const double at = base * std::pow(static_cast<double>(p.eta), static_cast<double>(k));
  return std::isfinite(at) && at < 1e18 ? at : 1e18;
}

int64_t rung_reached(const AshaParams& p, double position) {
  if (!p.enabled() || p.eta < 2) return -1;
  int64_t k = -1;
  while (rung_position(p, k + 1) <= position && rung_position(p, k + 1) < 1e18) ++k;
  return k;
}

bool asha_continues(const std::vector<double>& recorded, double loss, int64_t eta) {
  const int64_t n = static_cast<int64_t>(recorded.size());
  const int64_t keep = (n + eta - 1) / eta;  // ceil(n / eta): the top 1/eta, at least one
  int64_t better = 0;
  for (double l : recorded) better += l < loss;
  return better < keep;
}

RungRecord decide_at_rung(const std::vector<RungRecord>& records, const std::string& trial, int64_t rung,
                          int64_t iter, double loss, int64_t eta) {
  std::vector<double> at_rung = {loss};
  for (const RungRecord& r : records) {
    if (r.rung != rung) continue;
    if (r.trial == trial) return r;
    at_rung.push_back(r.loss);
  }
  return {trial, rung, iter, loss, asha_continues(at_rung, loss, eta)};
}

}  // namespace charnn
