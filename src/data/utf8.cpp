#include "data/utf8.h"

#include "util/status.h"

namespace charnn {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_valid_utf8(const std::string& s) {
  Utf8Decoder dec;
  return dec.decode(reinterpret_cast<const unsigned char*>(s.data()), s.size(), [](uint32_t) {}) && dec.finish();
}

std::u32string decode_utf8(const std::string& s, const std::string& what) {
  std::u32string out;
  Utf8Decoder dec;
  bool ok = dec.decode(reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                       [&](uint32_t cp) { out.push_back(cp); });
  if (!ok || !dec.finish())
    fail(what, ": invalid UTF-8 at byte offset ", dec.error_offset());
  return out;
}

}  // namespace charnn
