#include "parallel/watchdog.h"

#include <mpi.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

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

struct State {
  std::mutex mu;
  std::condition_variable wake;
  std::map<std::thread::id, Open> open;  // at most one per thread (the main and the reducer's)
  std::thread thread;
  bool stop = false;
  Census census = nullptr;
  void join() {
    {
      std::lock_guard<std::mutex> g(mu);
      if (!thread.joinable()) return;
      stop = true;
    }
    wake.notify_all();
    thread.join();
  }
  ~State() { join(); }  // a process that never called comm_finalize still joins the thread
};
State& state() {
  static State s;
  return s;
}
std::atomic<bool> g_running{false};

std::atomic<double> g_timeout{300.0};
thread_local int t_depth = 0;

std::string utc_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S UTC", &tm);
  return buf;
}

[[noreturn]] void abort_job(const Open& o, double age, double timeout, Census census) {
  // MPI_Abort asks the launcher to kill every rank. Where the launcher itself
  // cannot be reached (the link to it is down) it may not return either: this
  // process then ends on its own 15 s later (the census takes at most 5), so
  // no rank outlives the timeout by much.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(15));
    ::_exit(1);
  }).detach();
  const std::string who = census ? census(timeout) : std::string();
  log::error(fmt::format("collective_timeout: {}{} on host {} started {:.1f} s ago (at {}) has not completed "
                         "within collective_timeout = {:g} s{}; aborting the job",
                         o.what, o.bytes ? fmt::format(" ({} bytes)", o.bytes) : std::string(), host_name(), age,
                         utc_time(o.wall), timeout, who));
  MPI_Abort(MPI_COMM_WORLD, 1);
  ::_exit(1);
}

void watch(State& s) {
  std::unique_lock<std::mutex> lk(s.mu);
  while (!s.stop) {
    const double timeout = g_timeout.load();
    // Checked every second (4x per timeout for short test timeouts): the job
    // ends at most that much after the timeout itself.
    const double tick = timeout > 0 ? std::min(1.0, timeout / 4) : 1.0;
    s.wake.wait_for(lk, std::chrono::duration<double>(tick), [&] { return s.stop; });
    if (s.stop || timeout <= 0) continue;
    const Open* oldest = nullptr;
    double age = 0;
    for (const auto& [id, o] : s.open) {
      const double a = std::chrono::duration<double>(Clock::now() - o.since).count();
      if (a > timeout && (!oldest || a > age)) oldest = &o, age = a;
    }
    if (!oldest) continue;
    const Open o = *oldest;
    lk.unlock();  // the census and the abort run outside the lock
    abort_job(o, age, timeout, s.census);
  }
}

}  // namespace

void set_collective_timeout(double seconds) { g_timeout.store(seconds); }
double collective_timeout() { return g_timeout.load(); }

void watchdog_start(Census census) {
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  if (s.thread.joinable()) return;
  s.census = census;
  s.stop = false;
  s.thread = std::thread(watch, std::ref(s));
  g_running.store(true);
}

void watchdog_stop() {
  g_running.store(false);
  state().join();
}

CollectiveScope::CollectiveScope(const char* what, size_t bytes) : outer_(t_depth++ == 0) {
  // Without the watchdog (one rank: nobody to wait for) nothing is recorded.
  if (!outer_ || g_timeout.load() <= 0 || !g_running.load()) return;
  State& s = state();
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
