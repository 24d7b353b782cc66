// Text files -> one HDF5 corpus cache (train/val/test token ids + vocabulary).
// Two streaming passes over the input: the first counts tokens and hashes the
// bytes, the second writes ids. Memory stays constant whatever the corpus size.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "data/vocab.h"

namespace charnn {

constexpr int kCorpusFormatVersion = 2;  // 2: sealed (data/seal.h), contiguous splits
constexpr const char* kCorpusFormatName = "charnn-corpus";

struct PreprocessOptions {
  std::vector<std::string> inputs;
  std::string output;
  Encoding encoding = Encoding::Utf8;
  double val_frac = 0.05;
  double test_frac = 0.05;
  bool force = false;
  // --vocab-from CKPT: the checkpoint (an input: never the output) and its
  // vocabulary, whose ids the cache keeps (vocab_following in data/vocab.h).
  std::string vocab_from;
  std::optional<Vocab> base_vocab;
};

struct SplitSizes {
  uint64_t train = 0, val = 0, test = 0;
};

// Contiguous split arithmetic: val and test are floor(n * frac), train the rest.
// Throws if a fraction is out of range or a requested split comes out empty.
SplitSizes split_sizes(uint64_t n_tokens, double val_frac, double test_frac);

struct PreprocessResult {
  Vocab vocab;
  SplitSizes splits;
  uint64_t input_bytes = 0;
  std::string sha256;
};

// Checks the inputs and the output (util/fsutil.h check_output_path: never an
// input; an existing output only with --force, and only a charnn corpus cache)
// before reading anything.
PreprocessResult preprocess(const PreprocessOptions& opt);
// An HDF5 file with format = "charnn-corpus": what `preprocess --output` may replace.
bool is_corpus_cache_file(const std::string& path);

}  // namespace charnn
