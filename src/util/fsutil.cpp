#include "util/fsutil.h"

#include <ftw.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/status.h"

namespace fs = std::filesystem;

namespace charnn {

namespace {
int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }
}  // namespace

void remove_tree(const std::string& path) {
  // Depth first (FTW_DEPTH): a directory is removed after what it holds; links are not followed.
  if (::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
    fail(path, ": cannot remove: ", std::strerror(errno));
}

namespace {
void fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) fail(path, ": cannot open for fsync: ", std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0 && !directory) fail(path, ": fsync failed: ", std::strerror(err));
}

std::string parent_dir(const std::string& path) {
  fs::path p = fs::path(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}
}  // namespace

std::string temp_path_for(const std::string& final_path) {
  fs::path p(final_path);
  std::string name = "." + p.filename().string() + ".tmp." + std::to_string(::getpid());
  return (p.parent_path() / name).string();
}

void commit_file(const std::string& tmp, const std::string& final_path) {
  fsync_path(tmp, false);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0)
    fail(final_path, ": cannot rename temporary file into place: ", std::strerror(errno));
  fsync_path(parent_dir(final_path), true);
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  std::string tmp = temp_path_for(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(path, ": cannot write: ", std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      ::unlink(tmp.c_str());
      fail(path, ": write failed: ", std::strerror(errno));
    }
  }
  commit_file(tmp, path);
}

std::string read_file(const std::string& path) {
  require_readable_file(path, "file");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void require_readable_file(const std::string& path, const std::string& what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    fail(path, ": ", what, " not found (", std::strerror(errno), ")");
  if (S_ISDIR(st.st_mode)) fail(path, ": is a directory, expected a ", what);
  if (!S_ISREG(st.st_mode)) fail(path, ": not a regular file, expected a ", what);
  if (::access(path.c_str(), R_OK) != 0) fail(path, ": ", what, " is not readable (", std::strerror(errno), ")");
}

void require_writable_parent(const std::string& path) {
  std::string dir = parent_dir(path);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    fail(path, ": output directory ", dir, " does not exist");
  if (::access(dir.c_str(), W_OK) != 0) fail(path, ": output directory ", dir, " is not writable");
}

void make_dirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail(dir, ": cannot create directory: ", ec.message());
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void replace_symlink(const std::string& target, const std::string& link) {
  std::string tmp = temp_path_for(link);
  ::unlink(tmp.c_str());
  if (::symlink(target.c_str(), tmp.c_str()) != 0)
    fail(link, ": cannot create link: ", std::strerror(errno));
  if (::rename(tmp.c_str(), link.c_str()) != 0)
    fail(link, ": cannot replace link: ", std::strerror(errno));
}

ScratchFiles::~ScratchFiles() {
  for (const auto& p : paths_) ::unlink(p.c_str());  // ENOENT (already renamed or never made) is fine
}

}  // namespace charnn
