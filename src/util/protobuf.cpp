#include "util/protobuf.h"

#include <cstring>

namespace charnn::pb {

void Message::raw_varint(uint64_t v) {
  while (v >= 0x80) {
    buf_ += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf_ += static_cast<char>(v);
}

void Message::tag(int field, int wire_type) { raw_varint((static_cast<uint64_t>(field) << 3) | wire_type); }

Message& Message::varint(int field, uint64_t v) {
  tag(field, 0);
  raw_varint(v);
  return *this;
}

void append_little_endian(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

Message& Message::float32(int field, float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  tag(field, 5);
  append_little_endian(buf_, u, 4);
  return *this;
}

Message& Message::float64(int field, double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  tag(field, 1);
  append_little_endian(buf_, u, 8);
  return *this;
}

Message& Message::bytes(int field, const void* data, size_t n) {
  tag(field, 2);
  raw_varint(n);
  buf_.append(static_cast<const char*>(data), n);
  return *this;
}

}  // namespace charnn::pb
