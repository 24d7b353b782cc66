#include "util/progress.h"

#include <unistd.h>

#include <cstdio>

namespace charnn {

std::string format_duration(double s) {
  if (!(s >= 0) || s > 1e8) return "--:--";
  long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%02ld:%02ld", t / 60, t % 60);
  return buf;
}

ProgressDisplay::ProgressDisplay(const std::string& mode, int64_t print_every)
    : bar_(mode == "bar" || (mode == "auto" && ::isatty(STDERR_FILENO))), print_every_(print_every) {}

void ProgressDisplay::update(const ProgressLine& p) {
  const double eta = p.iter > 0 ? p.elapsed / p.iter * (p.total_iters - p.iter) : -1;
  if (bar_) {
    const int width = 24;
    int filled = p.total_iters > 0 ? static_cast<int>(width * p.iter / p.total_iters) : 0;
    std::string bar(filled, '#');
    bar += std::string(width - filled, '.');
    std::fprintf(stderr, "\r\033[K[%s] ep %.2f  it %ld/%ld  loss %.4f  %.0f ch/s  ETA %s", bar.c_str(), p.epoch,
                 static_cast<long>(p.iter), static_cast<long>(p.total_iters), p.loss, p.chars_per_sec,
                 format_duration(eta).c_str());
    std::fflush(stderr);
    bar_drawn_ = true;
    return;
  }
  if (p.iter % print_every_ != 0 && p.iter != p.total_iters) return;
  std::fprintf(stderr, "iter %ld/%ld  epoch %.2f  loss %.4f  lr %.3g  grad_norm %.3f  %.0f chars/s  elapsed %s  ETA %s\n",
               static_cast<long>(p.iter), static_cast<long>(p.total_iters), p.epoch, p.loss, p.lr, p.grad_norm,
               p.chars_per_sec, format_duration(p.elapsed).c_str(), format_duration(eta).c_str());
  std::fflush(stderr);
}

void ProgressDisplay::message(const std::string& text) {
  if (bar_ && bar_drawn_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

void ProgressDisplay::finish() {
  if (bar_ && bar_drawn_) std::fprintf(stderr, "\n");
  bar_drawn_ = false;
}

}  // namespace charnn
