#include "train/checkpoint.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <sys/stat.h>

#include "data/h5.h"
#include "data/seal.h"
#include "util/fsutil.h"
#include "util/status.h"

namespace fs = std::filesystem;

namespace charnn {

namespace {

void write_tensor(hid_t loc, const std::string& name, const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  std::vector<uint64_t> shape(c.sizes().begin(), c.sizes().end());
  h5::write_array(loc, name, H5T_NATIVE_FLOAT, shape, c.data_ptr<float>());
}

torch::Tensor read_tensor(hid_t loc, const std::string& name) {
  std::vector<uint64_t> shape;
  std::vector<float> data = h5::read_array<float>(loc, name, &shape);
  std::vector<int64_t> sizes(shape.begin(), shape.end());
  return torch::from_blob(data.data(), sizes, torch::kFloat32).clone();
}

// The last `n` entries of `v` (all of it when shorter).
template <typename T>
std::vector<T> newest(const std::vector<T>& v, size_t n) {
  return std::vector<T>(v.end() - static_cast<std::ptrdiff_t>(std::min(n, v.size())), v.end());
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& ck) {
  h5::write_file(path, [&](hid_t f) {
    h5::set_attr(f, "format", std::string(kCheckpointFormatName));
    h5::set_attr(f, "format_version", int64_t{kCheckpointFormatVersion});
    h5::set_attr(f, "charnn_version", std::string(CHARNN_VERSION));
    h5::set_attr(f, "model", to_string(ck.spec.type));
    h5::set_attr(f, "iteration", ck.progress.iter);
    h5::set_attr(f, "epoch", ck.epoch_float);
    h5::set_attr(f, "val_loss", ck.val_loss);
    h5::set_attr(f, "best_val_loss", ck.progress.best_val_loss);
    h5::set_attr(f, "world_size", int64_t{ck.world_size});
    h5::set_attr(f, "wall_seconds", ck.progress.wall_seconds);
    h5::set_attr(f, "chars_per_sec", ck.progress.chars_per_sec);
    h5::set_attr(f, "config", ck.config_yaml);

    h5::Handle vg = h5::create_group(f, "vocab");
    h5::set_attr(vg, "encoding", std::string(encoding_name(ck.vocab.encoding)));
    h5::write_vector(vg, "value", ck.vocab.values);
    std::vector<std::string> texts;
    for (size_t i = 0; i < ck.vocab.size(); ++i) texts.push_back(ck.vocab.text(i));
    h5::write_strings(vg, "token", texts);

    h5::Handle mg = h5::create_group(f, "model");
    h5::set_attr(mg, "type", to_string(ck.spec.type));
    h5::set_attr(mg, "vocab_size", ck.spec.vocab_size);
    h5::set_attr(mg, "embedding_size", ck.spec.embedding_size);
    h5::set_attr(mg, "rnn_size", ck.spec.rnn_size);
    h5::set_attr(mg, "num_layers", ck.spec.num_layers);
    h5::set_attr(mg, "dropout", ck.spec.dropout);
    for (size_t i = 0; i < ck.params.size(); ++i) write_tensor(mg, ck.param_names[i], ck.params[i]);

    if (ck.has_optimizer) {
      h5::Handle og = h5::create_group(f, "optimizer");
      h5::set_attr(og, "type", to_string(ck.optimizer.type));
      h5::set_attr(og, "step", ck.optimizer.step);
      if (ck.optimizer.m.defined()) write_tensor(og, "m", ck.optimizer.m);
      if (ck.optimizer.v.defined()) write_tensor(og, "v", ck.optimizer.v);
    }

    h5::Handle sg = h5::create_group(f, "state");
    const TrainProgress& p = ck.progress;
    h5::set_attr(sg, "run_id", p.run_id);
    h5::set_attr(sg, "iteration", p.iter);
    h5::set_attr(sg, "epoch", p.epoch);
    h5::set_attr(sg, "batch_in_epoch", p.batch_in_epoch);
    h5::set_attr(sg, "best_val_iter", p.best_val_iter);
    h5::set_attr(sg, "first_loss", p.first_loss);
    h5::set_attr(sg, "stale_evals", p.stale_evals);
    h5::set_attr(sg, "patience_best", p.patience_best);
    h5::set_attr(sg, "next_rung", p.next_rung);
    h5::set_attr(sg, "streams_per_rank", ck.streams_per_rank);
    if (!ck.rng_states.empty()) h5::write_vector(sg, "rng", ck.rng_states);
    if (ck.hidden_h.defined()) write_tensor(sg, "hidden_h", ck.hidden_h);
    if (ck.hidden_c.defined()) write_tensor(sg, "hidden_c", ck.hidden_c);

    h5::Handle hg = h5::create_group(f, "history");
    h5::write_vector(hg, "train_iter", newest(p.history.train_iter, kTrainHistoryKept));
    h5::write_vector(hg, "train_loss", newest(p.history.train_loss, kTrainHistoryKept));
    h5::write_vector(hg, "val_iter", p.history.val_iter);
    h5::write_vector(hg, "val_loss", p.history.val_loss);
  });
}

namespace {

// Checks on values read from a checkpoint; the caller adds the file name.
template <typename T>
T in_range(T v, T lo, T hi, const char* key) {
  if (!(v >= lo && v <= hi)) fail(key, " = ", v, ": out of range, expected ", lo, "..", hi);
  return v;
}
double finite(double v, const char* key) {
  if (!std::isfinite(v)) fail(key, " = ", v, ": expected a finite number");
  return v;
}
void expect_shape(const torch::Tensor& t, torch::IntArrayRef want, const std::string& key) {
  if (t.sizes() != want) fail(key, " has shape ", t.sizes(), ", expected ", want);
}
void expect_finite(const torch::Tensor& t, const std::string& key) {
  if (!torch::isfinite(t).all().item<bool>()) fail(key, " holds NaN or Inf");
}
void expect_absent(hid_t loc, const std::string& name, const std::string& why) {
  if (h5::exists(loc, name)) fail(name, " is present, but ", why);
}

void read_header(hid_t f, const std::string& path, Checkpoint& ck) {
  if (!h5::has_attr(f, "format") || h5::get_attr_string(f, "format") != kCheckpointFormatName)
    fail("not a charnn checkpoint (no format='", kCheckpointFormatName, "' attribute)");
  int64_t version = h5::get_attr_int(f, "format_version");
  if (version > kCheckpointFormatVersion)
    fail("checkpoint format version ", version, " is newer than this charnn reads (", kCheckpointFormatVersion, ")");
  in_range<int64_t>(version, 1, kCheckpointFormatVersion, "format_version");
  ck.config_yaml = h5::get_attr_string(f, "config");
  try {
    apply_yaml(ck.config, YAML::Load(ck.config_yaml), path + " (saved config)");
  } catch (const YAML::Exception& e) {
    fail("saved config is not valid YAML: ", e.msg);
  }
  ck.val_loss = in_range(finite(h5::get_attr_double(f, "val_loss"), "val_loss"), 0.0, 1e6, "val_loss");
  ck.epoch_float = in_range(finite(h5::get_attr_double(f, "epoch"), "epoch"), 0.0, 1e15, "epoch");
  ck.world_size = static_cast<int>(in_range<int64_t>(h5::get_attr_int(f, "world_size"), 1, 1 << 24, "world_size"));
  ck.progress.best_val_loss = in_range(h5::get_attr_double(f, "best_val_loss"), 0.0, HUGE_VAL, "best_val_loss");
  ck.progress.wall_seconds = in_range(finite(h5::get_attr_double(f, "wall_seconds"), "wall_seconds"), 0.0, 1e12,
                                      "wall_seconds");
  ck.progress.chars_per_sec = in_range(finite(h5::get_attr_double(f, "chars_per_sec"), "chars_per_sec"), 0.0, 1e15,
                                       "chars_per_sec");
  ck.vocab = read_vocab_group(f);
}

// The model's attributes and weights, each checked against the model they describe.
void read_model(hid_t f, const std::string& path, Checkpoint& ck) {
  h5::Handle mg = h5::open_group(f, "model");
  ModelSpec& s = ck.spec;
  s.type = parse_choice<CellType>(h5::get_attr_string(mg, "type"), path);
  s.vocab_size = h5::get_attr_int(mg, "vocab_size");
  s.embedding_size = in_range<int64_t>(h5::get_attr_int(mg, "embedding_size"), 1, 1 << 20, "model/embedding_size");
  s.rnn_size = in_range<int64_t>(h5::get_attr_int(mg, "rnn_size"), 1, 1 << 20, "model/rnn_size");
  s.num_layers = in_range<int64_t>(h5::get_attr_int(mg, "num_layers"), 1, 1024, "model/num_layers");
  s.dropout = in_range(h5::get_attr_double(mg, "dropout"), 0.0, 0.999, "model/dropout");
  if (s.vocab_size != static_cast<int64_t>(ck.vocab.size()))
    fail("model/vocab_size ", s.vocab_size, " does not match the stored vocabulary (", ck.vocab.size(), ")");
  // The attributes decide what building the model allocates: it must fit in
  // the file that holds its weights (float32) before anything is allocated.
  struct stat st;
  const int64_t n_params = parameter_count(s);
  const double bytes = 4.0 * static_cast<double>(n_params);
  if (::stat(path.c_str(), &st) != 0 || bytes > static_cast<double>(st.st_size))
    fail("model attributes describe ", n_params, " parameters (", human_bytes(bytes),
         "), more than the file holds");
  CharRNN shape_model(s);
  for (auto& p : shape_model->named_parameters()) {
    const std::string key = "model/" + p.key();
    torch::Tensor t = read_tensor(mg, p.key());
    expect_shape(t, p.value().sizes(), key);
    expect_finite(t, key);
    ck.param_names.push_back(p.key());
    ck.params.push_back(t);
  }
}

// Optimizer moments: flat over all parameters, as train/optim.h keeps them.
void read_optimizer(hid_t f, const std::string& path, Checkpoint& ck) {
  if (!h5::exists(f, "optimizer")) return;
  h5::Handle og = h5::open_group(f, "optimizer");
  ck.has_optimizer = true;
  OptimizerState& o = ck.optimizer;
  o.type = parse_choice<Optimizer>(h5::get_attr_string(og, "type"), path);
  o.step = in_range<int64_t>(h5::get_attr_int(og, "step"), 0, int64_t{1} << 50, "optimizer/step");
  const bool wants_m = o.type != Optimizer::RmsProp, wants_v = o.type != Optimizer::Sgd;
  const int64_t n = parameter_count(ck.spec);
  auto moment = [&](const char* name, bool wanted) {
    const std::string key = cat("optimizer/", name);
    if (!wanted) {
      expect_absent(og, name, cat("optimizer ", o.type, " keeps no such moment"));
      return torch::Tensor();
    }
    if (!h5::exists(og, name)) fail(key, " is missing (optimizer ", o.type, ")");
    torch::Tensor t = read_tensor(og, name);
    expect_shape(t, {n}, key);
    expect_finite(t, key);
    return t;
  };
  o.m = moment("m", wants_m);
  o.v = moment("v", wants_v);
  if (o.v.defined() && (o.v < 0).any().item<bool>()) fail("optimizer/v holds negative values (a mean of squares)");
}

// Where training stands, and every rank's hidden state and generator state.
void read_state(hid_t f, Checkpoint& ck) {
  h5::Handle sg = h5::open_group(f, "state");
  TrainProgress& p = ck.progress;
  constexpr int64_t kBig = int64_t{1} << 50;
  p.run_id = h5::get_attr_string(sg, "run_id");
  p.iter = in_range<int64_t>(h5::get_attr_int(sg, "iteration"), 0, kBig, "state/iteration");
  p.epoch = in_range<int64_t>(h5::get_attr_int(sg, "epoch"), 0, kBig, "state/epoch");
  p.batch_in_epoch = in_range<int64_t>(h5::get_attr_int(sg, "batch_in_epoch"), 0, kBig, "state/batch_in_epoch");
  p.best_val_iter = in_range<int64_t>(h5::get_attr_int(sg, "best_val_iter"), -1, p.iter, "state/best_val_iter");
  p.first_loss = h5::get_attr_double(sg, "first_loss");
  if (!std::isnan(p.first_loss)) in_range(finite(p.first_loss, "state/first_loss"), 0.0, 1e6, "state/first_loss");
  ck.streams_per_rank = in_range<int64_t>(h5::get_attr_int(sg, "streams_per_rank"), 1, 1 << 24,
                                          "state/streams_per_rank");
  if (h5::exists(sg, "rng")) {
    ck.rng_states = h5::read_array<uint8_t>(sg, "rng");
    if (ck.rng_states.empty() || ck.rng_states.size() % static_cast<size_t>(ck.world_size) != 0)
      fail("state/rng holds ", ck.rng_states.size(), " bytes, expected an equal share for each of world_size = ",
           ck.world_size, " ranks");
  }
  const std::vector<int64_t> hidden = {ck.world_size * ck.streams_per_rank, ck.spec.num_layers, ck.spec.rnn_size};
  for (const char* name : {"hidden_h", "hidden_c"}) {
    const bool wanted = name[7] == 'h' || ck.spec.type == CellType::Lstm;
    const std::string key = cat("state/", name);
    if (!wanted) {
      expect_absent(sg, name, cat("a ", ck.spec.type, " has no cell state"));
      continue;
    }
    if (!h5::exists(sg, name)) continue;  // weights-only files carry no state
    torch::Tensor t = read_tensor(sg, name);
    expect_shape(t, hidden, key);
    expect_finite(t, key);
    (name[7] == 'h' ? ck.hidden_h : ck.hidden_c) = t;
  }
}

void read_history(hid_t f, Checkpoint& ck) {
  h5::Handle hg = h5::open_group(f, "history");
  History& h = ck.progress.history;
  h.train_iter = h5::read_array<int64_t>(hg, "train_iter");
  h.train_loss = h5::read_array<double>(hg, "train_loss");
  h.val_iter = h5::read_array<int64_t>(hg, "val_iter");
  h.val_loss = h5::read_array<double>(hg, "val_loss");
  if (h.train_iter.size() != h.train_loss.size() || h.val_iter.size() != h.val_loss.size())
    fail("history: iteration and loss arrays differ in length");
  for (auto* losses : {&h.train_loss, &h.val_loss})
    for (double l : *losses) finite(l, "history loss");
}

// Early stopping and ASHA (state/stale_evals, patience_best, next_rung): absent
// from checkpoints written before they existed, which still load: the count
// from the history (train/state.h), the rungs from the first (re-deciding a
// rung returns the decision recorded then, sweep/asha.h).
void read_stopping(hid_t f, Checkpoint& ck) {
  TrainProgress& p = ck.progress;
  h5::Handle sg = h5::open_group(f, "state");
  if (!h5::has_attr(sg, "stale_evals")) {
    patience_from_history(p);
    return;
  }
  p.stale_evals = in_range<int64_t>(h5::get_attr_int(sg, "stale_evals"), 0, int64_t{1} << 50, "state/stale_evals");
  p.patience_best = h5::get_attr_double(sg, "patience_best");
  if (!std::isinf(p.patience_best))
    in_range(finite(p.patience_best, "state/patience_best"), 0.0, 1e6, "state/patience_best");
  if (h5::has_attr(sg, "next_rung"))
    p.next_rung = in_range<int64_t>(h5::get_attr_int(sg, "next_rung"), 0, 64, "state/next_rung");
}

}  // namespace

Checkpoint load_checkpoint(const std::string& path) {
  require_readable_file(path, "checkpoint");
  Checkpoint ck;
  try {
    if (h5::verify_seal(path) == h5::SealState::Absent)
      fail("not a charnn checkpoint: no integrity seal (written by another program or by a charnn older than "
           "format 2, or its first ", h5::kSealBytes, " bytes were overwritten)");
    h5::Handle f = h5::open_file(path);
    read_header(f, path, ck);
    read_model(f, path, ck);
    read_optimizer(f, path, ck);
    read_state(f, ck);
    read_history(f, ck);
    read_stopping(f, ck);
  } catch (const Error& e) {
    rethrow_with_context(path, e);
  } catch (const c10::Error& e) {
    fail(path, ": corrupt checkpoint (", e.what_without_backtrace(), ")");
  }
  return ck;
}

void load_weights(CharRNNImpl& model, const Checkpoint& ck) {
  torch::NoGradGuard no_grad;
  auto named = model.named_parameters();
  for (size_t i = 0; i < ck.params.size(); ++i) named[ck.param_names[i]].copy_(ck.params[i]);
}

Checkpoint make_checkpoint(const TrainConfig& cfg, const Vocab& vocab, const ModelSpec& spec, const FlatParams& fp,
                           const OptimizerState& opt, const TrainProgress& prog, double val_loss, double epoch,
                           int world_size, std::vector<uint8_t> hidden_h, std::vector<uint8_t> hidden_c,
                           std::vector<uint8_t> rng) {
  Checkpoint out;
  out.config_yaml = to_yaml(cfg);
  out.config = cfg;
  out.vocab = vocab;
  out.spec = spec;
  out.param_names = fp.names;
  for (const auto& p : fp.params) out.params.push_back(p.detach().to(torch::kCPU));
  out.has_optimizer = true;
  out.optimizer = opt;
  if (opt.m.defined()) out.optimizer.m = opt.m.to(torch::kCPU);
  if (opt.v.defined()) out.optimizer.v = opt.v.to(torch::kCPU);
  out.progress = prog;
  out.val_loss = val_loss;
  out.epoch_float = epoch;
  out.world_size = world_size;
  out.streams_per_rank = cfg.batch_size;
  out.rng_states = std::move(rng);
  auto to_tensor = [&](std::vector<uint8_t>& bytes) {
    return torch::from_blob(bytes.data(), {static_cast<int64_t>(world_size) * cfg.batch_size, cfg.num_layers,
                                           cfg.rnn_size}, torch::kFloat32).clone();
  };
  out.hidden_h = to_tensor(hidden_h);
  if (!hidden_c.empty()) out.hidden_c = to_tensor(hidden_c);
  return out;
}

CharRNN model_from_checkpoint(const Checkpoint& ck, torch::Device device) {
  CharRNN model(ck.spec);
  load_weights(*model, ck);
  model->to(device);
  return model;
}

namespace {
struct SavedFile {
  std::string path;
  double loss;
  int64_t iteration;  // from the file: names only carry the epoch to 2 decimals
};

// This run's checkpoints of `savefile` in `dir`, read from the files themselves.
std::vector<SavedFile> list_checkpoints(const std::string& dir, const std::string& savefile,
                                        const std::string& run_id) {
  std::vector<SavedFile> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec)) {
    double epoch = 0, loss = 0;
    const std::string path = e.path().string();
    if (!parse_checkpoint_file_name(e.path().filename().string(), savefile, &epoch, &loss)) continue;
    try {
      if (h5::verify_seal(path) != h5::SealState::Sealed) continue;
      h5::Handle f = h5::open_file(path);
      h5::Handle sg = h5::open_group(f, "state");
      if (h5::get_attr_string(sg, "run_id") == run_id) out.push_back({path, loss, h5::get_attr_int(f, "iteration")});
    } catch (const Error&) {
      // not ours to judge: another run's or a damaged file stays as it is
    }
  }
  return out;
}
}  // namespace

std::string apply_retention(const std::string& dir, const std::string& savefile, const std::string& run_id,
                            int64_t keep_last, int64_t keep_best) {
  auto files = list_checkpoints(dir, savefile, run_id);
  if (files.empty()) return "";
  std::vector<SavedFile> by_time = files, by_loss = files;
  std::sort(by_time.begin(), by_time.end(), [](auto& a, auto& b) { return a.iteration > b.iteration; });
  std::sort(by_loss.begin(), by_loss.end(), [](auto& a, auto& b) { return a.loss < b.loss; });
  std::vector<std::string> keep;
  for (size_t i = 0; i < by_time.size() && (keep_last == 0 || (int64_t)i < keep_last); ++i) keep.push_back(by_time[i].path);
  for (size_t i = 0; i < by_loss.size() && (int64_t)i < std::max<int64_t>(keep_best, 1); ++i) keep.push_back(by_loss[i].path);
  keep.push_back(by_time[0].path);
  for (auto& f : files)
    if (std::find(keep.begin(), keep.end(), f.path) == keep.end()) std::remove(f.path.c_str());
  replace_symlink(fs::path(by_time[0].path).filename().string(), (fs::path(dir) / "latest").string());
  return by_loss[0].path;
}

std::string latest_checkpoint(const std::string& dir) {
  fs::path link = fs::path(dir) / "latest";
  std::error_code ec;
  if (!fs::is_symlink(link, ec)) return "";
  fs::path target = fs::read_symlink(link, ec);
  if (ec) return "";
  fs::path full = target.is_absolute() ? target : fs::path(dir) / target;
  return fs::exists(full) ? full.string() : "";
}

}  // namespace charnn
