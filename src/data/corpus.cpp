#include "data/corpus.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/h5.h"
#include "data/preprocess.h"
#include "data/utf8.h"
#include "util/fsutil.h"
#include "util/status.h"

namespace charnn {

const char* split_name(Split s) {
  static const char* names[] = {"train", "val", "test"};
  return names[static_cast<int>(s)];
}

Split parse_split(const std::string& s) {
  if (s == "train") return Split::Train;
  if (s == "val") return Split::Val;
  if (s == "test") return Split::Test;
  fail("--split ", quoted(s), ": expected train, val or test");
}

struct Corpus::Files {
  h5::Handle file;
  h5::Handle dsets[3];
};

Corpus::~Corpus() = default;

static Vocab read_torch_rnn_vocab(const std::string& json_path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(json_path));
  } catch (const nlohmann::json::exception& e) {
    fail(json_path, ": not valid JSON (", e.what(), ")");
  }
  if (!j.contains("idx_to_token") || !j["idx_to_token"].is_object())
    fail(json_path, ": missing object 'idx_to_token' (expected torch-rnn's preprocess.py output)");
  const auto& itt = j["idx_to_token"];
  size_t n = itt.size();
  std::vector<uint32_t> values(n);
  std::vector<bool> seen(n, false);
  for (auto it = itt.begin(); it != itt.end(); ++it) {
    size_t idx = 0;
    try {
      idx = std::stoul(it.key());
    } catch (...) {
      fail(json_path, ": idx_to_token key ", quoted(it.key()), " is not an integer");
    }
    if (idx < 1 || idx > n || seen[idx - 1])
      fail(json_path, ": idx_to_token key ", idx, " out of range 1..", n, " or repeated");
    if (!it.value().is_string()) fail(json_path, ": idx_to_token[", idx, "] is not a string");
    std::u32string cps = decode_utf8(it.value().get<std::string>(), json_path);
    if (cps.size() != 1)
      fail(json_path, ": idx_to_token[", idx, "] = ", quoted(it.value().get<std::string>()),
           " is not a single character (charnn reads character-level torch-rnn caches)");
    values[idx - 1] = cps[0];
    seen[idx - 1] = true;
  }
  return Vocab::make(Encoding::Utf8, std::move(values), {});
}

std::shared_ptr<Corpus> Corpus::open(const std::string& path, const std::string& vocab_json) {
  require_readable_file(path, "corpus cache (.h5)");
  std::shared_ptr<Corpus> c(new Corpus);
  c->path_ = path;
  c->files_ = std::make_unique<Files>();
  try {
    c->files_->file = h5::open_file(path);
    hid_t f = c->files_->file;
    bool ours = h5::has_attr(f, "format") && h5::get_attr_string(f, "format") == kCorpusFormatName;
    if (ours) {
      int64_t version = h5::get_attr_int(f, "format_version");
      if (version > kCorpusFormatVersion)
        fail("corpus format version ", version, " is newer than this charnn understands (", kCorpusFormatVersion,
             "); upgrade charnn");
      c->format_ = "charnn";
      Encoding enc = parse_encoding(h5::get_attr_string(f, "encoding"));
      auto values = h5::read_array<uint32_t>(f, "vocab/value");
      auto counts = h5::read_array<uint64_t>(f, "vocab/count");
      c->vocab_ = Vocab::make(enc, std::move(values), std::move(counts));
      for (const char* key : {"encoding", "input_sha256", "charnn_version"})
        c->attrs_[key] = h5::get_attr_string(f, key);
      std::string inputs;
      auto names = h5::get_attr_strings(f, "inputs");
      auto sizes = h5::get_attr_u64s(f, "input_sizes");
      for (size_t i = 0; i < names.size(); ++i)
        inputs += cat(i ? ", " : "", names[i], i < sizes.size() ? cat(" (", sizes[i], " bytes)") : "");
      c->attrs_["inputs"] = inputs;
      c->attrs_["val_frac"] = cat(h5::get_attr_double(f, "val_frac"));
      c->attrs_["test_frac"] = cat(h5::get_attr_double(f, "test_frac"));
      c->attrs_["format_version"] = cat(version);
    } else {
      if (!h5::exists(f, "train") || !h5::exists(f, "val"))
        fail("neither a charnn corpus (no 'format' attribute) nor a torch-rnn cache (no 'train'/'val' datasets)");
      std::string json = vocab_json;
      if (json.empty()) json = std::filesystem::path(path).replace_extension(".json").string();
      if (!path_exists(json))
        fail("torch-rnn style cache but its vocabulary ", json, " is missing; pass --vocab FILE.json");
      c->format_ = "torch-rnn";
      c->id_base_ = 1;
      c->vocab_ = read_torch_rnn_vocab(json);
      c->attrs_["encoding"] = "utf-8";
      c->attrs_["vocab_json"] = json;
    }
    for (int s = 0; s < 3; ++s) {
      const char* name = split_name(static_cast<Split>(s));
      if (!h5::exists(f, name)) continue;  // torch-rnn caches may lack 'test'
      c->files_->dsets[s] = h5::open_dataset(f, name);
      auto d = h5::dims(c->files_->dsets[s]);
      if (d.size() != 1) fail("dataset ", quoted(name), " has rank ", d.size(), ", expected 1-D token ids");
      size_t bytes;
      bool is_signed, is_float;
      h5::dataset_type_class_size(c->files_->dsets[s], &bytes, &is_signed, &is_float);
      if (is_float) fail("dataset ", quoted(name), " holds floating point values, expected integer token ids");
      c->sizes_[s] = d[0];
    }
  } catch (const Error& e) {
    rethrow_with_context(path, e);
  }
  if (c->vocab_.size() == 0) fail(path, ": empty vocabulary");
  return c;
}

void Corpus::read(Split s, uint64_t offset, uint64_t count, int64_t* out) const {
  int i = static_cast<int>(s);
  if (offset + count > sizes_[i])
    fail(path_, ": read of ", split_name(s), "[", offset, ", ", offset + count, ") past its end (", sizes_[i], ")");
  h5::read_1d(files_->dsets[i], H5T_NATIVE_INT64, offset, count, out);
  const int64_t v = static_cast<int64_t>(vocab_.size());
  for (uint64_t k = 0; k < count; ++k) {
    out[k] -= id_base_;
    if (out[k] < 0 || out[k] >= v)
      fail(path_, ": token id ", out[k] + id_base_, " at ", split_name(s), "[", offset + k,
           "] is outside the vocabulary (", v, " tokens); the cache is corrupt");
  }
}

}  // namespace charnn
