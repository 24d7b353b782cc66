// The vocabulary: which tokens exist, their ids and counts.
// A token is a Unicode code point (encoding utf-8) or a byte (encoding bytes).
// charnn assigns ids in ascending order of the token's value, so the same text
// always gives the same ids (unless preprocess --vocab-from gives a
// checkpoint's order, new tokens after it); a torch-rnn cache keeps its own
// (first-seen) order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace charnn {

enum class Encoding { Utf8, Bytes };
const char* encoding_name(Encoding e);
Encoding parse_encoding(const std::string& s);  // throws on anything but utf-8|bytes

struct Vocab {
  Encoding encoding = Encoding::Utf8;
  std::vector<uint32_t> values;  // code point or byte value of each id
  std::vector<uint64_t> counts;  // occurrences in the corpus (0 where unknown)
  std::vector<std::pair<uint32_t, uint32_t>> index;  // (value, id) sorted by value

  // Build from values in id order; rejects duplicates.
  static Vocab make(Encoding enc, std::vector<uint32_t> values, std::vector<uint64_t> counts);

  size_t size() const { return values.size(); }
  // Id of a code point / byte, or -1 if it is not in the vocabulary.
  int64_t id_of(uint32_t value) const;
  // The token's text: its UTF-8 encoding (utf-8) or the raw byte (bytes).
  std::string text(size_t id) const;
  // A printable form for messages and tables: '\n' for newline, U+00A0 style for others.
  std::string display(size_t id) const;
  // Split text into token values according to the encoding (throws on invalid UTF-8).
  std::vector<uint32_t> tokenize(const std::string& text, const std::string& what) const;
  // Build from counts indexed by value (size 256 for bytes, 0x110000 for utf-8).
  static Vocab from_counts(const std::vector<uint64_t>& counts_by_value, Encoding enc);
  // The smallest unsigned width (1, 2 or 4 bytes) that holds every id.
  int id_bytes() const;

  bool operator==(const Vocab& o) const { return encoding == o.encoding && values == o.values; }
};

// The vocabulary of a corpus whose counts by value are `counts_by_value`, with
// the ids of `base` (a checkpoint's): every token of `base` keeps its id (and
// count, 0 when the corpus lacks it), then the corpus's other tokens follow in
// ascending value order. So a model of `base` fine-tuned on it keeps every row.
Vocab vocab_following(const Vocab& base, const std::vector<uint64_t>& counts_by_value);

// The ids of `text`, split as the vocabulary's encoding splits it (`what`
// names the text in a UTF-8 error: "--primetext", "--text FILE"). Tokens that
// are not in the vocabulary are dropped with `skip_unknown`; otherwise they are
// one Error listing each once: "WHAT has characters that are not in the model's
// vocabulary: € ; remove them or pass --skip-unknown to drop them".
std::vector<int64_t> ids_of_text(const Vocab& vocab, const std::string& text, const std::string& what,
                                 bool skip_unknown);

// Tokens present in `a` but not `b`, and the reverse, as display strings (for mismatch errors).
std::string describe_vocab_difference(const Vocab& a, const Vocab& b);

}  // namespace charnn
