#include "sweep/expand.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>

#include "util/status.h"

namespace charnn {

std::string format_drawn_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

namespace {

using Combo = std::vector<std::pair<std::string, std::string>>;  // swept key -> value, in spec order

std::vector<Combo> grid_combos(const SweepSpec& s) {
  std::vector<Combo> combos = {{}};
  for (const auto& p : s.parameters) {
    std::vector<Combo> next;
    for (const auto& c : combos)
      for (const auto& v : p.values) {
        auto e = c;
        e.emplace_back(p.key, v);
        next.push_back(std::move(e));
      }
    combos = std::move(next);
  }
  return combos;
}

std::string draw(const SweepParameter& p, std::mt19937_64& rng) {
  switch (p.kind) {
    case ParamKind::list:
    case ParamKind::choice:
    case ParamKind::fixed:
      return p.values[std::uniform_int_distribution<size_t>(0, p.values.size() - 1)(rng)];
    case ParamKind::uniform:
      return format_drawn_number(std::uniform_real_distribution<double>(p.lo, p.hi)(rng));
    case ParamKind::log_uniform:
      return format_drawn_number(std::exp(std::uniform_real_distribution<double>(std::log(p.lo), std::log(p.hi))(rng)));
    case ParamKind::int_uniform:
      break;
  }
  return std::to_string(std::uniform_int_distribution<int64_t>(static_cast<int64_t>(std::ceil(p.lo)),
                                                                static_cast<int64_t>(std::floor(p.hi)))(rng));
}

// One generator for the whole sweep, drawn trial by trial and parameter by
// parameter in spec order: the same spec and seed give the same trials.
std::vector<Combo> random_combos(const SweepSpec& s) {
  std::vector<Combo> combos;
  std::mt19937_64 rng(s.seed);
  for (int64_t t = 0; t < s.trials; ++t) {
    Combo c;
    for (const auto& p : s.parameters) c.emplace_back(p.key, draw(p, rng));
    combos.push_back(std::move(c));
  }
  return combos;
}

}  // namespace

std::vector<Trial> expand_trials(const SweepSpec& s) {
  const std::vector<Combo> combos = s.method == SweepMethod::grid ? grid_combos(s) : random_combos(s);
  std::vector<Trial> trials;
  for (size_t i = 0; i < combos.size(); ++i) {
    Trial t;
    t.id = static_cast<int>(i);
    t.values = combos[i];  // as given: trials.csv shows what the spec said
    t.config = s.base;
    for (const auto& [k, v] : t.values)
      set_option(t.config, k, input_path_field(k) ? against_spec(s, v) : v, cat(s.path, " (trial ", i, ")"));
    if (t.config.data.empty()) fail(s.path, ": no 'data' in base (the corpus every trial trains on)");
    trials.push_back(std::move(t));
  }
  return trials;
}

}  // namespace charnn
