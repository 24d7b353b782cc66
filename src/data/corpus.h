// Reading a corpus cache: charnn's own .h5, or torch-rnn's .h5 + .json pair.
// Nothing is loaded up front but the vocabulary; token windows are read on
// demand with hyperslab reads, so memory does not grow with the corpus.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/vocab.h"

namespace charnn {

enum class Split { Train = 0, Val = 1, Test = 2 };
const char* split_name(Split s);
Split parse_split(const std::string& s);

class Corpus {
 public:
  // `vocab_json` names torch-rnn's vocabulary file; empty = look for X.json beside X.h5.
  static std::shared_ptr<Corpus> open(const std::string& path, const std::string& vocab_json = "");
  ~Corpus();

  const std::string& path() const { return path_; }
  const std::string& format() const { return format_; }  // "charnn" or "torch-rnn"
  const Vocab& vocab() const { return vocab_; }
  uint64_t size(Split s) const { return sizes_[static_cast<int>(s)]; }
  // Ids [offset, offset + count) of a split, 0-based, range-checked.
  void read(Split s, uint64_t offset, uint64_t count, int64_t* out) const;
  // File attributes as display strings (for inspect).
  const std::map<std::string, std::string>& attributes() const { return attrs_; }

 private:
  Corpus() = default;
  struct Files;
  std::unique_ptr<Files> files_;
  std::string path_, format_;
  Vocab vocab_;
  uint64_t sizes_[3] = {0, 0, 0};
  int64_t id_base_ = 0;  // 1 for torch-rnn (Lua's 1-based ids)
  std::map<std::string, std::string> attrs_;
};

}  // namespace charnn
