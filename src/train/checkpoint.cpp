#include "train/checkpoint.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "data/h5.h"
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
  const std::string tmp = temp_path_for(path);
  try {
    {
      h5::Handle f = h5::create_file(tmp);
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
      h5::set_attr(sg, "iteration", p.iter);
      h5::set_attr(sg, "epoch", p.epoch);
      h5::set_attr(sg, "batch_in_epoch", p.batch_in_epoch);
      h5::set_attr(sg, "best_val_iter", p.best_val_iter);
      h5::set_attr(sg, "first_loss", p.first_loss);
      h5::set_attr(sg, "streams_per_rank", ck.streams_per_rank);
      if (!ck.rng_states.empty()) h5::write_vector(sg, "rng", ck.rng_states);
      if (ck.hidden_h.defined()) write_tensor(sg, "hidden_h", ck.hidden_h);
      if (ck.hidden_c.defined()) write_tensor(sg, "hidden_c", ck.hidden_c);

      h5::Handle hg = h5::create_group(f, "history");
      h5::write_vector(hg, "train_iter", newest(p.history.train_iter, kTrainHistoryKept));
      h5::write_vector(hg, "train_loss", newest(p.history.train_loss, kTrainHistoryKept));
      h5::write_vector(hg, "val_iter", p.history.val_iter);
      h5::write_vector(hg, "val_loss", p.history.val_loss);

      std::lock_guard<std::recursive_mutex> g(h5::lock());
      if (H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) fail(path, ": flush failed");
    }
    commit_file(tmp, path);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

Checkpoint load_checkpoint(const std::string& path) {
  require_readable_file(path, "checkpoint");
  Checkpoint ck;
  try {
    h5::Handle f = h5::open_file(path);
    if (!h5::has_attr(f, "format") || h5::get_attr_string(f, "format") != kCheckpointFormatName)
      fail("not a charnn checkpoint (no format='", kCheckpointFormatName, "' attribute)");
    int64_t version = h5::get_attr_int(f, "format_version");
    if (version > kCheckpointFormatVersion)
      fail("checkpoint format version ", version, " is newer than this charnn reads (", kCheckpointFormatVersion, ")");
    ck.config_yaml = h5::get_attr_string(f, "config");
    try {
      apply_yaml(ck.config, YAML::Load(ck.config_yaml), path + " (saved config)");
    } catch (const YAML::Exception& e) {
      fail("saved config is not valid YAML: ", e.msg);
    }
    ck.val_loss = h5::get_attr_double(f, "val_loss");
    ck.epoch_float = h5::get_attr_double(f, "epoch");
    ck.world_size = static_cast<int>(h5::get_attr_int(f, "world_size"));
    ck.progress.best_val_loss = h5::get_attr_double(f, "best_val_loss");
    ck.progress.wall_seconds = h5::get_attr_double(f, "wall_seconds");
    ck.progress.chars_per_sec = h5::get_attr_double(f, "chars_per_sec");

    h5::Handle vg = h5::open_group(f, "vocab");
    ck.vocab = Vocab::make(parse_encoding(h5::get_attr_string(vg, "encoding")), h5::read_array<uint32_t>(vg, "value"), {});

    h5::Handle mg = h5::open_group(f, "model");
    ck.spec.type = parse_choice<CellType>(h5::get_attr_string(mg, "type"), path);
    ck.spec.vocab_size = h5::get_attr_int(mg, "vocab_size");
    ck.spec.embedding_size = h5::get_attr_int(mg, "embedding_size");
    ck.spec.rnn_size = h5::get_attr_int(mg, "rnn_size");
    ck.spec.num_layers = h5::get_attr_int(mg, "num_layers");
    ck.spec.dropout = h5::get_attr_double(mg, "dropout");
    if (ck.spec.vocab_size != static_cast<int64_t>(ck.vocab.size()))
      fail("model vocab_size ", ck.spec.vocab_size, " does not match the stored vocabulary (", ck.vocab.size(), ")");
    // Parameters in module order, checked against a freshly built model.
    CharRNN shape_model(ck.spec);
    for (auto& p : shape_model->named_parameters()) {
      torch::Tensor t = read_tensor(mg, p.key());
      if (t.sizes() != p.value().sizes())
        fail("parameter ", quoted(p.key()), " has shape ", t.sizes(), ", the model needs ", p.value().sizes());
      if (!torch::isfinite(t).all().item<bool>()) fail("parameter ", quoted(p.key()), " holds NaN or Inf");
      ck.param_names.push_back(p.key());
      ck.params.push_back(t);
    }

    if (h5::exists(f, "optimizer")) {
      h5::Handle og = h5::open_group(f, "optimizer");
      ck.has_optimizer = true;
      ck.optimizer.type = parse_choice<Optimizer>(h5::get_attr_string(og, "type"), path);
      ck.optimizer.step = h5::get_attr_int(og, "step");
      if (h5::exists(og, "m")) ck.optimizer.m = read_tensor(og, "m");
      if (h5::exists(og, "v")) ck.optimizer.v = read_tensor(og, "v");
    }
    h5::Handle sg = h5::open_group(f, "state");
    ck.progress.iter = h5::get_attr_int(sg, "iteration");
    ck.progress.epoch = h5::get_attr_int(sg, "epoch");
    ck.progress.batch_in_epoch = h5::get_attr_int(sg, "batch_in_epoch");
    ck.progress.best_val_iter = h5::get_attr_int(sg, "best_val_iter");
    ck.progress.first_loss = h5::get_attr_double(sg, "first_loss");
    ck.streams_per_rank = h5::get_attr_int(sg, "streams_per_rank");
    if (h5::exists(sg, "rng")) ck.rng_states = h5::read_array<uint8_t>(sg, "rng");
    if (h5::exists(sg, "hidden_h")) ck.hidden_h = read_tensor(sg, "hidden_h");
    if (h5::exists(sg, "hidden_c")) ck.hidden_c = read_tensor(sg, "hidden_c");

    h5::Handle hg = h5::open_group(f, "history");
    ck.progress.history.train_iter = h5::read_array<int64_t>(hg, "train_iter");
    ck.progress.history.train_loss = h5::read_array<double>(hg, "train_loss");
    ck.progress.history.val_iter = h5::read_array<int64_t>(hg, "val_iter");
    ck.progress.history.val_loss = h5::read_array<double>(hg, "val_loss");
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

int64_t iteration_of(const std::string& path) {
  try {
    h5::Handle f = h5::open_file(path);
    return h5::get_attr_int(f, "iteration");
  } catch (const Error&) {
    return -1;  // unreadable: oldest, first to go
  }
}

std::vector<SavedFile> list_checkpoints(const std::string& dir, const std::string& savefile) {
  std::vector<SavedFile> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec)) {
    double epoch = 0, loss = 0;
    if (parse_checkpoint_file_name(e.path().filename().string(), savefile, &epoch, &loss))
      out.push_back({e.path().string(), loss, iteration_of(e.path().string())});
  }
  return out;
}
}  // namespace

std::string apply_retention(const std::string& dir, const std::string& savefile, int64_t keep_last,
                            int64_t keep_best) {
  auto files = list_checkpoints(dir, savefile);
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
