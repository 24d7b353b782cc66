// Small helpers the unit tests share: the message of the charnn::Error a call
// throws, and a scratch directory removed at the end of the test.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "util/fsutil.h"
#include "util/status.h"

namespace charnn::test {

// The message of the charnn::Error `fn` throws; "" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A fresh directory under /tmp, removed with everything in it when it goes.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/charnn-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { remove_tree(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Writes `contents` (bytes as given) to NAME, creating its folders; returns its path.
  std::string file(const std::string& name, const std::string& contents) const {
    std::filesystem::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << contents;
    return (path / name).string();
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

}  // namespace charnn::test
