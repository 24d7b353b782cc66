#include "sweep/local.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "sweep/layout.h"
#include "sweep/results.h"
#include "sweep/trial_status.h"
#include "util/log.h"
#include "util/process.h"
#include "util/status.h"

namespace charnn {

int run_sweep_locally(const std::string& dir, const LocalRunOptions& opt) {
  std::vector<int> todo;
  for (const auto& r : read_sweep(dir))
    if (r.status != TrialState::done) todo.push_back(r.id);
  std::sort(todo.begin(), todo.end());
  std::map<pid_t, int> running;
  int failed = 0;
  size_t next = 0;
  auto launch = [&](int id) {
    const std::string td = trial_dir(dir, id);
    const std::string log = cat(dir, "/logs/local-", id, ".out");
    std::vector<std::string> args;
    if (opt.ranks > 1)
      args = {"mpirun", "--oversubscribe", "--bind-to", "none", "-np", std::to_string(opt.ranks)};
    args.insert(args.end(), {opt.charnn_path, "train", "--trial-dir", td, "--progress", "lines"});
    SpawnOptions so;
    so.log_file = log;
    const pid_t pid = start_process(args, so);
    log::info("sweep: trial {} started ({} rank{}), log {}", id, opt.ranks, opt.ranks > 1 ? "s" : "", log);
    running[pid] = id;
  };
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < opt.parallel) launch(todo[next++]);
    int code = 0;
    const pid_t pid = wait_any_process(&code);
    if (pid < 0) break;
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const int id = it->second;
    running.erase(it);
    const TrialStatus st = read_trial_status(trial_dir(dir, id));
    if (code != 0) ++failed;
    const TrialState ended = code == 0 ? TrialState::done : TrialState::failed;
    log::info("sweep: trial {} {} (exit {}){}{}", id, to_string(ended), code,
              st.best_val_loss > 0 ? cat(", best val loss ", st.best_val_loss) : "",
              st.message.empty() ? "" : ": " + st.message);
  }
  return failed;
}

}  // namespace charnn
