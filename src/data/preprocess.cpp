#include "data/preprocess.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "data/h5.h"
#include "data/seal.h"
#include "data/utf8.h"
#include "util/fsutil.h"
#include "util/sha256.h"
#include "util/status.h"

namespace charnn {

SplitSizes split_sizes(uint64_t n, double val_frac, double test_frac) {
  auto check_frac = [](const char* name, double f) {
    if (!(f >= 0.0 && f < 1.0)) fail("--", name, " ", f, ": expected a fraction in [0, 1)");
  };
  check_frac("val-frac", val_frac);
  check_frac("test-frac", test_frac);
  if (val_frac + test_frac >= 1.0)
    fail("--val-frac ", val_frac, " + --test-frac ", test_frac, " = ", val_frac + test_frac,
         ": must leave a non-empty train split (sum < 1)");
  SplitSizes s;
  s.val = static_cast<uint64_t>(std::floor(static_cast<long double>(n) * val_frac));
  s.test = static_cast<uint64_t>(std::floor(static_cast<long double>(n) * test_frac));
  s.train = n - s.val - s.test;
  auto need = [&](const char* name, double frac, uint64_t got) {
    if (frac > 0 && got == 0)
      fail(name, " split of ", frac, " x ", n, " tokens comes out empty: give more text or a larger fraction");
  };
  need("val", val_frac, s.val);
  need("test", test_frac, s.test);
  if (s.train == 0) fail("train split comes out empty (", n, " tokens)");
  return s;
}

namespace {

constexpr size_t kReadBytes = 4 << 20;

// Reads one input file in large blocks, calling fn(data, n) for each.
template <typename Fn>
void stream_file(const std::string& path, std::vector<unsigned char>& buf, Fn&& fn) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail(path, ": cannot open input: ", std::strerror(errno));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  while (true) {
    ssize_t got = ::read(fd, buf.data(), buf.size());
    if (got < 0) {
      int err = errno;
      ::close(fd);
      fail(path, ": read error: ", std::strerror(err));
    }
    if (got == 0) break;
    fn(buf.data(), static_cast<size_t>(got));
  }
  ::close(fd);
}

// Calls sink(value) for every token of every input, in order. In utf-8 mode a
// leading BOM of each file is dropped; invalid UTF-8 is a clear error.
template <typename Sink, typename Bytes>
void for_each_token(const PreprocessOptions& opt, std::vector<unsigned char>& buf, Sink&& sink, Bytes&& on_bytes) {
  for (const auto& path : opt.inputs) {
    if (opt.encoding == Encoding::Bytes) {
      stream_file(path, buf, [&](const unsigned char* p, size_t n) {
        on_bytes(p, n);
        for (size_t i = 0; i < n; ++i) sink(static_cast<uint32_t>(p[i]));
      });
      continue;
    }
    Utf8Decoder dec;
    bool first = true;
    auto report = [&]() {
      fail(path, ": invalid UTF-8 at byte offset ", dec.error_offset(),
           dec.truncated() ? " (file ends inside a multi-byte character)" : "",
           "; use --encoding bytes to treat the input as raw bytes");
    };
    stream_file(path, buf, [&](const unsigned char* p, size_t n) {
      on_bytes(p, n);
      if (first) {
        first = false;
        bool bom = n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF;
        if (bom) {
          // Feed the BOM through the decoder (keeps offsets right) but drop it.
          if (!dec.decode(p, 3, [](uint32_t) {})) report();
          p += 3, n -= 3;
        }
      }
      if (!dec.decode(p, n, sink)) report();
    });
    if (!dec.finish()) report();
  }
}

template <typename T>
void write_ids(const PreprocessOptions& opt, const Vocab& vocab, const SplitSizes& splits, h5::Handle dsets[3],
               std::vector<unsigned char>& buf) {
  std::vector<uint32_t> id_of_value(opt.encoding == Encoding::Bytes ? 256 : 0x110000, 0);
  for (size_t id = 0; id < vocab.size(); ++id) id_of_value[vocab.values[id]] = static_cast<uint32_t>(id);
  const uint64_t ends[3] = {splits.train, splits.train + splits.val, splits.train + splits.val + splits.test};
  std::vector<T> out(1 << 20);
  size_t fill = 0;
  uint64_t pos = 0;  // global token index of out[0]
  int split = 0;
  auto flush = [&]() {
    size_t done = 0;
    while (done < fill) {
      while (split < 3 && pos + done >= ends[split]) ++split;
      uint64_t start = split == 0 ? 0 : ends[split - 1];
      uint64_t take = std::min<uint64_t>(fill - done, ends[split] - (pos + done));
      h5::write_1d(dsets[split], h5::native_type<T>(), pos + done - start, take, out.data() + done);
      done += take;
    }
    pos += fill;
    fill = 0;
  };
  for_each_token(
      opt, buf,
      [&](uint32_t v) {
        out[fill++] = static_cast<T>(id_of_value[v]);
        if (fill == out.size()) flush();
      },
      [](const unsigned char*, size_t) {});
  flush();
}

}  // namespace

bool is_corpus_cache_file(const std::string& path) {
  if (!has_hdf5_signature(path)) return false;
  try {
    h5::Handle f = h5::open_file(path);
    return h5::has_attr(f, "format") && h5::get_attr_string(f, "format") == kCorpusFormatName;
  } catch (const Error&) {
    return false;  // truncated or corrupt: not one charnn finished writing
  }
}

PreprocessResult preprocess(const PreprocessOptions& opt) {
  if (opt.inputs.empty()) fail("preprocess: no --input given");
  if (opt.output.empty()) fail("preprocess: no --output given");
  for (const auto& in : opt.inputs) require_readable_file(in, "input text file");
  // Never over an input, and with --force only over a cache this wrote (util/fsutil.h).
  OutputPath out{opt.output, "--output", "corpus cache", OutputKind::File, is_corpus_cache_file, true, opt.force};
  std::vector<std::string> read = opt.inputs;
  read.push_back(opt.vocab_from);
  check_output_path(out, read);
  split_sizes(1000000, opt.val_frac, opt.test_frac);  // validate fractions before reading anything

  // Pass 1: count tokens, hash bytes.
  std::vector<unsigned char> buf(kReadBytes);
  std::vector<uint64_t> counts(opt.encoding == Encoding::Bytes ? 256 : 0x110000, 0);
  Sha256 sha;
  PreprocessResult res;
  std::vector<uint64_t> input_sizes;
  uint64_t n_tokens = 0;
  for (const auto& path : opt.inputs) {
    PreprocessOptions one = opt;
    one.inputs = {path};
    uint64_t bytes = 0;
    for_each_token(
        one, buf, [&](uint32_t v) { ++counts[v]; },
        [&](const unsigned char* p, size_t n) {
          sha.update(p, n);
          bytes += n;
        });
    input_sizes.push_back(bytes);
    res.input_bytes += bytes;
  }
  for (auto c : counts) n_tokens += c;
  if (n_tokens == 0) fail(opt.inputs.size() == 1 ? opt.inputs[0] : std::string("inputs"), ": input is empty, nothing to preprocess");
  res.sha256 = sha.hex();
  res.vocab = opt.base_vocab ? vocab_following(*opt.base_vocab, counts) : Vocab::from_counts(counts, opt.encoding);
  res.splits = split_sizes(n_tokens, opt.val_frac, opt.test_frac);
  counts = {};

  // Pass 2: write ids into a temporary file, renamed into place at the end.
  h5::write_file(opt.output, [&](hid_t file) {
    const int width = res.vocab.id_bytes();
    hid_t ftype = width == 1 ? H5T_STD_U8LE : width == 2 ? H5T_STD_U16LE : H5T_STD_U32LE;
    h5::Handle dsets[3] = {h5::create_1d(file, "train", ftype, res.splits.train),
                           h5::create_1d(file, "val", ftype, res.splits.val),
                           h5::create_1d(file, "test", ftype, res.splits.test)};
    if (width == 1) write_ids<uint8_t>(opt, res.vocab, res.splits, dsets, buf);
    else if (width == 2) write_ids<uint16_t>(opt, res.vocab, res.splits, dsets, buf);
    else write_ids<uint32_t>(opt, res.vocab, res.splits, dsets, buf);

    h5::Handle vg = h5::create_group(file, "vocab");
    std::vector<std::string> texts;
    for (size_t i = 0; i < res.vocab.size(); ++i) texts.push_back(res.vocab.text(i));
    h5::write_strings(vg, "token", texts);
    h5::write_vector(vg, "value", res.vocab.values);
    h5::write_vector(vg, "count", res.vocab.counts);

    std::vector<std::string> names;
    for (auto& p : opt.inputs) names.push_back(std::filesystem::path(p).filename().string());
    h5::set_attr(file, "format", std::string(kCorpusFormatName));
    h5::set_attr(file, "format_version", int64_t{kCorpusFormatVersion});
    h5::set_attr(file, "encoding", std::string(encoding_name(opt.encoding)));
    h5::set_attr(file, "inputs", names);
    h5::set_attr(file, "input_sizes", input_sizes);
    h5::set_attr(file, "input_sha256", res.sha256);
    h5::set_attr(file, "val_frac", opt.val_frac);
    h5::set_attr(file, "test_frac", opt.test_frac);
    h5::set_attr(file, "total_tokens", static_cast<int64_t>(n_tokens));
    h5::set_attr(file, "charnn_version", std::string(CHARNN_VERSION));
  });
  return res;
}

}  // namespace charnn
