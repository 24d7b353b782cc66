// Starting other programs (mpirun and charnn for local sweep trials, sbatch,
// gnuplot), in one way: posix_spawnp with an argument vector. There is no
// shell, so paths and swept values are never re-parsed as shell syntax.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace charnn {

struct SpawnOptions {
  std::string log_file;         // when set, stdout and stderr are appended to it
  bool capture_stdout = false;  // run_process only: stdout comes back in ProcessResult::out
  // Appended to the "cannot start PROGRAM" error, e.g. what to install.
  std::string missing_hint;
};

// This machine's host name (gethostname), "?" when it has none: the one
// source for every message, lock file and rank record that names a host.
std::string host_name();

// Starts argv[0] (looked up on PATH) and returns its pid without waiting.
// Throws charnn::Error "cannot start PROGRAM: REASON[; HINT]".
pid_t start_process(const std::vector<std::string>& argv, const SpawnOptions& opt = {});

// Waits for one child started here; its exit code, or 128 + signal when killed.
int wait_process(pid_t pid);
// Waits for any child; returns its pid (and exit code), or -1 when none is left.
pid_t wait_any_process(int* exit_code);

struct ProcessResult {
  int exit_code = 0;
  std::string out;  // stdout, when captured
};
// Starts argv and waits for it.
ProcessResult run_process(const std::vector<std::string>& argv, const SpawnOptions& opt = {});

}  // namespace charnn
