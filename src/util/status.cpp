#include "util/status.h"

#include <cstdio>

namespace charnn {

void rethrow_with_context(const std::string& context, const Error& e) {
  const std::string msg = e.what();
  if (msg.rfind(context, 0) == 0) throw e;
  throw Error(context + ": " + msg);
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) bytes /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.2f %s" : "%.0f %s", bytes, units[u]);
  return buf;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (unsigned char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c == '\'') out += "\\'";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out + "'";
}

std::string library_reason(const std::exception& e) {
  std::string why = e.what();
  if (const size_t at = why.find("] "); why.rfind("[json.exception.", 0) == 0 && at != std::string::npos)
    why = why.substr(at + 2);
  return why;
}

}  // namespace charnn
