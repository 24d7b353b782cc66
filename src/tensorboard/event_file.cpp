#include "tensorboard/event_file.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "tensorboard/crc32c.h"
#include "util/fsutil.h"
#include "util/process.h"
#include "util/status.h"

namespace charnn {

namespace {

// Protobuf wire format: a key is (field << 3) | wire type.
enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

void varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void key(std::string& out, uint32_t field, Wire w) { varint(out, (field << 3) | w); }

void little_endian(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void bytes_field(std::string& out, uint32_t field, const std::string& data) {
  key(out, field, kBytes);
  varint(out, data.size());
  out += data;
}

void double_field(std::string& out, uint32_t field, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  key(out, field, kFixed64);
  little_endian(out, bits, 8);
}

void float_field(std::string& out, uint32_t field, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  key(out, field, kFixed32);
  little_endian(out, bits, 4);
}

std::string event_head(double wall_time, int64_t step) {
  std::string e;
  double_field(e, 1, wall_time);
  if (step != 0) {  // proto3: a zero is not written
    key(e, 2, kVarint);
    varint(e, static_cast<uint64_t>(step));
  }
  return e;
}

std::string event_with_summary(double wall_time, int64_t step, const std::vector<std::string>& values) {
  std::string summary;
  for (const auto& v : values) bytes_field(summary, 1, v);
  std::string e = event_head(wall_time, step);
  bytes_field(e, 5, summary);
  return e;
}

uint64_t read_le(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::string event_file_version(double wall_time) {
  std::string e = event_head(wall_time, 0);
  bytes_field(e, 3, "brain.Event:2");
  return e;
}

std::string event_scalars(double wall_time, int64_t step, const std::vector<TbScalar>& scalars) {
  std::vector<std::string> values;
  for (const auto& s : scalars) {
    std::string v;
    bytes_field(v, 1, s.tag);
    float_field(v, 2, static_cast<float>(s.value));
    values.push_back(std::move(v));
  }
  return event_with_summary(wall_time, step, values);
}

std::string event_text(double wall_time, int64_t step, const std::string& tag, const std::string& text) {
  std::string plugin, metadata, shape, tensor, v;
  bytes_field(plugin, 1, "text");
  bytes_field(metadata, 1, plugin);
  key(tensor, 1, kVarint);
  varint(tensor, 7);  // DT_STRING
  bytes_field(tensor, 2, shape);  // a scalar: no dims
  bytes_field(tensor, 8, text);
  bytes_field(v, 1, tag);
  bytes_field(v, 8, tensor);
  bytes_field(v, 9, metadata);
  return event_with_summary(wall_time, step, {v});
}

std::string tfrecord(const std::string& data) {
  std::string len;
  little_endian(len, data.size(), 8);
  std::string out = len;
  little_endian(out, masked_crc32c(len.data(), len.size()), 4);
  out += data;
  little_endian(out, masked_crc32c(data.data(), data.size()), 4);
  return out;
}

bool is_event_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[12];
  if (!in.read(reinterpret_cast<char*>(head), 12)) return false;
  const uint64_t n = read_le(head, 8);
  if (static_cast<uint32_t>(read_le(head + 8, 4)) != masked_crc32c(head, 8) || n > (1u << 30)) return false;
  std::string data(n, '\0');
  unsigned char crc[4];
  if (!in.read(data.data(), static_cast<std::streamsize>(n)) || !in.read(reinterpret_cast<char*>(crc), 4))
    return false;
  return static_cast<uint32_t>(read_le(crc, 4)) == masked_crc32c(data.data(), data.size());
}

double unix_seconds_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

EventFileWriter::EventFileWriter(const std::string& dir) {
  make_dirs(dir);
  const double now = unix_seconds_now();
  path_ = cat(dir, "/events.out.tfevents.", static_cast<int64_t>(now), ".", host_name(), ".", ::getpid());
  out_.open(path_, std::ios::binary | std::ios::app);
  if (!out_) fail(dir, ": cannot write the TensorBoard event file ", path_, ": ", std::strerror(errno));
  write(event_file_version(now));
}

void EventFileWriter::write(const std::string& event) {
  out_ << tfrecord(event);
  out_.flush();
  // A full disk must stop the run with its reason, as metrics.jsonl's lines do.
  if (!out_) fail(path_, ": cannot write: ", std::strerror(errno));
}

}  // namespace charnn
