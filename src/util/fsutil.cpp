#include "util/fsutil.h"

#include <ftw.h>

#include <fcntl.h>
#include <signal.h>
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

namespace {
std::string host_name() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "host";
  std::string h(buf);
  for (char& c : h)
    if (c == '.' || c == '/') c = '_';  // the temp name is parsed back by reap_stale_temporaries
  return h;
}
}  // namespace

std::string temp_path_for(const std::string& final_path) {
  fs::path p(final_path);
  std::string name = "." + p.filename().string() + ".tmp." + host_name() + "." + std::to_string(::getpid());
  return (p.parent_path() / name).string();
}

int reap_stale_temporaries(const std::string& dir) {
  const std::string mark = ".tmp." + host_name() + ".";
  int reaped = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const size_t at = name.rfind(mark);
    if (name.empty() || name[0] != '.' || at == std::string::npos) continue;
    const std::string pid = name.substr(at + mark.size());
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    if (::kill(static_cast<pid_t>(std::stol(pid)), 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    if (::unlink(e.path().c_str()) == 0) ++reaped;
  }
  return reaped;
}

void commit_file(const std::string& tmp, const std::string& final_path) {
  ScratchFiles scratch({tmp});  // removed if anything below fails; renamed away otherwise
  fsync_path(tmp, false);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0)
    fail(final_path, ": cannot rename temporary file into place: ", std::strerror(errno));
  fsync_path(parent_dir(final_path), true);
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  std::string tmp = temp_path_for(path);
  ScratchFiles scratch({tmp});
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, ": cannot write: ", std::strerror(errno));
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      fail(path, ": cannot write: ", std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) fail(path, ": cannot write: ", std::strerror(errno));
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
