#include "data/corpus.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/h5.h"
#include "data/preprocess.h"
#include "data/seal.h"
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
    fail(json_path, ": not valid JSON (", library_reason(e), "); expected torch-rnn's vocabulary object {\"idx_to_token\": ...}");
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

namespace {

// The torch-rnn vocabulary that makes an unsealed HDF5 file a cache charnn
// reads: `vocab_json`, or X.json beside X.h5; "" when there is none.
std::string torch_rnn_json(const std::string& path, const std::string& vocab_json) {
  if (!vocab_json.empty()) return vocab_json;
  std::string json = std::filesystem::path(path).replace_extension(".json").string();
  return path_exists(json) ? json : "";
}

// A charnn cache's vocabulary and attributes, each checked where it is read.
void read_charnn_header(hid_t f, Vocab* vocab, std::map<std::string, std::string>* attrs) {
  int64_t version = h5::get_attr_int(f, "format_version");
  if (version > kCorpusFormatVersion)
    fail("corpus format version ", version, " is newer than this charnn understands (", kCorpusFormatVersion,
         "); upgrade charnn");
  if (version < 1) fail("format_version = ", version, ": expected 1..", kCorpusFormatVersion);
  Encoding enc = parse_encoding(h5::get_attr_string(f, "encoding"));
  auto values = h5::read_array<uint32_t>(f, "vocab/value");
  auto counts = h5::read_array<uint64_t>(f, "vocab/count");
  if (counts.size() != values.size())
    fail("vocab/count has ", counts.size(), " entries, vocab/value ", values.size(), ": expected one count per token");
  *vocab = Vocab::make(enc, std::move(values), std::move(counts));
  for (const char* key : {"encoding", "input_sha256", "charnn_version"}) (*attrs)[key] = h5::get_attr_string(f, key);
  std::string inputs;
  auto names = h5::get_attr_strings(f, "inputs");
  auto sizes = h5::get_attr_u64s(f, "input_sizes");
  if (sizes.size() != names.size())
    fail("input_sizes has ", sizes.size(), " entries for ", names.size(), " inputs: expected one size per input");
  for (size_t i = 0; i < names.size(); ++i) inputs += cat(i ? ", " : "", names[i], " (", sizes[i], " bytes)");
  (*attrs)["inputs"] = inputs;
  for (const char* key : {"val_frac", "test_frac"}) {
    double v = h5::get_attr_double(f, key);
    if (!(v >= 0 && v < 1)) fail(key, " = ", v, ": expected a fraction in [0, 1)");
    (*attrs)[key] = cat(v);
  }
  (*attrs)["format_version"] = cat(version);
}

// A split's dataset: 1-D unsigned (or non-negative) integer ids of at most 4 bytes.
uint64_t check_split_dataset(hid_t dset, const char* name) {
  auto d = h5::dims(dset);
  if (d.size() != 1) fail("dataset ", quoted(name), " has rank ", d.size(), ", expected 1-D token ids");
  size_t bytes;
  bool is_signed, is_float;
  hid_t cls = h5::dataset_type_class_size(dset, &bytes, &is_signed, &is_float);
  if (cls != H5T_INTEGER || bytes > 8)
    fail("dataset ", quoted(name), " holds ", is_float ? "floating point values" : "non-integer values",
         ", expected integer token ids");
  return d[0];
}

}  // namespace

std::shared_ptr<Corpus> Corpus::open(const std::string& path, const std::string& vocab_json) {
  require_readable_file(path, "corpus cache (.h5)");
  std::shared_ptr<Corpus> c(new Corpus);
  c->path_ = path;
  c->files_ = std::make_unique<Files>();
  try {
    // A cache charnn wrote is sealed (data/seal.h): checked before HDF5 parses
    // it. torch-rnn's caches are not; they are read as they are, trusting the
    // HDF5 library with them as any HDF5 reader does.
    const std::string json = torch_rnn_json(path, vocab_json);
    if (h5::verify_seal(path) == h5::SealState::Absent && json.empty())
      fail("not a corpus cache charnn wrote (no integrity seal: another program's file, or one from a charnn "
           "older than format 2; re-run charnn preprocess) nor a torch-rnn cache (no ",
           std::filesystem::path(path).replace_extension(".json").filename().string(),
           " beside it; pass --vocab FILE.json)");
    c->files_->file = h5::open_file(path);
    hid_t f = c->files_->file;
    bool ours = h5::has_attr(f, "format") && h5::get_attr_string(f, "format") == kCorpusFormatName;
    if (ours) {
      c->format_ = "charnn";
      read_charnn_header(f, &c->vocab_, &c->attrs_);
    } else {
      if (!h5::exists(f, "train") || !h5::exists(f, "val"))
        fail("neither a charnn corpus (no 'format' attribute) nor a torch-rnn cache (no 'train'/'val' datasets)");
      if (json.empty()) fail("torch-rnn style cache but its vocabulary is missing; pass --vocab FILE.json");
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
      c->sizes_[s] = check_split_dataset(c->files_->dsets[s], name);
    }
    if (ours) {
      const int64_t total = h5::get_attr_int(f, "total_tokens");
      if (total < 0 || static_cast<uint64_t>(total) != c->sizes_[0] + c->sizes_[1] + c->sizes_[2])
        fail("total_tokens = ", total, " but train+val+test hold ", c->sizes_[0] + c->sizes_[1] + c->sizes_[2]);
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
