#include "data/vocab.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "data/utf8.h"
#include "util/status.h"

namespace charnn {

const char* encoding_name(Encoding e) { return e == Encoding::Utf8 ? "utf-8" : "bytes"; }

Encoding parse_encoding(const std::string& s) {
  if (s == "utf-8" || s == "utf8" || s == "UTF-8") return Encoding::Utf8;
  if (s == "bytes") return Encoding::Bytes;
  fail("--encoding ", quoted(s), ": expected utf-8 or bytes");
}

Vocab Vocab::make(Encoding enc, std::vector<uint32_t> vals, std::vector<uint64_t> cnts) {
  Vocab v;
  v.encoding = enc;
  v.values = std::move(vals);
  v.counts = std::move(cnts);
  v.counts.resize(v.values.size(), 0);
  const uint32_t max_value = enc == Encoding::Bytes ? 0xFF : 0x10FFFF;
  for (uint32_t id = 0; id < v.values.size(); ++id) {
    const uint32_t x = v.values[id];
    if (x > max_value || (enc == Encoding::Utf8 && x >= 0xD800 && x <= 0xDFFF))
      fail("vocabulary token ", id, " has value ", x, ", not a ", enc == Encoding::Bytes ? "byte" : "Unicode scalar value");
    v.index.emplace_back(x, id);
  }
  std::sort(v.index.begin(), v.index.end());
  for (size_t i = 1; i < v.index.size(); ++i)
    if (v.index[i].first == v.index[i - 1].first) fail("vocabulary lists token ", v.values[v.index[i].second], " twice");
  return v;
}

int64_t Vocab::id_of(uint32_t value) const {
  auto it = std::lower_bound(index.begin(), index.end(), std::make_pair(value, uint32_t(0)));
  if (it == index.end() || it->first != value) return -1;
  return it->second;
}

std::string Vocab::text(size_t id) const {
  std::string s;
  if (encoding == Encoding::Bytes) s += static_cast<char>(values[id]);
  else append_utf8(s, values[id]);
  return s;
}

std::string Vocab::display(size_t id) const {
  uint32_t v = values[id];
  switch (v) {
    case '\n': return "\\n";
    case '\t': return "\\t";
    case '\r': return "\\r";
    case ' ': return "' '";
  }
  if (v < 0x20 || v == 0x7f || (encoding == Encoding::Bytes && v >= 0x80)) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "\\x%02x", v);
    return buf;
  }
  if (v >= 0x80 && v < 0xA0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", v);
    return buf;
  }
  return text(id);
}

std::vector<uint32_t> Vocab::tokenize(const std::string& s, const std::string& what) const {
  std::vector<uint32_t> out;
  if (encoding == Encoding::Bytes) {
    for (unsigned char c : s) out.push_back(c);
  } else {
    for (char32_t c : decode_utf8(s, what)) out.push_back(static_cast<uint32_t>(c));
  }
  return out;
}

Vocab Vocab::from_counts(const std::vector<uint64_t>& counts_by_value, Encoding enc) {
  std::vector<uint32_t> values;
  std::vector<uint64_t> counts;
  for (size_t value = 0; value < counts_by_value.size(); ++value) {
    if (counts_by_value[value]) {
      values.push_back(static_cast<uint32_t>(value));
      counts.push_back(counts_by_value[value]);
    }
  }
  return make(enc, std::move(values), std::move(counts));
}

Vocab vocab_following(const Vocab& base, const std::vector<uint64_t>& counts_by_value) {
  std::vector<uint32_t> values = base.values;
  std::vector<uint64_t> counts;
  for (uint32_t v : base.values) counts.push_back(v < counts_by_value.size() ? counts_by_value[v] : 0);
  for (size_t value = 0; value < counts_by_value.size(); ++value)
    if (counts_by_value[value] && base.id_of(static_cast<uint32_t>(value)) < 0) {
      values.push_back(static_cast<uint32_t>(value));
      counts.push_back(counts_by_value[value]);
    }
  return Vocab::make(base.encoding, std::move(values), std::move(counts));
}

int Vocab::id_bytes() const {
  if (values.size() <= 256) return 1;
  if (values.size() <= 65536) return 2;
  return 4;
}

std::vector<int64_t> ids_of_text(const Vocab& vocab, const std::string& text, const std::string& what,
                                 bool skip_unknown) {
  std::vector<int64_t> ids;
  std::string unknown;
  std::set<uint32_t> seen;
  for (uint32_t v : vocab.tokenize(text, what)) {
    const int64_t id = vocab.id_of(v);
    if (id >= 0) {
      ids.push_back(id);
      continue;
    }
    if (!seen.insert(v).second || seen.size() > 40) continue;  // each once; 40 are enough to see
    if (vocab.encoding == Encoding::Bytes) unknown += " " + std::string(1, static_cast<char>(v)) + " ";
    else unknown += " " + Vocab::make(vocab.encoding, {v}, {}).display(0) + " ";
  }
  if (seen.size() > 40) unknown += cat("(and ", seen.size() - 40, " more) ");
  if (!unknown.empty() && !skip_unknown)
    fail(what, " has characters that are not in the model's vocabulary:", unknown,
         "; remove them or pass --skip-unknown to drop them");
  return ids;
}

std::string describe_vocab_difference(const Vocab& a, const Vocab& b) {
  std::string only_a, only_b;
  int na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (b.id_of(a.values[i]) < 0 && na++ < 20) only_a += " " + a.display(i);
  for (size_t i = 0; i < b.size(); ++i)
    if (a.id_of(b.values[i]) < 0 && nb++ < 20) only_b += " " + b.display(i);
  std::string out;
  if (a.encoding != b.encoding)
    out += cat("encodings differ (", encoding_name(a.encoding), " vs ", encoding_name(b.encoding), "); ");
  out += cat(na, " token(s) only in the first:", na ? only_a : " -", na > 20 ? " ..." : "",
             "; ", nb, " only in the second:", nb ? only_b : " -", nb > 20 ? " ..." : "");
  if (!na && !nb && a.values != b.values) out += "; same tokens in a different order";
  return out;
}

}  // namespace charnn
