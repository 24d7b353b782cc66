#include "sweep/plan.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "sweep/layout.h"
#include "sweep/sbatch.h"
#include "sweep/trial_status.h"
#include "util/csv.h"
#include "util/fsutil.h"
#include "util/status.h"

namespace fs = std::filesystem;

namespace charnn {

namespace {

// Writes the plan's files under `out` (the sweep directory, or the hidden
// temporary one a new plan is built in); their contents name `opt.dir`.
void write_plan(const SweepSpec& s, const PlanOptions& opt, const std::vector<Trial>& trials, const std::string& out) {
  make_dirs(out + "/trials");
  make_dirs(out + "/logs");
  std::string csv = "id";
  for (const auto& p : s.parameters) csv += "," + csv_field(p.key);
  csv += "\n";
  for (const auto& t : trials) {
    const std::string td = trial_dir(opt.dir, t.id);
    const TrialStatus st = read_trial_status(td);
    csv += std::to_string(t.id);
    for (const auto& kv : t.values) csv += "," + csv_field(kv.second);
    csv += "\n";
    if (st.status == TrialState::done || st.status == TrialState::running) continue;  // never clobber a finished or live trial
    const std::string written = trial_dir(out, t.id);
    make_dirs(written);
    TrainConfig c = t.config;
    c.checkpoint_dir = td;
    // Array tasks start in another directory: every input path goes in absolute.
    c.data = fs::absolute(c.data).lexically_normal().string();
    if (!c.vocab.empty()) c.vocab = fs::absolute(c.vocab).lexically_normal().string();
    if (!c.init_from.empty()) c.init_from = fs::absolute(c.init_from).lexically_normal().string();
    if (s.asha.enabled()) {  // the trial decides at its rungs against the sweep's records (sweep/asha.h)
      c.asha_records = fs::absolute(asha_records_path(opt.dir)).lexically_normal().string();
      c.asha_min_iters = s.asha.min_iters, c.asha_min_seconds = s.asha.min_seconds, c.asha_eta = s.asha.eta;
    }
    write_file_atomic(written + "/config.yaml", to_yaml(c));
  }
  write_file_atomic(out + "/trials.csv", csv);
  write_file_atomic(out + "/sweep.yaml", read_file(s.path));
  write_file_atomic(out + "/sweep.sbatch", render_sbatch(s, opt.dir, trials.size(), opt.charnn_path));
}

// What a plan reads, against what it writes: all of it before the first write.
void check_plan_outputs(const SweepSpec& s, const PlanOptions& opt, const std::vector<Trial>& trials) {
  std::vector<std::string> inputs = {s.path, s.base_config, s.base.data, s.base.vocab, s.base.init_from};
  for (const auto& t : trials)
    for (const auto& [k, v] : t.values)
      if (input_path_field(k)) inputs.push_back(t.config.*input_path_field(k));
  check_output_path({opt.dir, "--dir", "sweep directory", OutputKind::Directory}, inputs);
  if (!path_exists(opt.dir)) return;
  if (!opt.force) fail(opt.dir, ": exists; pass --force to re-plan (finished and running trials are kept)");
  std::error_code ec;
  if (!is_sweep_dir(opt.dir) && !fs::is_empty(opt.dir, ec))
    fail(opt.dir, ": exists and is not a sweep directory (no trials.csv); refusing to plan into it, even with "
         "--force: choose a new directory");
  std::vector<std::string> outputs = {opt.dir + "/trials.csv", opt.dir + "/sweep.sbatch"};
  if (!same_file(opt.dir + "/sweep.yaml", s.path)) outputs.push_back(opt.dir + "/sweep.yaml");  // else: the same bytes again
  for (const auto& t : trials) outputs.push_back(trial_dir(opt.dir, t.id) + "/config.yaml");
  for (const auto& o : outputs)
    for (const auto& in : inputs)
      if (!in.empty() && same_file(o, in))
        fail(opt.dir, ": re-planning would overwrite ", o, ", which is the input ", in, "; plan into a new directory");
}

}  // namespace

std::vector<Trial> plan_sweep(const SweepSpec& s, const PlanOptions& opt) {
  std::vector<Trial> trials = expand_trials(s);
  if (opt.dir.find('\'') != std::string::npos || opt.dir.find('\n') != std::string::npos)
    fail(opt.dir, ": sweep directory names may not contain quotes or newlines");
  check_plan_outputs(s, opt, trials);
  const bool fresh = !path_exists(opt.dir);
  if (!fresh) {  // re-plan in place: each file whole, the trials that ran kept
    write_plan(s, opt, trials, opt.dir);
    return trials;
  }
  // A new plan is built in a hidden sibling and renamed into place whole: a
  // failure (a full disk) leaves no half-planned sweep behind.
  fs::path final_dir = fs::path(opt.dir).lexically_normal();
  if (final_dir.filename().empty()) final_dir = final_dir.parent_path();  // "runs/sweep/"
  const std::string tmp = temp_path_for(final_dir.string());
  try {
    write_plan(s, opt, trials, tmp);
    if (::rename(tmp.c_str(), final_dir.c_str()) != 0)
      fail(opt.dir, ": cannot rename the planned sweep into place: ", std::strerror(errno));
  } catch (...) {
    remove_tree(tmp);
    throw;
  }
  return trials;
}

}  // namespace charnn
