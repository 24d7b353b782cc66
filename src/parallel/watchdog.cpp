#include "parallel/watchdog.h"

#include <mpi.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include "parallel/comm.h"
#include "util/log.h"
#include "util/process.h"
#include "util/status.h"

namespace charnn {

namespace {

using Clock = std::chrono::steady_clock;

struct Open {
  std::string what;
  size_t bytes = 0;
  Clock::time_point since;
  std::time_t wall = 0;
};

// Heap-allocated and never freed: the watchdog thread is detached and may
// still look at them while static destructors run at exit.
struct State {
  std::mutex mu;
  std::map<std::thread::id, Open> open;  // at most one per thread (the main and the reducer's)
  std::once_flag started;
};
State& state() {
  static State* s = new State();
  return *s;
}

std::atomic<double> g_timeout{300.0};
thread_local int t_depth = 0;

std::string utc_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S UTC", &tm);
  return buf;
}

// The oldest open collective that has run past the timeout, if any.
bool overdue(double timeout, Open* out, double* age) {
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  bool found = false;
  for (const auto& [id, o] : s.open) {
    const double a = std::chrono::duration<double>(Clock::now() - o.since).count();
    if (a > timeout && (!found || a > *age)) *out = o, *age = a, found = true;
  }
  return found;
}

// Who the job waits for: the ranks that do not answer (parallel/comm.h).
std::string census(double timeout) {
  const std::vector<int> silent = unanswered_ranks(std::min(5.0, std::max(1.0, timeout / 4)));
  if (silent.empty()) return comm().size > 1 ? "; every other rank answered (alive, but in another collective)" : "";
  std::string who;
  for (int r : silent) {
    const std::string host = rank_host(r);
    who += fmt::format("{}{}{}", who.empty() ? "" : ", ", r, host.empty() ? "" : fmt::format(" ({})", host));
  }
  return fmt::format("; no answer from rank{} {}: stopped, dead or unreachable", silent.size() > 1 ? "s" : "", who);
}

[[noreturn]] void abort_job(const Open& o, double age, double timeout) {
  // MPI_Abort asks the launcher to kill every rank. Where the launcher itself
  // cannot be reached (the link to it is down) it may not return either: this
  // process then ends on its own 15 s later (the census takes at most 5), so
  // no rank outlives the timeout by much.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(15));
    ::_exit(1);
  }).detach();
  const std::string who = census(timeout);
  log::error(fmt::format("collective_timeout: {}{} on host {} started {:.1f} s ago (at {}) has not completed "
                         "within collective_timeout = {:g} s{}; aborting the job",
                         o.what, o.bytes ? fmt::format(" ({} bytes)", o.bytes) : std::string(), host_name(), age,
                         utc_time(o.wall), timeout, who));
  MPI_Abort(MPI_COMM_WORLD, 1);
  ::_exit(1);
}

void watch() {
  while (true) {
    const double timeout = g_timeout.load();
    // Checked every second (4x per timeout for short test timeouts): the job
    // ends at most that much after the timeout itself.
    const double tick = timeout > 0 ? std::min(1.0, timeout / 4) : 1.0;
    std::this_thread::sleep_for(std::chrono::duration<double>(tick));
    Open o;
    double age = 0;
    if (timeout > 0 && overdue(timeout, &o, &age)) abort_job(o, age, timeout);
  }
}

}  // namespace

void set_collective_timeout(double seconds) { g_timeout.store(seconds); }
double collective_timeout() { return g_timeout.load(); }

CollectiveScope::CollectiveScope(const char* what, size_t bytes) : outer_(t_depth++ == 0) {
  // One rank has nobody to wait for: no record, and no watchdog thread.
  if (!outer_ || g_timeout.load() <= 0 || comm().size <= 1) return;
  State& s = state();
  std::call_once(s.started, [] { std::thread(watch).detach(); });
  Open o{what, bytes, Clock::now(), std::time(nullptr)};
  std::lock_guard<std::mutex> g(s.mu);
  s.open[std::this_thread::get_id()] = std::move(o);
}

CollectiveScope::~CollectiveScope() {
  --t_depth;
  if (!outer_) return;
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  s.open.erase(std::this_thread::get_id());
}

}  // namespace charnn
