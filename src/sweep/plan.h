// Planning a sweep: writing its directory (sweep/layout.h) from a spec, that is
// the spec's trials (sweep/expand.h), one config.yaml each, trials.csv, a copy
// of the spec and the job-array script (sweep/sbatch.h).
// Contract: all is checked before the first write; a new directory appears
// whole or not at all; a trial that is running or done is never rewritten.
#pragma once
#include <string>
#include <vector>

#include "sweep/expand.h"
#include "sweep/spec.h"

namespace charnn {

struct PlanOptions {
  std::string dir;
  bool force = false;
  std::string charnn_path;  // the binary the array tasks run
};
// Writes the sweep directory. Refuses an existing one without `force`; with it,
// only a sweep directory (or an empty one) is re-planned, and trials that are
// running or done are left untouched. Nothing it writes may be a file the spec
// reads (util/fsutil.h check_output_path); all of it is checked first.
std::vector<Trial> plan_sweep(const SweepSpec& spec, const PlanOptions& opt);

}  // namespace charnn
