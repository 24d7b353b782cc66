// data/utf8: the streaming decoder preprocessing runs over every corpus byte,
// and decode_utf8 (vocabulary tokens, primetext). Properties:
//  - decode_utf8 returns or throws charnn::Error, and agrees with Utf8Decoder;
//  - acceptance and the error offset match an independent check of Unicode's
//    well-formed byte sequences (Table 3-7): the offset is where the first
//    ill-formed (or, at the end, truncated) sequence starts;
//  - decoding in chunks split anywhere gives the same code points and offset;
//  - valid input round-trips: append_utf8 of the code points is the input.
#include <cstdint>
#include <string>
#include <vector>

#include "data/utf8.h"
#include "fuzz_common.h"

using namespace charnn;
using fuzz::expect;

namespace {

// Length of the well-formed sequence starting at s[i], 0 if none (Table 3-7).
size_t well_formed_at(const unsigned char* s, size_t n, size_t i) {
  const unsigned char c = s[i];
  auto in = [&](size_t k, unsigned lo, unsigned hi) { return i + k < n && s[i + k] >= lo && s[i + k] <= hi; };
  if (c <= 0x7F) return 1;
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

struct Decoded {
  bool ok = false;
  uint64_t offset = 0;
  std::u32string cps;
};

// Decodes `bytes` in chunks whose lengths cycle through `cuts` (0: the rest at once).
Decoded decode_chunked(const std::string& bytes, const std::vector<size_t>& cuts) {
  Decoded d;
  Utf8Decoder dec;
  auto sink = [&](uint32_t cp) { d.cps.push_back(cp); };
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t at = 0, k = 0;
  bool ok = true;
  while (ok && at < bytes.size()) {
    size_t len = cuts.empty() || cuts[k % cuts.size()] == 0 ? bytes.size() - at : cuts[k % cuts.size()];
    len = std::min(len, bytes.size() - at);
    ok = dec.decode(p + at, len, sink);
    at += len, ++k;
  }
  if (ok) ok = dec.decode(p + at, 0, sink);  // an empty chunk changes nothing
  d.ok = ok && dec.finish();
  d.offset = dec.error_offset();
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first byte chooses the chunk lengths (1..4 bytes, cycling); the rest is the text.
  std::vector<size_t> cuts;
  if (size > 0) {
    for (int b = 0; b < 4; ++b) cuts.push_back((data[0] >> (2 * b)) & 3 ? ((data[0] >> (2 * b)) & 3) : 4);
    ++data, --size;
  }
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());

  // The reference: where the first ill-formed sequence starts (size if none).
  size_t ref_bad = 0;
  std::u32string ref_prefix_cps;
  while (ref_bad < size) {
    const size_t len = well_formed_at(s, size, ref_bad);
    if (len == 0) break;
    expect(Utf8Decoder::sequence_length(s[ref_bad]) == static_cast<int>(len), "sequence_length disagrees with Table 3-7");
    const int64_t cp = Utf8Decoder::decode_one(s + ref_bad, static_cast<int>(len));
    expect(cp >= 0, "decode_one rejects a well-formed sequence");
    ref_prefix_cps.push_back(static_cast<char32_t>(cp));
    ref_bad += len;
  }
  const bool ref_ok = ref_bad == size;

  std::u32string cps;
  const bool ok = fuzz::returns_or_throws_error([&] { cps = decode_utf8(bytes, "fuzz input"); });
  expect(ok == ref_ok, ok ? "decode_utf8 accepts ill-formed UTF-8" : "decode_utf8 rejects well-formed UTF-8");

  const Decoded whole = decode_chunked(bytes, {});
  const Decoded chunked = decode_chunked(bytes, cuts);
  expect(whole.ok == ok && chunked.ok == ok, "Utf8Decoder and decode_utf8 disagree on validity");
  expect(whole.cps == ref_prefix_cps, "whole-buffer decoding: code points differ from the reference");
  expect(chunked.cps == ref_prefix_cps, "chunked decoding: code points differ from whole-buffer decoding");
  if (ok) {
    expect(cps == ref_prefix_cps, "decode_utf8: code points differ from the reference");
    std::string back;
    for (char32_t cp : cps) append_utf8(back, cp);
    expect(back == bytes, "append_utf8(decode_utf8(s)) != s");
  } else {
    expect(whole.offset == ref_bad, "error offset is not where the first ill-formed sequence starts");
    expect(chunked.offset == ref_bad, "chunked decoding reports another error offset");
  }
  return 0;
}
