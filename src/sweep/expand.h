// The trials a sweep spec expands to: one complete train config each, in a
// fixed order (grid: the cartesian product of the lists, the last parameter
// varying fastest; random: `trials` draws from one generator seeded with `seed`).
// The same spec always gives the same trials, byte for byte.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "sweep/spec.h"

namespace charnn {

struct Trial {
  int id = 0;
  std::vector<std::pair<std::string, std::string>> values;  // swept key -> value, in spec order
  TrainConfig config;
};

// `spec` as parse_sweep_spec returns it: its size is within kMaxTrials (the
// loader counted it before anything was built; nothing here counts again).
// A trial without `data` (in base or swept) is an error naming the spec.
std::vector<Trial> expand_trials(const SweepSpec& spec);

// How a drawn real number is written into a trial ("%.6g"). The loader checks
// a range's ends in this form: what is checked is what a draw can give.
std::string format_drawn_number(double v);

}  // namespace charnn
