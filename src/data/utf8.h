// Streaming UTF-8 decoding: bytes in, Unicode code points out.
// A sequence split across two chunks is carried over; invalid or truncated
// input stops decoding and reports the absolute byte offset of the bad sequence.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace charnn {

class Utf8Decoder {
 public:
  // Decode the next chunk of the stream, calling sink(code_point) for each
  // complete character. Returns false on invalid input (see error_offset()).
  template <typename Sink>
  bool decode(const unsigned char* p, size_t n, Sink&& sink);
  // The stream ended: false if it ended inside a multi-byte sequence.
  bool finish();
  // Absolute offset (from the first byte ever given) of the offending sequence.
  uint64_t error_offset() const { return error_offset_; }
  bool truncated() const { return truncated_; }

  // Expected sequence length for a lead byte, 0 if it cannot start a sequence.
  static int sequence_length(unsigned char lead);
  // Validates and decodes one complete sequence of `len` bytes; -1 if invalid.
  static int64_t decode_one(const unsigned char* s, int len);

 private:
  // Failure is sticky: after a bad sequence the stream is bad from there on, so
  // later chunks decode nothing and error_offset() keeps naming the first error.
  bool fail_at(uint64_t offset) {
    error_offset_ = offset;
    failed_ = true;
    pending_len_ = 0;
    return false;
  }

  static constexpr int kMaxSequence = 4;
  unsigned char pending_[kMaxSequence];
  int pending_len_ = 0;   // bytes of an incomplete sequence held from the last chunk
  int pending_need_ = 0;  // its full length
  uint64_t consumed_ = 0;  // bytes of the stream before the current chunk
  uint64_t error_offset_ = 0;
  bool truncated_ = false;
  bool failed_ = false;
};

// Append the UTF-8 encoding of `cp` to `out`.
void append_utf8(std::string& out, uint32_t cp);
// True when `s` is well-formed UTF-8 as a whole.
bool is_valid_utf8(const std::string& s);
// Decode a whole string; throws Error mentioning `what` on invalid UTF-8.
std::u32string decode_utf8(const std::string& s, const std::string& what);

// ---- implementation (inline: the hot loop of preprocessing) ----

inline int Utf8Decoder::sequence_length(unsigned char c) {
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;  // continuation byte or overlong 2-byte lead
  if (c < 0xE0) return 2;
  if (c < 0xF0) return 3;
  if (c < 0xF5) return 4;
  return 0;
}

inline int64_t Utf8Decoder::decode_one(const unsigned char* s, int len) {
  switch (len) {
    case 1:
      return s[0];
    case 2:
      if ((s[1] & 0xC0) != 0x80) return -1;
      return ((s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    case 3: {
      if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return -1;
      uint32_t cp = ((s[0] & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
      if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;  // overlong, surrogate
      return cp;
    }
    case 4: {
      if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return -1;
      uint32_t cp = ((s[0] & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
      if (cp < 0x10000 || cp > 0x10FFFF) return -1;
      return cp;
    }
  }
  return -1;
}

template <typename Sink>
bool Utf8Decoder::decode(const unsigned char* p, size_t n, Sink&& sink) {
  if (failed_) return false;
  size_t i = 0;
  // Finish a sequence begun in an earlier chunk. pending_len_ < pending_need_ <=
  // kMaxSequence here; the explicit bound keeps every write inside pending_.
  while (pending_len_ > 0 && pending_len_ < pending_need_ && pending_len_ < kMaxSequence && i < n) {
    unsigned char c = p[i];
    if ((c & 0xC0) != 0x80)  // cut short by a non-continuation byte; the sequence began pending_len_ bytes back
      return fail_at(consumed_ + i - pending_len_);
    pending_[pending_len_++] = c;
    ++i;
    if (pending_len_ == pending_need_) {
      int64_t cp = decode_one(pending_, pending_need_);
      if (cp < 0) return fail_at(consumed_ + i - pending_need_);
      sink(static_cast<uint32_t>(cp));
      pending_len_ = 0;
    }
  }
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {  // ASCII fast path
      sink(static_cast<uint32_t>(c));
      ++i;
      continue;
    }
    int len = sequence_length(c);
    if (len == 0) return fail_at(consumed_ + i);
    if (i + len > n) {  // incomplete at the end of this chunk (n - i < len <= kMaxSequence): keep it
      pending_len_ = 0;
      for (size_t k = i; k < n && pending_len_ < kMaxSequence; ++k) {
        if (k > i && (p[k] & 0xC0) != 0x80) return fail_at(consumed_ + i);
        pending_[pending_len_++] = p[k];
      }
      pending_need_ = len;
      break;
    }
    int64_t cp = decode_one(p + i, len);
    if (cp < 0) return fail_at(consumed_ + i);
    sink(static_cast<uint32_t>(cp));
    i += len;
  }
  consumed_ += n;
  return true;
}

inline bool Utf8Decoder::finish() {
  if (failed_) return false;
  if (pending_len_ > 0) {
    error_offset_ = consumed_ - pending_len_;
    truncated_ = true;
    return false;
  }
  return true;
}

}  // namespace charnn
