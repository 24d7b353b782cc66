#include "util/resources.h"

#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "util/log.h"
#include "util/status.h"

namespace fs = std::filesystem;

namespace charnn {

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) fail("cannot find the charnn binary (/proc/self/exe)");
  return std::string(buf, n);
}

std::string data_dir() {
  std::error_code ec;
  if (const char* env = std::getenv("CHARNN_DATA_DIR"); env && *env && fs::is_directory(env, ec)) return env;
  const fs::path bin = fs::path(self_exe()).parent_path();
  for (const fs::path& d : {bin.parent_path() / "share" / "charnn", bin / "share" / "charnn"})
    if (fs::is_directory(d / "configs", ec)) return d.lexically_normal().string();
  return "";
}

std::string config_path(const std::string& path) {
  std::error_code ec;
  if (path.empty() || fs::exists(path, ec) || path.find('/') != std::string::npos) return path;
  const std::string dir = data_dir();
  if (dir.empty()) return path;
  for (const std::string& name : {path, path + ".yaml"}) {
    const fs::path example = fs::path(dir) / "configs" / name;
    if (fs::is_regular_file(example, ec)) {
      log::info("{}: not here; using the example {}", path, example.string());
      return example.string();
    }
  }
  return path;
}

}  // namespace charnn
