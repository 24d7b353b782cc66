#include "sweep/rung_records.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/json_text.h"
#include "util/status.h"

namespace charnn {

namespace {

// An open record file, locked (F_WRLCK or F_RDLCK on the whole file) until it goes out of scope.
class LockedFile {
 public:
  LockedFile(const std::string& path, bool write) : path_(path) {
    fd_ = ::open(path.c_str(), write ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0644);
    if (fd_ < 0) fail(path, ": cannot open the ASHA record file: ", std::strerror(errno));
    struct flock fl {};
    fl.l_type = write ? F_WRLCK : F_RDLCK;
    fl.l_whence = SEEK_SET;  // l_start = l_len = 0: the whole file, however long it grows
    while (::fcntl(fd_, F_SETLKW, &fl) != 0) {
      if (errno == EINTR) continue;  // a signal (the stop signals): keep waiting, the decision is short
      const int err = errno;
      ::close(fd_);
      fail(path, ": cannot lock the ASHA record file: ", std::strerror(err),
           err == ENOLCK ? " (no lock manager: is the filesystem mounted with nolock?)" : "");
    }
  }
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;
  ~LockedFile() { ::close(fd_); }  // closing releases the lock

  std::string read_all() const {
    std::string out;
    char buf[65536];
    for (off_t at = 0;;) {
      const ssize_t n = ::pread(fd_, buf, sizeof buf, at);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail(path_, ": cannot read: ", std::strerror(errno));
      if (n == 0) return out;
      out.append(buf, static_cast<size_t>(n));
      at += n;
    }
  }
  // Writes `text` at `at` as the file's new end and makes it durable before the lock is released.
  void write_end(const std::string& text, off_t at) const {
    for (size_t done = 0; done < text.size();) {
      const ssize_t n = ::pwrite(fd_, text.data() + done, text.size() - done, at + static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail(path_, ": cannot append the ASHA record: ", std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    if (::ftruncate(fd_, at + static_cast<off_t>(text.size())) != 0)
      fail(path_, ": cannot truncate: ", std::strerror(errno));
    if (::fsync(fd_) != 0) fail(path_, ": fsync failed: ", std::strerror(errno));
  }

 private:
  std::string path_;
  int fd_ = -1;
};

RungRecord parse_record(const std::string& line, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    fail(where, ": not a JSON object (the ASHA record file holds one per line)");
  }
  auto bad = [&](const char* key) {
    fail(where, ": ", key, ": got ", j.contains(key) ? json_shown(j[key]) : "nothing", ", expected ",
         std::strcmp(key, "trial") == 0 ? "a string" : std::strcmp(key, "continues") == 0 ? "true or false"
                                                                                            : "a number >= 0");
  };
  if (!j.is_object()) fail(where, ": got ", json_shown(j), ", expected a JSON object");
  RungRecord r;
  if (!j.contains("trial") || !j["trial"].is_string()) bad("trial");
  r.trial = j["trial"].get<std::string>();
  for (const char* key : {"rung", "iter"})
    if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() < 0) bad(key);
  r.rung = j["rung"].get<int64_t>(), r.iter = j["iter"].get<int64_t>();
  if (!j.contains("loss") || !j["loss"].is_number() || !std::isfinite(j["loss"].get<double>())) bad("loss");
  r.loss = j["loss"].get<double>();
  if (!j.contains("continues") || !j["continues"].is_boolean()) bad("continues");
  r.continues = j["continues"].get<bool>();
  return r;
}

std::vector<RungRecord> parse_records(const std::string& text, const std::string& path) {
  std::vector<RungRecord> out;
  size_t at = 0;
  for (int64_t line_no = 1; at < text.size(); ++line_no) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string::npos) break;  // no newline: a writer died mid-line; the next append starts a new one
    const std::string line = text.substr(at, nl - at);
    if (!line.empty()) out.push_back(parse_record(line, cat(path, ":", line_no)));
    at = nl + 1;
  }
  return out;
}

}  // namespace

RungRecord record_rung(const std::string& path, const std::string& trial, int64_t rung, int64_t iter, double loss,
                       int64_t eta) {
  const LockedFile f(path, true);
  const std::string text = f.read_all();
  const std::vector<RungRecord> records = parse_records(text, path);
  const RungRecord r = decide_at_rung(records, trial, rung, iter, loss, eta);
  for (const RungRecord& e : records)
    if (e.trial == trial && e.rung == rung) return r;  // decided before (a requeued trial): nothing new
  const nlohmann::json j = {{"trial", r.trial}, {"rung", r.rung}, {"iter", r.iter}, {"loss", r.loss},
                            {"continues", r.continues}};
  // After the last whole line: a partial line that a writer left when it died is overwritten.
  const size_t end = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  f.write_end(j.dump() + "\n", static_cast<off_t>(end));
  return r;
}

std::vector<RungRecord> read_rung_records(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) return {};
  const LockedFile f(path, false);
  return parse_records(f.read_all(), path);
}

}  // namespace charnn
