// util/resources: the data directory found from the binary's own location, and a
// bare config name resolved to an installed example only when no such file is here.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "util/resources.h"

namespace fs = std::filesystem;
using namespace charnn;

namespace {

// A scratch data directory with configs/demo.yaml, named by CHARNN_DATA_DIR while in scope.
struct ScratchDataDir {
  fs::path dir = fs::temp_directory_path() / ("charnn-res-" + std::to_string(::getpid()));
  ScratchDataDir() {
    fs::create_directories(dir / "configs");
    std::ofstream(dir / "configs" / "demo.yaml") << "rnn_size: 8\n";
    ::setenv("CHARNN_DATA_DIR", dir.c_str(), 1);
  }
  ~ScratchDataDir() {
    ::unsetenv("CHARNN_DATA_DIR");
    fs::remove_all(dir);
  }
};

}  // namespace

TEST(Resources, SelfExeIsThisTestBinary) {
  EXPECT_EQ(fs::path(self_exe()).filename(), "charnn_core_tests");
}

TEST(Resources, BuildTreeDataDirHoldsTheSourceExamples) {
  // tests/charnn_core_tests -> tests/../share/charnn, CMake's links to configs/.
  const std::string dir = data_dir();
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(fs::is_regular_file(fs::path(dir) / "configs" / "tinyshakespeare.yaml")) << dir;
}

TEST(Resources, BareNameFallsBackToTheExample) {
  ScratchDataDir d;
  EXPECT_EQ(data_dir(), d.dir.string());
  EXPECT_EQ(config_path("demo.yaml"), (d.dir / "configs" / "demo.yaml").string());
  EXPECT_EQ(config_path("demo"), (d.dir / "configs" / "demo.yaml").string());
}

TEST(Resources, AFileHereOrAPathIsNeverReplaced) {
  ScratchDataDir d;
  const fs::path here = fs::temp_directory_path() / ("charnn-res-here-" + std::to_string(::getpid()));
  fs::create_directories(here);
  const fs::path cwd = fs::current_path();
  fs::current_path(here);
  std::ofstream("demo.yaml") << "rnn_size: 16\n";
  EXPECT_EQ(config_path("demo.yaml"), "demo.yaml");             // the file here wins
  EXPECT_EQ(config_path("sub/demo.yaml"), "sub/demo.yaml");     // a path is the user's
  EXPECT_EQ(config_path("missing.yaml"), "missing.yaml");       // no example: the caller reports it
  EXPECT_EQ(config_path(""), "");
  fs::current_path(cwd);
  fs::remove_all(here);
}
