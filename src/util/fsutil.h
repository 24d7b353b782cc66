// Files that are either whole or absent: write to a temporary name in the same
// directory, fsync, rename over the final name, fsync the directory. A crash
// at any point leaves the previous file (or nothing) under the real name.
#pragma once
#include <functional>
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

// ---- Outputs checked against inputs, before any work starts ----
//
// Every command that writes calls check_output_path for each path it will write,
// with every path it reads, before it reads or computes anything. Two rules:
//
// 1. An output is never one of the inputs. Paths are compared by what they name
//    (device and inode, through symlinks), not by spelling: "x", "./x",
//    "d/../x", a symlink to x and a hard link to x are all x.
//
// 2. An output that exists is replaced only when it is what charnn would write
//    there; anything else is refused, whatever --force says:
//      corpus cache   (preprocess --output): an HDF5 file whose `format` is
//                     "charnn-corpus", and only with --force;
//      text sample    (sample --output): text has no signature, so the rule is
//                     the other way round: a regular file that is not an HDF5
//                     file (a checkpoint or cache) nor a PNG;
//      PNG            (plot --output, DIR/curves.png): a PNG file;
//      report page    (report --output, DIR/report.html): an HTML page whose
//                     generator tag is "charnn report" (viz/html.h, written_by);
//      link           (best --link): a symlink (a regular file, a directory or
//                     a run's own `latest` link is refused);
//      directory      (sweep plan --dir, train checkpoint_dir): a directory;
//                     what may be in it is the caller's check (a sweep
//                     directory, a run directory).
//    An empty regular file holds nothing to lose and counts as replaceable for
//    the file kinds (mktemp's files); where --force is required, it still is.
//    A symlink at a file output is judged by its target (it is replaced by the
//    file; the target is left as it was); a dangling one is replaced.
//
// The directory that will hold a file or link output must exist and be writable.
// Errors name the output, the flag or key it came from and what is wrong.

// Device and inode of what `path` names (through symlinks); false when nothing is there.
struct FileId {
  unsigned long long dev = 0, ino = 0;
  bool operator==(const FileId& o) const { return dev == o.dev && ino == o.ino; }
};
bool file_id(const std::string& path, FileId* id);
// True when both paths name the same existing file or directory.
bool same_file(const std::string& a, const std::string& b);
// True when `path` is `dir` itself or lies below it (compared by inode, parent by parent).
bool is_within(const std::string& path, const std::string& dir);

// The signatures of the formats charnn writes: HDF5 (at offset 0 or any power of
// two from 512: charnn's files have it at 4096, after the seal) and PNG (at 0).
bool has_hdf5_signature(const std::string& path);
bool has_png_signature(const std::string& path);

enum class OutputKind { File, Link, Directory };

struct OutputPath {
  std::string path;
  std::string flag;       // where the path came from, for messages: "--output", "checkpoint_dir"
  std::string what;       // what charnn writes there: "corpus cache", "sample text", "PNG", "link"
  OutputKind kind = OutputKind::File;
  // Whether an existing regular file (or the target of a symlink) at `path` is
  // what charnn writes there. Unset: any regular file.
  std::function<bool(const std::string&)> is_ours = {};
  bool needs_force = false;  // replacing an existing one needs --force ...
  bool force = false;        // ... and it was given
};
// Throws a one-line Error unless writing `out` is safe (rules above). `inputs`
// are the paths the command reads; empty strings and missing paths are skipped.
void check_output_path(const OutputPath& out, const std::vector<std::string>& inputs);

// An exclusive advisory lock (flock) on the file `path`, created if missing,
// held for the life of the object (and released by the kernel when the
// process dies, so a killed holder never leaves it stuck). The file records
// "pid P on host H since T" for the message of whoever is refused: when another
// process holds it, the constructor throws an Error "<what> is in use by
// another <who> (pid ...)". The file itself stays (removing a lock file races
// with a process that has just opened it).
class FileLock {
 public:
  FileLock(const std::string& path, const std::string& what, const std::string& who);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace charnn
