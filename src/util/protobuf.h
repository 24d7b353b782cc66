// The one protobuf wire-format writer (https://protobuf.dev/programming-guides/encoding/):
// a message is built field by field into bytes, with no .proto compiler and no
// libprotobuf. Enough for the formats charnn writes (export/onnx.h's ONNX
// ModelProto, tensorboard/event_file.h's Event); fields are written in the order they are added, which every
// reader accepts.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace charnn::pb {

// Appends the low `bytes` bytes of `v`, least significant first: protobuf's
// fixed32/fixed64 (and float/double) on the wire, and TFRecord's framing.
// Byte by byte, so the host's byte order does not matter.
void append_little_endian(std::string& out, uint64_t v, int bytes);

class Message {
 public:
  // Wire type 0: int32, int64, uint64, bool and enum fields (a negative int64 is
  // its two's complement, ten bytes, as protobuf writes it).
  Message& varint(int field, uint64_t v);
  Message& int64(int field, int64_t v) { return varint(field, static_cast<uint64_t>(v)); }
  // Wire type 5 and 1: float and double fields.
  Message& float32(int field, float v);
  Message& float64(int field, double v);
  // Wire type 2: string, bytes and embedded message fields.
  Message& bytes(int field, const void* data, size_t n);
  Message& string(int field, const std::string& s) { return bytes(field, s.data(), s.size()); }
  Message& message(int field, const Message& m) { return bytes(field, m.data().data(), m.data().size()); }
  const std::string& data() const { return buf_; }

 private:
  void tag(int field, int wire_type);
  void raw_varint(uint64_t v);
  std::string buf_;
};

}  // namespace charnn::pb
