#include "util/process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/status.h"

extern char** environ;

namespace charnn {

std::string host_name() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return "?";
  return buf;
}
namespace {

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

// posix_spawn_file_actions_t with its destroy call tied to scope.
struct FileActions {
  posix_spawn_file_actions_t fa;
  FileActions() { posix_spawn_file_actions_init(&fa); }
  ~FileActions() { posix_spawn_file_actions_destroy(&fa); }
};

pid_t spawn(const std::vector<std::string>& args, const SpawnOptions& opt, int stdout_pipe[2]) {
  if (args.empty()) fail("start_process: empty argument vector");
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  FileActions f;
  if (!opt.log_file.empty()) {
    posix_spawn_file_actions_addopen(&f.fa, STDOUT_FILENO, opt.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&f.fa, STDOUT_FILENO, STDERR_FILENO);
  } else if (stdout_pipe) {
    posix_spawn_file_actions_adddup2(&f.fa, stdout_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&f.fa, stdout_pipe[0]);
  }
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &f.fa, nullptr, argv.data(), environ);
  if (rc != 0)
    fail("cannot start ", args[0], ": ", std::strerror(rc), opt.missing_hint.empty() ? "" : "; ", opt.missing_hint);
  return pid;
}

}  // namespace

pid_t start_process(const std::vector<std::string>& argv, const SpawnOptions& opt) {
  return spawn(argv, opt, nullptr);
}

int wait_process(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail("waitpid(", pid, "): ", std::strerror(errno));
  return exit_code_of(status);
}

pid_t wait_any_process(int* exit_code) {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, 0)) < 0 && errno == EINTR) {
  }
  if (pid > 0) *exit_code = exit_code_of(status);
  return pid;
}

ProcessResult run_process(const std::vector<std::string>& argv, const SpawnOptions& opt) {
  ProcessResult r;
  if (!opt.capture_stdout) {
    r.exit_code = wait_process(spawn(argv, opt, nullptr));
    return r;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe: ", std::strerror(errno));
  pid_t pid;
  try {
    pid = spawn(argv, opt, fds);
  } catch (...) {
    close(fds[0]), close(fds[1]);
    throw;
  }
  close(fds[1]);
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n > 0) r.out.append(buf, static_cast<size_t>(n));
    else if (errno != EINTR) break;
  }
  close(fds[0]);
  r.exit_code = wait_process(pid);
  return r;
}

}  // namespace charnn
