#include "sweep/local.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "sweep/results.h"
#include "sweep/spec.h"
#include "sweep/trial_status.h"
#include "util/status.h"

extern char** environ;

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
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) fail("cannot start ", args[0], " for trial ", id, ": ", std::strerror(rc));
    std::fprintf(stderr, "charnn sweep: trial %d started (%d rank%s), log %s\n", id, opt.ranks,
                 opt.ranks > 1 ? "s" : "", log.c_str());
    running[pid] = id;
  };
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < opt.parallel) launch(todo[next++]);
    int status = 0;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) break;
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const int id = it->second;
    running.erase(it);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const TrialStatus st = read_trial_status(trial_dir(dir, id));
    if (code != 0) ++failed;
    const TrialState ended = code == 0 ? TrialState::done : TrialState::failed;
    std::fprintf(stderr, "charnn sweep: trial %d %s (exit %d)%s%s\n", id, to_string(ended), code,
                 st.best_val_loss > 0 ? cat(", best val loss ", st.best_val_loss).c_str() : "",
                 st.message.empty() ? "" : (": " + st.message).c_str());
  }
  return failed;
}

}  // namespace charnn
