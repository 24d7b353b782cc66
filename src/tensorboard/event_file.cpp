#include "tensorboard/event_file.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "tensorboard/crc32c.h"
#include "util/protobuf.h"
#include "util/fsutil.h"
#include "util/process.h"
#include "util/status.h"

namespace charnn {

namespace {

// An Event (tensorflow/core/util/event.proto): wall_time = 1, step = 2.
pb::Message event_head(double wall_time, int64_t step) {
  pb::Message e;
  e.float64(1, wall_time);
  if (step != 0) e.int64(2, step);  // proto3: a zero is not written
  return e;
}

// summary = 5: a Summary of Values (field 1).
std::string event_with_summary(double wall_time, int64_t step, const std::vector<pb::Message>& values) {
  pb::Message summary;
  for (const auto& v : values) summary.message(1, v);
  return event_head(wall_time, step).message(5, summary).data();
}

uint64_t read_le(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::string event_file_version(double wall_time) {
  return event_head(wall_time, 0).string(3, "brain.Event:2").data();  // file_version = 3
}

// Summary.Value: tag = 1, simple_value = 2.
std::string event_scalars(double wall_time, int64_t step, const std::vector<TbScalar>& scalars) {
  std::vector<pb::Message> values;
  for (const auto& s : scalars) values.push_back(pb::Message().string(1, s.tag).float32(2, static_cast<float>(s.value)));
  return event_with_summary(wall_time, step, values);
}

// Summary.Value: tag = 1, tensor = 8 (a DT_STRING scalar: dtype 1 = 7, an empty
// tensor_shape 2, string_val 8), metadata = 9 (plugin_data 1 { plugin_name 1: "text" }).
std::string event_text(double wall_time, int64_t step, const std::string& tag, const std::string& text) {
  const pb::Message tensor = pb::Message().varint(1, 7).message(2, pb::Message()).string(8, text);
  const pb::Message metadata = pb::Message().message(1, pb::Message().string(1, "text"));
  return event_with_summary(wall_time, step, {pb::Message().string(1, tag).message(8, tensor).message(9, metadata)});
}

std::string tfrecord(const std::string& data) {
  std::string len;
  pb::append_little_endian(len, data.size(), 8);
  std::string out = len;
  pb::append_little_endian(out, masked_crc32c(len.data(), len.size()), 4);
  out += data;
  pb::append_little_endian(out, masked_crc32c(data.data(), data.size()), 4);
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
