#include "util/progress.h"

#include <unistd.h>

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

ProgressDisplay::ProgressDisplay(ProgressMode mode, int64_t print_every)
    : bar_(mode == ProgressMode::Bar || (mode == ProgressMode::Auto && ::isatty(STDERR_FILENO))),
      print_every_(print_every) {}

void ProgressDisplay::update(const ProgressLine& p) {
  const double eta = p.iter > 0 ? p.elapsed / p.iter * (p.total_iters - p.iter) : -1;
  if (bar_) {
    const int width = 24;
    int filled = p.total_iters > 0 ? static_cast<int>(width * p.iter / p.total_iters) : 0;
    std::string bar(filled, '#');
    bar += std::string(width - filled, '.');
    log::progress(fmt::format("[{}] ep {:.2f}  it {}/{}  loss {:.4f}  {:.0f} ch/s  ETA {}", bar, p.epoch, p.iter,
                              p.total_iters, p.loss, p.chars_per_sec, format_duration(eta)),
                  true);
    return;
  }
  if (p.iter % print_every_ != 0 && p.iter != p.total_iters) return;
  log::progress(fmt::format("iter {}/{}  epoch {:.2f}  loss {:.4f}  lr {:.3g}  grad_norm {:.3f}  {:.0f} chars/s  elapsed {}  ETA {}",
                            p.iter, p.total_iters, p.epoch, p.loss, p.lr, p.grad_norm, p.chars_per_sec,
                            format_duration(p.elapsed), format_duration(eta)),
                false);
}

void ProgressDisplay::finish() { log::end_transient(); }

}  // namespace charnn
