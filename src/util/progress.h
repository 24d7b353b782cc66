// Training progress for people: a live bar on a terminal, or one plain line
// every `print_every` iterations when output goes to a file (Slurm logs).
// Both are drawn through util/log, which keeps other lines out of the bar.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "util/choice.h"

namespace charnn {

enum class ProgressMode { Auto, Bar, Lines };  // auto: a bar when stderr is a terminal

template <>
struct Choices<ProgressMode> {
  static constexpr const char* key = "progress";
  static constexpr std::array<const char*, 3> names{"auto", "bar", "lines"};
};

struct ProgressLine {
  int64_t iter = 0, total_iters = 0;  // updates done and planned, earlier processes of the run included
  double epoch = 0;
  double loss = 0;
  double lr = 0;
  double grad_norm = 0;
  double chars_per_sec = 0;
  double elapsed = 0;      // wall seconds of the run so far, earlier processes included (what max_seconds counts)
  double max_seconds = 0;  // the run's wall-time budget; 0: none
};

// When the run ends, as its progress line can tell: by whichever limit comes
// first, the iterations left at the run's speed so far (elapsed / iter), or
// what is left of max_seconds (0 once spent: the run is writing its last
// checkpoint).
struct Eta {
  double seconds = -1;     // negative: unknown (no iteration done and no budget)
  bool by_budget = false;  // max_seconds ends the run before its iterations do
};
Eta eta_of(const ProgressLine& p);

// How much of the run is done, in [0, 1], for the bar: elapsed / (elapsed +
// ETA), which is iter / total_iters when the iterations end the run first.
double done_fraction(const ProgressLine& p);

class ProgressDisplay {
 public:
  ProgressDisplay(ProgressMode mode, int64_t print_every);
  void update(const ProgressLine& p);
  void finish();

 private:
  bool bar_;
  int64_t print_every_;
};

std::string format_duration(double seconds);

}  // namespace charnn
