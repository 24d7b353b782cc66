// TensorBoard event files, written by hand: TFRecord framing (uint64 length,
// masked CRC-32C of the length, the data, masked CRC-32C of the data) around
// Event protobufs. Only the few fields charnn writes are encoded (field numbers
// from tensorflow/core/util/event.proto and framework/summary.proto, tensor.proto):
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; float simple_value = 2; TensorProto tensor = 8; SummaryMetadata metadata = 9; }
//   SummaryMetadata { PluginData plugin_data = 1 { string plugin_name = 1; } }
//   TensorProto { DataType dtype = 1 (DT_STRING = 7); TensorShapeProto tensor_shape = 2;
//                 repeated bytes string_val = 8; }
// No protobuf library: built with util/protobuf.h (the one writer); the test decodes
// them with python3-protobuf (tests/integration/tensorboard_check.py).
#pragma once
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace charnn {

struct TbScalar {
  std::string tag;
  double value = 0;  // stored as float32 (simple_value)
};

// Event payloads (the protobuf bytes, unframed).
std::string event_file_version(double wall_time);  // the first record: file_version "brain.Event:2"
std::string event_scalars(double wall_time, int64_t step, const std::vector<TbScalar>& scalars);
std::string event_text(double wall_time, int64_t step, const std::string& tag, const std::string& text);
// One TFRecord: length, masked CRC of the length, data, masked CRC of the data.
std::string tfrecord(const std::string& data);
// Whether `path` starts with a well-framed record (both CRCs right): an event
// file, what `charnn tensorboard` may replace.
bool is_event_file(const std::string& path);
// Seconds since the Unix epoch, now (an Event's wall_time).
double unix_seconds_now();

// An event file being appended to (live training): created in `dir` as
// events.out.tfevents.<seconds>.<host>.<pid> with its file_version record;
// every record is flushed as it is written, as metrics.jsonl's lines are.
class EventFileWriter {
 public:
  explicit EventFileWriter(const std::string& dir);
  void write(const std::string& event);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace charnn
