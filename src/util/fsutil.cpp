#include "util/fsutil.h"

#include <ftw.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/process.h"
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
std::string temp_host() {
  std::string h = host_name();
  for (char& c : h)
    if (c == '.' || c == '/') c = '_';  // the temp name is parsed back by reap_stale_temporaries
  return h;
}
}  // namespace

std::string temp_path_for(const std::string& final_path) {
  fs::path p(final_path);
  std::string name = "." + p.filename().string() + ".tmp." + temp_host() + "." + std::to_string(::getpid());
  return (p.parent_path() / name).string();
}

int reap_stale_temporaries(const std::string& dir) {
  const std::string mark = ".tmp." + temp_host() + ".";
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
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(link, ": cannot replace link: ", std::strerror(err));
  }
}

bool file_id(const std::string& path, FileId* id) {
  struct stat st;
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return false;
  id->dev = static_cast<unsigned long long>(st.st_dev);
  id->ino = static_cast<unsigned long long>(st.st_ino);
  return true;
}

bool same_file(const std::string& a, const std::string& b) {
  FileId ia, ib;
  return file_id(a, &ia) && file_id(b, &ib) && ia == ib;
}

bool is_within(const std::string& path, const std::string& dir) {
  FileId d;
  if (!file_id(dir, &d)) return false;
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path), ec);  // where the file really is (symlinks resolved)
  if (ec) p = fs::absolute(path).lexically_normal();
  for (;;) {
    FileId i;
    if (file_id(p.string(), &i) && i == d) return true;
    if (!p.has_relative_path()) return false;  // reached "/"
    p = p.parent_path();
  }
}

namespace {
bool has_bytes_at(std::ifstream& in, std::streamoff at, const char* sig, size_t n) {
  std::string head(n, '\0');
  in.clear();
  return in.seekg(at) && in.read(&head[0], static_cast<std::streamsize>(n)) && head.compare(0, n, sig, n) == 0;
}
bool starts_with_bytes(const std::string& path, const char* sig, size_t n) {
  std::ifstream in(path, std::ios::binary);
  return has_bytes_at(in, 0, sig, n);
}
}  // namespace

// HDF5 looks for its superblock at 0, 512, 1024, 2048, ... (after a user block,
// where charnn keeps its seal: 4096).
bool has_hdf5_signature(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  for (std::streamoff at = 0; in; at = at == 0 ? 512 : 2 * at)
    if (has_bytes_at(in, at, "\x89HDF\r\n\x1a\n", 8)) return true;
  return false;
}
bool has_png_signature(const std::string& path) { return starts_with_bytes(path, "\x89PNG\r\n\x1a\n", 8); }

void check_output_path(const OutputPath& out, const std::vector<std::string>& inputs) {
  const std::string name = out.flag.empty() ? out.path : cat(out.flag, " ", out.path);
  if (out.path.empty()) fail(out.flag, ": empty path, expected a ", out.what, " path");
  struct stat lst;
  const bool present = ::lstat(out.path.c_str(), &lst) == 0;
  const bool is_link = present && S_ISLNK(lst.st_mode);
  // Rule 1: never an input. A link output replaces the link, not what it points
  // to, so only the link itself is compared (an input given as that very link
  // is read through it and is not touched either).
  if (present && !(out.kind == OutputKind::Link && is_link)) {
    for (const auto& in : inputs) {
      if (in.empty() || !same_file(out.path, in)) continue;
      if (in == out.path) fail(name, ": is also an input; writing the ", out.what, " there would destroy it");
      fail(name, ": is the same file as the input ", in,
           " (the same inode: another spelling of its path, a symlink or a hard link); writing the ", out.what,
           " there would destroy it");
    }
  }
  // Rule 2: what is there already.
  if (out.kind == OutputKind::Directory) {
    struct stat st;
    if (::stat(out.path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
      fail(name, ": exists and is not a directory; expected a ", out.what);
    if (present && is_link && ::stat(out.path.c_str(), &st) != 0)
      fail(name, ": is a dangling symlink; expected a ", out.what);
    return;
  }
  require_writable_parent(out.path);
  if (!present) return;
  if (out.kind == OutputKind::Link) {
    if (!is_link) {
      fail(name, ": exists and is not a symlink (", S_ISDIR(lst.st_mode) ? "a directory" : "a file",
           "); refusing to replace it with a link: remove it or choose another path");
    }
    return;
  }
  struct stat st;
  if (::stat(out.path.c_str(), &st) != 0) return;  // a dangling symlink: nothing behind it to lose
  if (S_ISDIR(st.st_mode)) fail(name, ": is a directory; expected a ", out.what, " file path");
  if (!S_ISREG(st.st_mode)) fail(name, ": exists and is not a regular file; refusing to write the ", out.what, " there");
  if (out.needs_force && !out.force) fail(name, ": output exists; pass --force to overwrite it");
  if (st.st_size == 0) return;  // nothing to lose (mktemp's files)
  if (out.is_ours && !out.is_ours(out.path))
    fail(name, ": exists and is not a ", out.what, " written by charnn; refusing to replace it",
         out.needs_force ? " even with --force" : "", " (remove it or choose another path)");
}

ScratchFiles::~ScratchFiles() {
  for (const auto& p : paths_) ::unlink(p.c_str());  // ENOENT (already renamed or never made) is fine
}

FileLock::FileLock(const std::string& path, const std::string& what, const std::string& who) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(path, ": cannot open the lock file: ", std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder;
    char buf[256];
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    if (n > 0) holder.assign(buf, static_cast<size_t>(n));
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) fail(path, ": cannot lock: ", std::strerror(err));
    fail(what, " is in use by another ", who, holder.empty() ? std::string() : " (" + holder + ")",
         "; only one at a time may use it (lock: ", path, ")");
  }
  const std::string host = host_name();
  const std::time_t now = std::time(nullptr);
  char when[32] = {0};
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  const std::string text = "pid " + std::to_string(::getpid()) + " on host " + host + " since " + when + "\n";
  // Informative only (the lock is the flock): a failed write changes nothing.
  if (::ftruncate(fd_, 0) == 0) {
    const ssize_t wrote = ::pwrite(fd_, text.data(), text.size(), 0);
    (void)wrote;
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace charnn
