#include "sweep/layout.h"

#include <cstdio>

#include "util/fsutil.h"

namespace charnn {

std::string trial_dir(const std::string& sweep_dir, int id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", id);
  return sweep_dir + "/trials/" + buf;
}

bool is_sweep_dir(const std::string& dir) { return path_exists(dir + "/trials.csv"); }

std::string asha_records_path(const std::string& sweep_dir) { return sweep_dir + "/asha.jsonl"; }

}  // namespace charnn
