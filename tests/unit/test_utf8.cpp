#include <gtest/gtest.h>

#include <memory>

#include "data/utf8.h"
#include "util/status.h"

using namespace charnn;

static std::u32string decode_all(const std::string& s, size_t chunk, bool* ok, uint64_t* offset) {
  std::u32string out;
  Utf8Decoder d;
  *ok = true;
  for (size_t i = 0; i < s.size() && *ok; i += chunk) {
    size_t n = std::min(chunk, s.size() - i);
    *ok = d.decode(reinterpret_cast<const unsigned char*>(s.data() + i), n, [&](uint32_t c) { out.push_back(c); });
  }
  if (*ok) *ok = d.finish();
  *offset = d.error_offset();
  return out;
}

TEST(Utf8, DecodesOneToFourByteSequencesAcrossEveryChunkBoundary) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a é € 😀 z
  const std::u32string want = {U'a', 0xE9, 0x20AC, 0x1F600, U'z'};
  for (size_t chunk = 1; chunk <= s.size(); ++chunk) {
    bool ok;
    uint64_t off;
    EXPECT_EQ(decode_all(s, chunk, &ok, &off), want) << "chunk " << chunk;
    EXPECT_TRUE(ok);
  }
}

TEST(Utf8, ReportsTheOffsetOfInvalidSequences) {
  struct Case {
    std::string bytes;
    uint64_t offset;
  } cases[] = {
      {"ab\x80", 2},              // stray continuation byte
      {"a\xC0\xAF", 1},           // overlong 2-byte
      {"ab\xE0\x80\xAF", 2},      // overlong 3-byte
      {"\xED\xA0\x80", 0},        // UTF-16 surrogate
      {"xyz\xF4\x90\x80\x80", 3}, // above U+10FFFF
      {"\xF5\x80\x80\x80", 0},    // invalid lead
      {"a\xC3" "b", 1},           // sequence cut by an ASCII byte
  };
  for (auto& c : cases) {
    for (size_t chunk : {size_t(1), size_t(2), c.bytes.size()}) {
      bool ok;
      uint64_t off;
      decode_all(c.bytes, chunk, &ok, &off);
      EXPECT_FALSE(ok) << quoted(c.bytes);
      EXPECT_EQ(off, c.offset) << quoted(c.bytes) << " chunk " << chunk;
    }
  }
}

TEST(Utf8, TruncatedSequenceAtEndOfStreamIsAnError) {
  for (std::string s : {"abc\xE2\x82", "\xF0\x9F\x98", "x\xC3"}) {
    Utf8Decoder d;
    EXPECT_TRUE(d.decode(reinterpret_cast<const unsigned char*>(s.data()), s.size(), [](uint32_t) {}));
    EXPECT_FALSE(d.finish());
    EXPECT_TRUE(d.truncated());
  }
}

TEST(Utf8, ByteOrderMarkDecodesAsFEFF) {
  bool ok;
  uint64_t off;
  EXPECT_EQ(decode_all("\xEF\xBB\xBFhi", 2, &ok, &off), (std::u32string{0xFEFF, U'h', U'i'}));
}

TEST(Utf8, EncodeRoundTrip) {
  for (uint32_t cp : {0x24u, 0xA2u, 0x939u, 0x20ACu, 0xD55Cu, 0x10348u, 0x10FFFFu}) {
    std::string s;
    append_utf8(s, cp);
    EXPECT_EQ(decode_utf8(s, "t"), std::u32string(1, static_cast<char32_t>(cp)));
  }
  EXPECT_THROW(decode_utf8("\xFF", "t"), Error);
}

TEST(Utf8, FailureIsStickyAndFeedingMoreBytesWritesNothing) {
  // A sequence carried over from the previous chunk that completes invalid
  // (F4 90 80 80 is above U+10FFFF); the decoder lives on the heap so that
  // AddressSanitizer sees any write past its carry-over buffer.
  auto d = std::make_unique<Utf8Decoder>();
  const unsigned char lead[] = {0xF4}, rest[] = {0x90, 0x80, 0x80};
  int sunk = 0;
  auto sink = [&](uint32_t) { ++sunk; };
  EXPECT_TRUE(d->decode(lead, 1, sink));
  EXPECT_FALSE(d->decode(rest, 3, sink));
  EXPECT_EQ(d->error_offset(), 0u);
  const unsigned char more[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 'a', 'b'};
  for (int k = 0; k < 100; ++k) {
    EXPECT_FALSE(d->decode(more, sizeof more, sink));
    EXPECT_EQ(d->error_offset(), 0u);
  }
  EXPECT_FALSE(d->finish());
  EXPECT_EQ(d->error_offset(), 0u);
  EXPECT_EQ(sunk, 0);
}

TEST(Utf8, CarriedSequenceCutShortMidChunkReportsItsStart) {
  // "x" F0 | 90 "A": the 4-byte sequence starting at offset 1 is cut by 'A'
  // after one more continuation byte arrived in the second chunk.
  Utf8Decoder d;
  const unsigned char a[] = {'x', 0xF0}, b[] = {0x90, 'A'};
  EXPECT_TRUE(d.decode(a, 2, [](uint32_t) {}));
  EXPECT_FALSE(d.decode(b, 2, [](uint32_t) {}));
  EXPECT_EQ(d.error_offset(), 1u);
}
