#include "util/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "util/log.h"

namespace charnn {

std::string format_duration(double s) {
  if (!(s >= 0) || s > 1e8) return "--:--";
  long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%02ld:%02ld", t / 60, t % 60);
  return buf;
}

Eta eta_of(const ProgressLine& p) {
  Eta e;
  if (p.iter > 0) {
    const int64_t left = std::max<int64_t>(0, p.total_iters - p.iter);
    e.seconds = p.elapsed / static_cast<double>(p.iter) * static_cast<double>(left);
  }
  if (p.max_seconds > 0) {
    const double left = std::max(0.0, p.max_seconds - p.elapsed);
    if (e.seconds < 0 || left < e.seconds) e = {left, true};
  }
  return e;
}

double done_fraction(const ProgressLine& p) {
  const Eta e = eta_of(p);
  if (e.seconds >= 0 && p.elapsed + e.seconds > 0) return std::clamp(p.elapsed / (p.elapsed + e.seconds), 0.0, 1.0);
  if (p.total_iters <= 0) return 0;
  return std::clamp(static_cast<double>(p.iter) / static_cast<double>(p.total_iters), 0.0, 1.0);
}

ProgressDisplay::ProgressDisplay(ProgressMode mode, int64_t print_every)
    : bar_(mode == ProgressMode::Bar || (mode == ProgressMode::Auto && ::isatty(STDERR_FILENO))),
      print_every_(print_every) {}

void ProgressDisplay::update(const ProgressLine& p) {
  const Eta eta = eta_of(p);
  // Which limit the ETA follows, when it is not the iteration count shown beside it.
  const std::string eta_text = format_duration(eta.seconds) + (eta.by_budget ? " (max_seconds)" : "");
  if (bar_) {
    const int width = 24;
    const int filled = static_cast<int>(width * done_fraction(p));
    std::string bar(filled, '#');
    bar += std::string(width - filled, '.');
    log::progress(fmt::format("[{}] ep {:.2f}  it {}/{}  loss {:.4f}  {:.0f} ch/s  ETA {}", bar, p.epoch, p.iter,
                              p.total_iters, p.loss, p.chars_per_sec, eta_text),
                  true);
    return;
  }
  if (p.iter % print_every_ != 0 && p.iter != p.total_iters) return;
  log::progress(fmt::format("iter {}/{}  epoch {:.2f}  loss {:.4f}  lr {:.3g}  grad_norm {:.3f}  {:.0f} chars/s  elapsed {}  ETA {}",
                            p.iter, p.total_iters, p.epoch, p.loss, p.lr, p.grad_norm, p.chars_per_sec,
                            format_duration(p.elapsed), eta_text),
                false);
}

void ProgressDisplay::finish() { log::end_transient(); }

}  // namespace charnn
