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
  int64_t iter = 0, total_iters = 0;
  double epoch = 0;
  double loss = 0;
  double lr = 0;
  double grad_norm = 0;
  double chars_per_sec = 0;
  double elapsed = 0;
};

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
