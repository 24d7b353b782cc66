#include "train/options.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>
#include <utility>

#include "data/utf8.h"
#include "util/fsutil.h"
#include "util/resources.h"
#include "util/status.h"

namespace charnn {

namespace {
using C = TrainConfig;
const double kInf = 1e300;

[[noreturn]] void expected(const std::string& value, const std::string& where, const char* name, const char* what) {
  fail(where, ": ", name, " = ", quoted(value), ": expected ", what);
}

// The stem of lm_<savefile>_epoch<E>_<loss>.h5 in checkpoint_dir: one file
// name part ('' = the model type). Quotes and spaces are fine: names never
// pass through a shell.
void check_file_stem(const std::string& value, const std::string& where, const char* name) {
  if (value.empty()) return;
  const bool control = std::any_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (value.find('/') != std::string::npos || control || value[0] == '.' || value.size() > 100)
    expected(value, where, name, "a file name stem: no '/', no control characters, not starting with '.', at most 100 bytes");
}

void check_not_empty(const std::string& value, const std::string& where, const char* name) {
  if (value.empty()) expected(value, where, name, "a directory path");
}

StringRule input_file(const char* what) { return {PathKind::InputFile, what}; }
}  // namespace

const std::vector<OptionSpec>& train_options() {
  static const std::vector<OptionSpec> table = {
      {"data", "corpus cache written by 'charnn preprocess' (or a torch-rnn .h5)", &C::data, 0, 0,
       input_file("corpus cache (.h5)")},
      {"vocab", "torch-rnn vocabulary .json (default: beside the .h5)", &C::vocab, 0, 0,
       input_file("torch-rnn vocabulary (.json)")},
      {"model", "recurrent cell", &C::model},
      {"rnn_size", "hidden units per layer", &C::rnn_size, 1, 65536},
      {"num_layers", "recurrent layers", &C::num_layers, 1, 64},
      {"embedding_size", "character embedding width", &C::embedding_size, 1, 65536},
      {"dropout", "dropout between layers and before the decoder", &C::dropout, 0, 0.99},
      {"init", "pytorch (LibTorch's default init) | charrnn (the same, with the LSTM forget-gate bias at 1)",
       &C::init},
      {"batch_size", "parallel streams per rank", &C::batch_size, 1, 1 << 20},
      {"seq_length", "characters per stream per iteration (BPTT length)", &C::seq_length, 1, 1 << 20},
      {"block_shuffle", "train order: 0 = each stream reads its part of the split straight through (char-rnn); "
                        "K = the split is cut into blocks of K windows, dealt to the streams in a seeded order that "
                        "changes every epoch, so consecutive updates see different files (docs/tuning.md)",
       &C::block_shuffle, 0, 1LL << 40},
      {"optimizer", "update rule", &C::optimizer},
      {"learning_rate", "base learning rate", &C::learning_rate, 0, 10},
      {"beta1", "adam/adamw first-moment decay", &C::beta1, 0, 0.999999},
      {"beta2", "adam/adamw second-moment decay", &C::beta2, 0, 0.999999999},
      {"eps", "adam/adamw/rmsprop epsilon", &C::eps, 0, 1},
      {"weight_decay", "L2 (sgd, adam, rmsprop) or decoupled (adamw) weight decay", &C::weight_decay, 0, 10},
      {"momentum", "sgd momentum", &C::momentum, 0, 0.999999},
      {"decay_rate", "rmsprop squared-gradient decay (char-rnn)", &C::decay_rate, 0, 0.999999},
      {"lr_schedule", "constant | charrnn (x learning_rate_decay each epoch after learning_rate_decay_after) | "
                      "step (x lr_decay_factor every lr_decay_every epochs) | cosine (to min_lr at max_epochs/max_iters, "
                      "or at max_seconds when the budget ends first)",
       &C::lr_schedule},
      {"learning_rate_decay", "charrnn schedule: factor per epoch", &C::learning_rate_decay, 0, 1},
      {"learning_rate_decay_after", "charrnn schedule: first epoch that decays", &C::learning_rate_decay_after, 0, kInf},
      {"lr_decay_every", "step schedule: epochs between decays", &C::lr_decay_every, 1, 1 << 30},
      {"lr_decay_factor", "step schedule: factor per decay", &C::lr_decay_factor, 0, 1},
      {"warmup_iters", "linear warmup iterations (any schedule)", &C::warmup_iters, 0, 1LL << 40},
      {"min_lr", "cosine schedule: final learning rate", &C::min_lr, 0, 10},
      {"grad_clip", "clip threshold (0 = off)", &C::grad_clip, 0, kInf},
      {"grad_clip_mode", "norm (global L2 norm) | value (char-rnn's element-wise clamp)", &C::grad_clip_mode},
      {"grad_accum", "micro-batches accumulated before each update", &C::grad_accum, 1, 1 << 20},
      {"lr_scale", "none | linear: multiply learning_rate by the number of ranks (use with warmup_iters)",
       &C::lr_scale},
      {"max_epochs", "stop after this many passes over train (fractions allowed)", &C::max_epochs, 0, kInf},
      {"max_iters", "stop after this many updates (0 = no limit)", &C::max_iters, 0, 1LL << 50},
      {"max_seconds", "wall-time budget in seconds, counted across resumes: stop with a final validation and "
                      "checkpoint before the next iteration would pass it (0 = no limit)",
       &C::max_seconds, 0, kInf},
      {"early_stop_patience", "stop after this many validation passes in a row without a new best val loss "
                              "(lower by more than early_stop_min_delta), as max_seconds stops a run: a final "
                              "checkpoint, exit 0 (0 = off)",
       &C::early_stop_patience, 0, 1LL << 40},
      {"early_stop_min_delta", "early stopping: the least decrease of the best val loss (nats/char) that counts as "
                               "an improvement",
       &C::early_stop_min_delta, 0, kInf},
      // Written into each trial's config by a sweep with early_terminate (docs/sweeps.md); a spec cannot set them.
      {"asha_records", "set by an ASHA sweep: the sweep's rung record file (sweep/asha.h)", &C::asha_records, 0, 0,
       {}, true},
      {"asha_min_iters", "set by an ASHA sweep: the first rung, in iterations", &C::asha_min_iters, 0, 1LL << 50, {},
       true},
      {"asha_min_seconds", "set by an ASHA sweep: the first rung, in wall seconds", &C::asha_min_seconds, 0, kInf, {},
       true},
      {"asha_eta", "set by an ASHA sweep: rungs eta times apart; the top 1/eta go on", &C::asha_eta, 2, 1 << 20, {},
       true},
      {"eval_val_every", "iterations between validation passes and checkpoints", &C::eval_val_every, 1, 1LL << 50},
      {"val_max_batches", "limit each validation pass to this many batches (0 = whole split)", &C::val_max_batches, 0,
       1LL << 50},
      {"print_every", "iterations between log lines (when not on a terminal)", &C::print_every, 1, 1LL << 50},
      {"sample_every", "iterations between progress samples (0 = off)", &C::sample_every, 0, 1LL << 50},
      {"sample_length", "characters per progress sample", &C::sample_length, 1, 1 << 20},
      {"sample_temperatures", "comma-separated temperatures for progress samples", &C::sample_temperatures},
      {"explosion_guard", "stop when the loss exceeds 3x the first loss (char-rnn)", &C::explosion_guard},
      {"checkpoint_dir", "run directory: checkpoints, metrics.jsonl, samples.jsonl, config.yaml", &C::checkpoint_dir,
       0, 0, {PathKind::RunDir, "run directory", check_not_empty}},
      {"savefile", "checkpoint name stem (default: the model type)", &C::savefile, 0, 0,
       {PathKind::FileStem, "checkpoint name stem", check_file_stem}},
      {"init_from", "start from this checkpoint's weights; on a corpus with another vocabulary, shared characters keep "
                    "their rows, new ones start fresh, absent ones are dropped (preprocess --vocab-from keeps its ids)",
       &C::init_from, 0, 0, input_file("checkpoint")},
      {"resume", "continue exactly from this checkpoint, or 'auto' (latest in checkpoint_dir, if any)", &C::resume,
       0, 0, {PathKind::CheckpointOrAuto, "checkpoint"}},
      {"tensorboard_dir", "also write TensorBoard event files here (rank 0): train/val loss and bpc, lr, grad_norm, "
                          "chars/s, the samples as text; 'charnn tensorboard DIR' converts a finished run or sweep",
       &C::tensorboard_dir, 0, 0, {PathKind::OutputDir, "TensorBoard directory"}},
      {"keep_last", "most recent checkpoints kept (0 = all)", &C::keep_last, 0, 1 << 20},
      {"keep_best", "lowest-val-loss checkpoints kept besides the most recent", &C::keep_best, 0, 1 << 20},
      {"seed", "random seed (weights, dropout, sampling)", &C::seed, 0, 9.2e18},
      {"device", "auto | cpu | cuda", &C::device},
      {"precision", "fp32 | tf32 (tensor-core fp32 matmuls) | bf16 (bf16 compute, fp32 weights and optimizer; "
                    "CUDA only, the CPU always computes in fp32)",
       &C::precision},
      {"cuda_graph", "auto | on | off: capture the whole training step (forward, backward, clip, update) as one "
                     "CUDA graph and replay it (auto: on a GPU with one rank and grad_accum 1)",
       &C::cuda_graph},
      {"reduce_single_rank", "test switch: run the gradient all-reduce (NCCL on GPUs) even with one rank",
       &C::reduce_single_rank},
      {"threads", "BLAS threads per rank (0 = the cores this rank is bound to; unbound: cores / ranks on the node)",
       &C::threads, 0, 4096},
      {"overlap", "all-reduce gradient buckets during backward", &C::overlap},
      {"bucket_mb", "gradient bucket size in MB", &C::bucket_mb, 0.001, 4096},
      {"collective_timeout", "seconds an MPI collective (gradient all-reduce, gather, broadcast) may wait for the "
                             "other ranks before the job is aborted with a line naming the rank, host and collective "
                             "(a frozen or unreachable peer; 0 = wait forever). Ranks wait at least as long as rank "
                             "0's checkpoint save: keep it well above that",
       &C::collective_timeout, 0, kInf},
      {"progress", "auto | bar | lines", &C::progress},
  };
  return table;
}

static std::string normalize(std::string s) {
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

const OptionSpec* find_option(const std::string& name) {
  std::string n = normalize(name);
  for (const auto& o : train_options())
    if (n == o.name) return &o;
  return nullptr;
}

static size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggest_option(const std::string& name) {
  std::string n = normalize(name), best;
  size_t best_d = 1000;
  for (const auto& o : train_options()) {
    size_t d = edit_distance(n, o.name);
    if (d < best_d) best_d = d, best = o.name;
  }
  if (best_d <= std::max<size_t>(2, n.size() / 3)) return "did you mean '" + best + "'?";
  return "";
}

// The shortest decimal form that reads back as the same double ("0.9", not
// "0.90000000000000002"; 2^20 as 1048576, not a stream's 1.04858e+06), for
// --help, --print-config, config.yaml and the ranges in errors.
static std::string shortest_double(double d) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, ptr) : std::to_string(d);
}

static std::string range_text(const OptionSpec& o) {
  return "[" + shortest_double(o.min) + ", " + (o.max >= kInf ? "inf" : shortest_double(o.max)) + "]";
}

// Compares in long double, which holds every int64 exactly, against the double bounds.
static bool in_range(int64_t v, const OptionSpec& o) {
  return static_cast<long double>(v) >= o.min && static_cast<long double>(v) <= o.max;
}

// A string value, checked where it is read (a flag or file:line), not at the
// first save or sample: its row's own check, then what every string must be.
static void check_string_option(const OptionSpec& o, const std::string& value, const std::string& where) {
  if (o.rule.check) o.rule.check(value, where, o.name);
  if (value.find('\0') != std::string::npos) expected(value, where, o.name, "text without NUL characters");
  // A config is YAML, which is UTF-8 text: bytes that are not would be written
  // back (a sweep trial's config.yaml) as U+FFFD, a different value.
  if (!is_valid_utf8(value)) expected(value, where, o.name, "UTF-8 text");
}

void set_option(TrainConfig& cfg, const std::string& key, const std::string& value, const std::string& where) {
  const OptionSpec* o = find_option(key);
  if (!o) {
    std::string hint = suggest_option(key);
    fail(where, ": unknown option ", quoted(key), hint.empty() ? "" : "; ", hint);
  }
  auto bad = [&](const std::string& expected) {
    fail(where, ": ", o->name, " = ", quoted(value), ": expected ", expected);
  };
  std::visit(
      [&](auto member) {
        using T = std::decay_t<decltype(cfg.*member)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          // Parsed as an integer, not through a double: seeds and counts above 2^53
          // would otherwise be rounded silently.
          int64_t v = 0;
          const char* end = value.data() + value.size();
          auto [ptr, ec] = std::from_chars(value.data(), end, v);
          if (value.empty() || ec != std::errc() || ptr != end || !in_range(v, *o))
            bad("an integer in " + range_text(*o));
          cfg.*member = v;
        } else if constexpr (std::is_same_v<T, double>) {
          size_t pos = 0;
          double d = 0;
          try {
            d = std::stod(value, &pos);
          } catch (...) {
            bad("a number in " + range_text(*o));
          }
          if (pos != value.size() || !std::isfinite(d) || d < o->min || d > o->max) bad("a number in " + range_text(*o));
          cfg.*member = d;
        } else if constexpr (std::is_same_v<T, bool>) {
          std::string v = value;
          std::transform(v.begin(), v.end(), v.begin(), ::tolower);
          if (v == "true" || v == "1" || v == "yes" || v == "on") cfg.*member = true;
          else if (v == "false" || v == "0" || v == "no" || v == "off") cfg.*member = false;
          else bad("true or false");
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          cfg.*member = parse_double_list(value, cat(where, ": ", o->name));
          check_string_option(*o, value, where);
        } else if constexpr (std::is_same_v<T, ResumeFrom>) {
          check_string_option(*o, value, where);
          cfg.*member = ResumeFrom::parse(value);
        } else if constexpr (is_choice_v<T>) {
          // The one place a closed set's string becomes its enum; the error
          // names the table's key.
          std::optional<T> e = from_string<T>(value);
          if (!e) fail_choice(where, o->name, value, choice_list<T>());
          cfg.*member = *e;
        } else {
          check_string_option(*o, value, where);
          cfg.*member = value;
        }
      },
      o->field);
}

void with_yaml_errors(const std::string& file, const std::function<void()>& walk) {
  auto at = [&](const YAML::Mark& m) { return m.is_null() ? file : cat(file, ":", m.line + 1, ":", m.column + 1); };
  try {
    walk();
  } catch (const YAML::BadConversion& e) {  // as<std::string>() of a list or mapping
    fail(at(e.mark), ": expected a single value, not a list or mapping");
  } catch (const YAML::Exception& e) {
    fail(at(e.mark), ": ", e.msg);
  }
}

// What a YAML node is, for "got ..." in messages.
static std::string node_kind(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return cat("the value ", quoted(n.Scalar()));
}

void apply_yaml(TrainConfig& cfg, const YAML::Node& map, const std::string& file) {
  if (!map.IsMap())
    fail(file, ":", map.Mark().line + 1, ": got ", node_kind(map), ", expected a mapping of option: value");
  std::vector<std::pair<std::string, int>> seen;  // canonical option -> line, to catch a key given twice
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string where = cat(file, ":", it->first.Mark().line + 1);
    if (!it->first.IsScalar())
      fail(where, ": a key is ", node_kind(it->first), ", expected an option name (rnn_size: 128)");
    std::string key = it->first.Scalar();
    const OptionSpec* o = find_option(key);
    if (!o) set_option(cfg, key, "", where);  // throws "unknown option" with a suggestion
    for (const auto& [name, line] : seen)
      if (name == o->name)
        fail(where, ": ", key, ": given twice (first at line ", line, "); expected each option once");
    seen.emplace_back(o->name, it->first.Mark().line + 1);
    if (!it->second.IsScalar())
      fail(where, ": ", key, ": got ", node_kind(it->second), ", expected a single value",
           std::holds_alternative<std::string TrainConfig::*>(o->field) ? " (write \"\" for an empty string)" : "");
    set_option(cfg, key, it->second.Scalar(), where);
  }
}

void apply_yaml_file(TrainConfig& cfg, const std::string& path) {
  require_readable_file(path, "YAML config");
  apply_yaml_text(cfg, read_file(path), path);
}

void apply_yaml_text(TrainConfig& cfg, const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(file, ":", e.mark.line + 1, ": invalid YAML: ", e.msg);
  }
  if (root.IsNull()) fail(file, ": empty; expected a mapping of option: value (rnn_size: 128)");
  with_yaml_errors(file, [&] { apply_yaml(cfg, root, file); });
}

void validate(const TrainConfig& cfg) {
  if (cfg.data.empty()) fail("train: no corpus given; pass --data FILE.h5 (or 'data:' in the config)");
  if (cfg.max_epochs <= 0 && cfg.max_iters <= 0) fail("train: max_epochs and max_iters are both 0; nothing to do");
  if (!cfg.asha_records.empty() && (cfg.asha_min_iters > 0) == (cfg.asha_min_seconds > 0))
    fail("train: asha_records is set: expected exactly one of asha_min_iters and asha_min_seconds > 0");
  if (!cfg.init_from.empty() && cfg.resume.given())
    fail("train: init_from and resume are exclusive (resume restores everything; init_from only weights)");
}

ResumeFrom ResumeFrom::parse(const std::string& text) {
  if (text.empty()) return {};
  if (text == "auto") return {Kind::Latest, ""};
  return {Kind::File, text};
}

std::string ResumeFrom::spelling() const {
  return kind == Kind::None ? "" : kind == Kind::Latest ? "auto" : path;
}

std::vector<double> parse_double_list(const std::string& s, const std::string& what) {
  auto bad = [&]() { fail(what, " = ", quoted(s), ": expected comma-separated positive numbers"); };
  std::vector<double> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    // Spaces around an item are allowed ("0.5, 1" as written in YAML); anything else
    // left after the number ("0.5x") is an error rather than silently dropped.
    const size_t first = item.find_first_not_of(" \t"), last = item.find_last_not_of(" \t");
    if (first == std::string::npos) bad();
    item = item.substr(first, last - first + 1);
    double d = 0;
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), d);
    if (ec != std::errc() || ptr != item.data() + item.size() || !std::isfinite(d) || !(d > 0)) bad();
    out.push_back(d);
  }
  if (out.empty()) fail(what, " is empty: expected comma-separated positive numbers");
  return out;
}

std::string option_value(const TrainConfig& cfg, const OptionSpec& spec) {
  return std::visit(
      [&](auto member) -> std::string {
        using T = std::decay_t<decltype(cfg.*member)>;
        if constexpr (std::is_same_v<T, bool>) return (cfg.*member) ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>) return cfg.*member;
        else if constexpr (std::is_same_v<T, ResumeFrom>) return (cfg.*member).spelling();
        else if constexpr (is_choice_v<T>) return to_string(cfg.*member);
        else if constexpr (std::is_same_v<T, double>) return shortest_double(cfg.*member);
        else if constexpr (std::is_same_v<T, std::vector<double>>) {
          std::string list;
          for (double d : cfg.*member) list += (list.empty() ? "" : ",") + shortest_double(d);
          return list;
        } else return std::to_string(cfg.*member);
      },
      spec.field);
}

// Strings and enums are written quoted, numbers and booleans bare: config.yaml
// and the config saved in checkpoints read as they did when enums were strings.
static bool is_text(const OptionSpec& o) {
  return std::visit(
      [](auto member) {
        using T = std::decay_t<decltype(std::declval<TrainConfig>().*member)>;
        return std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<double>> ||
               std::is_same_v<T, ResumeFrom> || is_choice_v<T>;
      },
      o.field);
}

std::string to_yaml(const TrainConfig& cfg) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const auto& o : train_options()) {
    out << YAML::Key << o.name << YAML::Value;
    std::string v = option_value(cfg, o);
    if (is_text(o)) out << YAML::DoubleQuoted << v;
    else out << v;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string train_help() {
  std::ostringstream os;
  os << "Usage: charnn train --data FILE.h5 [--config FILE.yaml] [--KEY VALUE ...] [--set KEY=VALUE ...]\n"
        "\n"
        "Trains a character-level RNN. Run it under mpirun/srun for data-parallel training.\n"
        "Every option is also a YAML key; flags override the config file. Dashes and\n"
        "underscores are interchangeable (--rnn-size = --rnn_size).\n"
        "\n"
        "  --config FILE        YAML file of options\n"
        "  --set KEY=VALUE      set any option\n"
        "  --print-config       print the resolved config as YAML and exit\n"
        "  --trial-dir DIR      run a sweep trial: options from DIR/config.yaml, checkpoints and\n"
        "                       status.json in DIR, resuming from DIR's latest checkpoint\n"
        "  --force-new-run      start a new run in a checkpoint_dir that holds another run's\n"
        "                       checkpoints (refused otherwise); that run's files are left alone\n"
        "\n";
  TrainConfig defaults;
  for (const auto& o : train_options()) {
    if (o.set_by_sweep) continue;  // the sweep writes these into trial configs; not for users
    std::string def = option_value(defaults, o);
    std::string left = cat("  --", o.name);
    if (left.size() < 30) left += std::string(30 - left.size(), ' ');
    os << left << o.help;
    if (!def.empty()) os << " [" << def << "]";
    os << "\n";
  }
  return os.str();
}

TrainCommandLine parse_train_command_line(const std::vector<std::string>& args) {
  TrainCommandLine cl;
  std::vector<std::pair<std::string, std::string>> sets;  // applied after the config file
  std::vector<std::string> configs;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      cl.help = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) fail("train: unexpected argument ", quoted(a), "; options look like --KEY VALUE");
    std::string key = a.substr(2), value;
    bool has_value = false;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1), key = key.substr(0, eq), has_value = true;
    }
    key = normalize(key);
    auto take_value = [&]() {
      if (has_value) return;
      if (i + 1 >= args.size()) fail("--", key, ": missing value");
      value = args[++i], has_value = true;
    };
    if (key == "print_config") {
      cl.print_config = true;
    } else if (key == "force_new_run") {
      cl.cfg.force_new_run = true;
    } else if (key == "config") {
      take_value();
      configs.push_back(value);
    } else if (key == "trial_dir") {
      take_value();
      cl.trial_dir = value;
    } else if (key == "set") {
      take_value();
      auto eq = value.find('=');
      if (eq == std::string::npos) fail("--set ", quoted(value), ": expected KEY=VALUE");
      sets.emplace_back(value.substr(0, eq), value.substr(eq + 1));
      if (!find_option(sets.back().first)) set_option(cl.cfg, sets.back().first, "", "--set");
    } else {
      const OptionSpec* o = find_option(key);
      if (!o) set_option(cl.cfg, key, "", "--" + key);  // throws "unknown option" with a suggestion
      bool is_bool = std::holds_alternative<bool TrainConfig::*>(o->field);
      if (is_bool && !has_value && (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0)) {
        value = "true", has_value = true;  // bare boolean flag
      }
      take_value();
      sets.emplace_back(key, value);
    }
  }
  if (!cl.trial_dir.empty()) configs.insert(configs.begin(), cl.trial_dir + "/config.yaml");
  for (const auto& c : configs) apply_yaml_file(cl.cfg, config_path(c));  // a bare name: also the examples
  for (const auto& [k, v] : sets) set_option(cl.cfg, k, v, "--" + k);
  if (!cl.trial_dir.empty()) {  // the trial directory is the run directory, and a requeue resumes
    cl.cfg.checkpoint_dir = cl.trial_dir;
    if (!cl.cfg.resume.given() && cl.cfg.init_from.empty()) cl.cfg.resume.kind = ResumeFrom::Kind::Latest;
  }
  return cl;
}

}  // namespace charnn
