#include "util/log.h"

#include <cstdio>
#include <mutex>

namespace charnn::log {
namespace {

int g_rank = 0, g_size = 1;
bool g_transient = false;  // a progress bar is on screen without its newline
// The reducer's MPI thread and the main thread may both report; whole lines only.
std::mutex g_mutex;

const char* tag(Level level) {
  switch (level) {
    case Level::Info: return "";
    case Level::Note: return "note: ";
    case Level::Warning: return "warning: ";
    case Level::Error: return "error: ";
  }
  return "";
}

void clear_transient() {
  if (g_transient) std::fputs("\r\033[K", stderr);
  g_transient = false;
}

// A diagnostic is one line: a control character in it (a newline in a path, the
// raw byte a parser quotes) is written as an escape, never as itself.
std::string one_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}

}  // namespace

void set_rank(int rank, int size) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_rank = rank, g_size = size;
}

std::string rank_prefix() { return g_size > 1 ? fmt::format("[rank {}] ", g_rank) : std::string(); }

void line(Level level, Who who, const std::string& text) {
  if (who == Who::Job && g_rank != 0) return;
  const std::string prefix = who == Who::Rank ? rank_prefix() : std::string();
  std::lock_guard<std::mutex> lock(g_mutex);
  clear_transient();
  fmt::print(stderr, "charnn: {}{}{}\n", tag(level), prefix, one_line(text));
  std::fflush(stderr);
}

void progress(const std::string& text, bool transient) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (transient) {
    fmt::print(stderr, "\r\033[K{}", text);
  } else {
    clear_transient();
    fmt::print(stderr, "{}\n", text);
  }
  g_transient = transient;
  std::fflush(stderr);
}

void end_transient() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_transient) std::fputs("\n", stderr);
  g_transient = false;
  std::fflush(stderr);
}

}  // namespace charnn::log
