// Files that are either whole or absent: write to a temporary name in the same
// directory, fsync, rename over the final name, fsync the directory. A crash
// at any point leaves the previous file (or nothing) under the real name.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace charnn {

// A hidden temporary sibling of `final_path`, unique to this process:
// ".NAME.tmp.HOST.PID" (the host: run directories live on shared filesystems).
std::string temp_path_for(const std::string& final_path);
// Removes the temporaries in `dir` that processes of this host left when they
// were killed mid-write (their PID no longer runs). Returns how many.
int reap_stale_temporaries(const std::string& dir);
// fsync `tmp`, rename it to `final_path`, fsync the directory.
void commit_file(const std::string& tmp, const std::string& final_path);
// Atomically replace `path` with `contents`.
void write_file_atomic(const std::string& path, const std::string& contents);
// Whole file as a string; throws Error naming the path on failure.
std::string read_file(const std::string& path);
// Throws a clear Error unless `path` is an existing, readable regular file.
void require_readable_file(const std::string& path, const std::string& what);
// Throws a clear Error unless the directory that would hold `path` exists and is writable.
void require_writable_parent(const std::string& path);
// mkdir -p
void make_dirs(const std::string& dir);
bool path_exists(const std::string& path);
// rm -rf `path` (no error if absent). Not std::filesystem::remove_all: the
// LibTorch of the PyTorch pip wheels exports its own copy of that symbol,
// which the dynamic linker binds ahead of libstdc++'s, and it crashed there
// (a call through a null pointer, seen with LibTorch 2.11 on the GPU machine).
void remove_tree(const std::string& path);
// Removes its files when it goes out of scope, on every way out (scratch
// files, or a temporary that a successful commit_file has already renamed).
class ScratchFiles {
 public:
  explicit ScratchFiles(std::vector<std::string> paths) : paths_(std::move(paths)) {}
  ScratchFiles(const ScratchFiles&) = delete;
  ScratchFiles& operator=(const ScratchFiles&) = delete;
  ~ScratchFiles();

 private:
  std::vector<std::string> paths_;
};

// Replace (atomically) a symlink `link` so it points at `target`.
void replace_symlink(const std::string& target, const std::string& link);

}  // namespace charnn
