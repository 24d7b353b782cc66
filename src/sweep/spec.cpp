#include "sweep/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <variant>

#include "sweep/expand.h"
#include "util/fsutil.h"
#include "util/number.h"
#include "util/resources.h"
#include "util/status.h"

namespace fs = std::filesystem;

namespace charnn {

// The inputs a trial reads (the options table's input files). A relative one
// is relative to the spec's folder, like base_config: a spec finds the same
// corpus wherever it is planned from.
std::string TrainConfig::*input_path_field(const std::string& key) {
  const OptionSpec* o = find_option(key);
  if (!o || o->rule.path != PathKind::InputFile) return nullptr;
  return std::get<std::string TrainConfig::*>(o->field);
}

std::string against_spec(const SweepSpec& s, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(s.path).parent_path() / path).string();
}

namespace {

std::string where(const SweepSpec& s, const YAML::Node& n) { return cat(s.path, ":", n.Mark().line + 1); }

// What a YAML node is, for "got ..." in messages.
std::string node_kind(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return cat("the value ", charnn::quoted(n.Scalar()));
}

// The text of a scalar; a list, a mapping or nothing where one word belongs is an error.
std::string scalar(const SweepSpec& s, const YAML::Node& n, const std::string& what, const std::string& expected) {
  if (!n.IsScalar()) fail(where(s, n), ": ", what, ": got ", node_kind(n), ", expected ", expected);
  return n.Scalar();
}

// A finite number (every number of a spec is one).
double number(const SweepSpec& s, const YAML::Node& n, const std::string& what) {
  const std::string text = scalar(s, n, what, "a number");
  double d = 0;
  try {
    d = n.as<double>();
  } catch (const YAML::Exception&) {
    fail(where(s, n), ": ", what, ": got ", charnn::quoted(text), ", expected a number");
  }
  if (!std::isfinite(d)) fail(where(s, n), ": ", what, ": got ", charnn::quoted(text), ", expected a finite number");
  return d;
}

// A whole number in [min, max]: exact from its digits ("2026"), or from a
// number that is whole ("1e3"); never a cast of a double that may not fit.
int64_t whole(const SweepSpec& s, const YAML::Node& n, const std::string& what, int64_t min,
              int64_t max = std::numeric_limits<int64_t>::max()) {
  const std::string text = scalar(s, n, what, "a whole number");
  std::optional<int64_t> v = parse_int64(text, min, max);
  double d = 0;
  if (!v && YAML::convert<double>::decode(n, d)) v = whole_number(d, min, max);
  if (!v)
    fail(where(s, n), ": ", what, " = ", charnn::quoted(text), ": expected a whole number ",
         max == std::numeric_limits<int64_t>::max() ? cat(">= ", min) : cat("in [", min, ", ", max, "]"));
  return *v;
}

// "a, b or c", for the "expected ..." half of a message.
std::string one_of(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) out += (i == 0 ? "" : i + 1 < words.size() ? ", " : " or ") + words[i];
  return out;
}

// The one check every mapping of a spec goes through, so a typo anywhere reads
// the same: "spec.yaml:7: unknown sweep key 'trails'; expected method, ... or metric".
// `what` is the phrase before the key ("unknown slurm key").
// Keys must be plain words, each given once.
void check_known_keys(const SweepSpec& s, const YAML::Node& map, const std::string& what,
                      const std::vector<std::string>& known) {
  std::vector<std::pair<std::string, int>> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string k = scalar(s, it->first, "a key", "a word such as " + one_of(known));
    if (std::find(known.begin(), known.end(), k) == known.end())
      fail(where(s, it->first), ": ", what, " ", charnn::quoted(k), "; expected ", one_of(known));
    for (const auto& [name, line] : seen)
      if (name == k) fail(where(s, it->first), ": ", k, ": given twice (first at line ", line, "); expected it once");
    seen.emplace_back(k, it->first.Mark().line + 1);
  }
}

// Options whose values are paths (their row in the options table says so):
// relative ones may not climb out with "..".
bool is_path_key(const std::string& k) {
  const OptionSpec* o = find_option(k);
  return o && o->rule.path != PathKind::None;
}

void check_path_value(const std::string& file_line, const std::string& key, const std::string& value) {
  const OptionSpec& o = *find_option(key);
  if (o.rule.path == PathKind::OutputDir)
    fail(file_line, ": ", key, " cannot be set in a sweep: every trial would write into the one directory; "
         "'charnn tensorboard SWEEP_DIR' writes one TensorBoard run per trial");
  if (!o.sweepable())
    fail(file_line, ": ", key, " cannot be set in a sweep: each trial's directory is its checkpoint_dir, "
         "and requeued trials resume from it automatically");
  if (o.rule.path == PathKind::FileStem && value.find('/') != std::string::npos)
    fail(file_line, ": ", key, " = ", charnn::quoted(value), ": expected a file name stem without '/'");
  if (!value.empty() && value[0] != '/') {
    for (const auto& part : fs::path(value))
      if (part == "..")
        fail(file_line, ": ", key, " = ", charnn::quoted(value), ": relative paths may not contain '..' "
             "(give an absolute path to point outside)");
  }
}

// The options a sweep writes into its trials itself (asha_*: from early_terminate).
void check_not_set_by_sweep(const std::string& at, const std::string& key) {
  const OptionSpec* o = find_option(key);
  if (o && o->set_by_sweep)
    fail(at, ": ", key, " cannot be set in a sweep spec: the sweep writes it from sweep.early_terminate");
}

// The canonical option name ("init-from" -> "init_from"), or "" for none.
std::string canonical_key(const std::string& k) {
  const OptionSpec* o = find_option(k);
  return o ? o->name : "";
}

// Parse a value for `key` on a scratch config: type and range errors name the spec line.
void check_value(const SweepSpec& s, const YAML::Node& n, const std::string& key, const std::string& value) {
  TrainConfig scratch;
  set_option(scratch, key, value, where(s, n));
  if (is_path_key(key)) check_path_value(where(s, n), key, value);
}

const std::regex kSlurmWord("^[A-Za-z0-9_.:,@+=/-]*$");

YAML::Node parse_yaml(const std::string& text, const std::string& path) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(path, ":", e.mark.line + 1, ": invalid YAML: ", e.msg);
  }
}

YAML::Node load_yaml(const std::string& path) {
  require_readable_file(path, "sweep spec (YAML)");
  return parse_yaml(read_file(path), path);
}

// --- top level: name, base_config and base ---

void load_name(SweepSpec& s, const YAML::Node& root) {
  s.name = fs::path(s.path).stem().string();
  if (root["name"]) s.name = scalar(s, root["name"], "name", "one word (letters, digits and . _ -)");
  // The name becomes the Slurm job name: keep it one plain word.
  if (!std::regex_match(s.name, kSlurmWord) || s.name.empty())
    fail(s.path, ": name = ", charnn::quoted(s.name), ": expected letters, digits and . _ - only");
}

// base_config (a train config file) first, then `base` on top of it. Paths
// given in base_config keep the meaning they have for `charnn train --config`.
void load_base(SweepSpec& s, const YAML::Node& root) {
  if (const YAML::Node bc = root["base_config"]) {
    s.base_config = against_spec(s, scalar(s, bc, "base_config", "the path of a train config (YAML)"));
    apply_yaml_file(s.base, s.base_config);
  }
  const YAML::Node base = root["base"];
  if (!base) return;
  if (!base.IsMap()) fail(where(s, base), ": base: expected a mapping of train options");
  std::set<std::string> inputs;  // a set: a key given twice is resolved once
  for (auto it = base.begin(); it != base.end(); ++it) {
    const std::string k = canonical_key(scalar(s, it->first, "base: a key", "an option name (rnn_size: 128)"));
    check_not_set_by_sweep(where(s, it->first), k);
    if (is_path_key(k) && it->second.IsScalar()) check_path_value(where(s, it->first), k, it->second.Scalar());
    if (input_path_field(k)) inputs.insert(k);
  }
  apply_yaml(s.base, base, s.path);
  for (const auto& k : inputs) s.base.*input_path_field(k) = against_spec(s, s.base.*input_path_field(k));
}

// --- sweep: method, metric, seed, trials, parameters ---

SweepMethod parse_method(const SweepSpec& s, const YAML::Node& n) {
  const std::string m = scalar(s, n, "method", "grid or random");
  if (const std::optional<SweepMethod> method = from_string<SweepMethod>(m)) return *method;
  fail(where(s, n), ": method = ", charnn::quoted(m), ": expected grid or random");
}

void load_search(SweepSpec& s, const YAML::Node& sw) {
  if (sw["method"]) s.method = parse_method(s, sw["method"]);
  if (sw["metric"]) s.metric = scalar(s, sw["metric"], "metric", "val_loss");
  if (s.metric != "val_loss") fail(where(s, sw["metric"]), ": metric = ", charnn::quoted(s.metric), ": only val_loss (minimised) is supported");
  if (sw["seed"]) s.seed = static_cast<uint64_t>(whole(s, sw["seed"], "seed", 0));
  if (s.method == SweepMethod::random) {
    if (!sw["trials"]) fail(s.path, ": method random needs 'trials: N'");
    s.trials = whole(s, sw["trials"], "trials", 1, kMaxTrials);
  } else if (sw["trials"]) {
    fail(where(s, sw["trials"]), ": trials: only for method random (a grid has one trial per combination)");
  }
}

// Scalar values of a list or a choice, each checked as a value of p.key.
void load_values(const SweepSpec& s, SweepParameter& p, const YAML::Node& seq) {
  for (const auto& e : seq) {
    if (!e.IsScalar()) fail(where(s, e), ": ", p.key, ": list values must be scalars");
    check_value(s, e, p.key, e.Scalar());
    p.values.push_back(e.Scalar());
  }
}

bool is_integer_option(const std::string& key) {
  const OptionSpec* o = find_option(key);
  return o && std::holds_alternative<int64_t TrainConfig::*>(o->field);
}

bool is_number_option(const std::string& key) {
  const OptionSpec* o = find_option(key);
  return o && (std::holds_alternative<int64_t TrainConfig::*>(o->field) ||
               std::holds_alternative<double TrainConfig::*>(o->field));
}

void load_range(const SweepSpec& s, SweepParameter& p, const YAML::Node& arg) {
  const std::string kind = cat(p.key, ": ", to_string(p.kind));
  if (!arg.IsSequence() || arg.size() != 2)
    fail(where(s, arg), ": ", kind, ": got ", node_kind(arg), arg.IsSequence() ? cat(" of ", arg.size()) : "",
         ", expected [low, high]");
  if (!is_number_option(p.key))
    fail(where(s, arg), ": ", kind, ": ", p.key, " is not a number; expected a list or {choice: [...]}");
  p.lo = number(s, arg[0], kind), p.hi = number(s, arg[1], kind);
  if (!(p.lo <= p.hi)) fail(where(s, arg), ": ", kind, ": low ", p.lo, " > high ", p.hi, ", expected low <= high");
  if (p.kind == ParamKind::log_uniform && p.lo <= 0)
    fail(where(s, arg), ": ", kind, ": low ", p.lo, ", expected low > 0 (uniform in log space)");
  if (p.kind == ParamKind::int_uniform) {
    // The ends are the whole numbers that can be drawn, checked as integers
    // ("1000000", not the "1e+06" of format_drawn_number).
    const std::optional<int64_t> lo = whole_number(std::ceil(p.lo)), hi = whole_number(std::floor(p.hi));
    if (!lo || !hi) fail(where(s, arg), ": ", kind, ": [", p.lo, ", ", p.hi, "], expected both ends within 64-bit integers");
    if (*lo > *hi)
      fail(where(s, arg), ": ", kind, ": [", p.lo, ", ", p.hi, "] holds no whole number, expected a range with one");
    check_value(s, arg[0], p.key, std::to_string(*lo));
    check_value(s, arg[1], p.key, std::to_string(*hi));
    return;
  }
  if (is_integer_option(p.key))
    fail(where(s, arg), ": ", kind, ": ", p.key, " takes whole numbers, expected {int_uniform: [low, high]}");
  // Both ends must be valid values: a draw can come arbitrarily close to either.
  check_value(s, arg[0], p.key, format_drawn_number(p.lo));
  check_value(s, arg[1], p.key, format_drawn_number(p.hi));
}

// {distribution: [...]}: random search only.
void load_distribution(const SweepSpec& s, SweepParameter& p, const std::string& at, const YAML::Node& v) {
  static const std::vector<ParamKind> kinds = {ParamKind::choice, ParamKind::uniform, ParamKind::log_uniform,
                                               ParamKind::int_uniform};
  std::vector<std::string> names;
  for (ParamKind k : kinds) names.push_back(to_string(k));
  check_known_keys(s, v, cat(p.key, ": unknown distribution"), names);
  const std::string name = v.begin()->first.Scalar();
  p.kind = kinds[std::find(names.begin(), names.end(), name) - names.begin()];
  if (s.method == SweepMethod::grid) fail(at, ": ", p.key, ": '", name, "' needs method random; grid takes a list of values");
  const YAML::Node arg = v.begin()->second;
  if (p.kind == ParamKind::choice) {
    if (!arg.IsSequence() || arg.size() == 0) fail(where(s, arg), ": choice: expected a non-empty list");
    load_values(s, p, arg);
  } else {
    load_range(s, p, arg);
  }
}

SweepParameter load_parameter(const SweepSpec& s, const YAML::Node& key, const YAML::Node& v) {
  SweepParameter p;
  p.key = scalar(s, key, "parameters: a key", "an option name (rnn_size: [128, 256])");
  const std::string at = where(s, key);
  if (!find_option(p.key)) {
    std::string hint = suggest_option(p.key);
    fail(at, ": unknown option ", charnn::quoted(p.key), hint.empty() ? "" : "; ", hint);
  }
  p.key = canonical_key(p.key);
  check_not_set_by_sweep(at, p.key);
  if (v.IsSequence()) {
    p.kind = ParamKind::list;
    load_values(s, p, v);
    if (p.values.empty()) fail(at, ": ", p.key, ": empty list");
  } else if (v.IsScalar()) {
    p.kind = ParamKind::fixed;
    check_value(s, v, p.key, v.Scalar());
    p.values = {v.Scalar()};
  } else if (v.IsMap() && v.size() == 1) {
    load_distribution(s, p, at, v);
  } else {
    fail(at, ": ", p.key, ": got ", node_kind(v), v.IsMap() ? cat(" of ", v.size(), " keys") : "",
         ", expected a list of values or {distribution: [...]}");
  }
  return p;
}

// The one place the size of a grid is checked against kMaxTrials (expand_trials
// relies on it): the product of the list lengths, known before any trial is
// built. In long double: exact far beyond the limit, and no overflow, as each
// option is swept at most once. (A random search's `trials` is checked where
// it is read.)
void check_grid_size(const SweepSpec& s) {
  if (s.method != SweepMethod::grid) return;
  long double n = 1;
  std::string sizes;
  for (const auto& p : s.parameters) {
    sizes += cat(sizes.empty() ? "" : " x ", p.values.size());
    n *= static_cast<long double>(p.values.size());
  }
  if (n > static_cast<long double>(kMaxTrials)) {
    char total[64];
    std::snprintf(total, sizeof total, "%.0Lf", n);
    fail(s.path, ": sweep.parameters: a grid of ", sizes, " = ", total, " trials, expected at most ", kMaxTrials,
         "; reduce the lists or use method random");
  }
}

// early_terminate: {type: asha, min_iters: N | min_seconds: S, eta: 3} (W&B's spelling; sweep/asha.h).
void load_early_terminate(SweepSpec& s, const YAML::Node& et) {
  const std::string shape = "{type: asha, min_iters: N (or min_seconds: S), eta: 3}";
  if (!et.IsMap()) fail(where(s, et), ": early_terminate: got ", node_kind(et), ", expected ", shape);
  check_known_keys(s, et, "unknown early_terminate key", {"type", "min_iters", "min_seconds", "eta"});
  if (!et["type"]) fail(where(s, et), ": early_terminate: no type; expected ", shape);
  const std::string type = scalar(s, et["type"], "early_terminate.type", "asha");
  if (type != "asha") fail(where(s, et["type"]), ": early_terminate.type = ", charnn::quoted(type), ": expected asha");
  if (static_cast<bool>(et["min_iters"]) == static_cast<bool>(et["min_seconds"]))
    fail(where(s, et), ": early_terminate: expected exactly one of min_iters and min_seconds (where rung 0 is)");
  if (et["min_iters"]) s.asha.min_iters = whole(s, et["min_iters"], "early_terminate.min_iters", 1, int64_t{1} << 40);
  if (et["min_seconds"]) {
    s.asha.min_seconds = number(s, et["min_seconds"], "early_terminate.min_seconds");
    if (!(s.asha.min_seconds > 0))
      fail(where(s, et["min_seconds"]), ": early_terminate.min_seconds = ", s.asha.min_seconds, ": expected > 0");
  }
  if (et["eta"]) s.asha.eta = whole(s, et["eta"], "early_terminate.eta", 2, 1 << 20);
}

void load_sweep(SweepSpec& s, const YAML::Node& sw) {
  if (!sw || !sw.IsMap()) fail(s.path, ": missing 'sweep:' mapping (method, parameters, ...)");
  check_known_keys(s, sw, "unknown sweep key",
                   {"method", "parameters", "trials", "seed", "metric", "early_terminate"});
  load_search(s, sw);
  if (const YAML::Node et = sw["early_terminate"]) load_early_terminate(s, et);
  const YAML::Node params = sw["parameters"];
  if (!params || !params.IsMap() || params.size() == 0) fail(s.path, ": sweep.parameters: expected a mapping of option: values");
  for (auto it = params.begin(); it != params.end(); ++it) {
    SweepParameter p = load_parameter(s, it->first, it->second);
    for (const auto& q : s.parameters)
      if (q.key == p.key) fail(where(s, it->first), ": ", p.key, ": swept twice; expected each option once");
    s.parameters.push_back(std::move(p));
  }
  check_grid_size(s);
}

// --- slurm ---

// Values that go into #SBATCH lines verbatim: one plain word each.
const std::pair<const char*, std::string SlurmResources::*> kSlurmWords[] = {
    {"partition", &SlurmResources::partition}, {"account", &SlurmResources::account}, {"time", &SlurmResources::time}};

struct SlurmCount {
  const char* key;
  int64_t SlurmResources::*field;
  int64_t min;
};
const SlurmCount kSlurmCounts[] = {{"nodes", &SlurmResources::nodes, 1},
                                   {"ranks", &SlurmResources::ranks, 1},
                                   {"gpus_per_node", &SlurmResources::gpus_per_node, 0},
                                   {"cpus_per_task", &SlurmResources::cpus_per_task, 1},
                                   {"max_concurrent", &SlurmResources::max_concurrent, 1}};

// One known slurm key: a word, a count or the launcher.
void set_slurm(const SweepSpec& s, SlurmResources& r, const std::string& k, const YAML::Node& n, const std::string& at) {
  const std::string v = scalar(s, n, "slurm." + k, "one value");
  for (const auto& [key, field] : kSlurmWords) {
    if (k != key) continue;
    if (!std::regex_match(v, kSlurmWord)) fail(at, ": slurm.", k, " = ", charnn::quoted(v), ": unexpected characters");
    r.*field = v;
    return;
  }
  for (const auto& c : kSlurmCounts) {
    if (k != c.key) continue;
    r.*c.field = whole(s, n, "slurm." + k, c.min);
    return;
  }
  const std::optional<Launcher> launcher = from_string<Launcher>(v);
  if (!launcher) fail(at, ": slurm.launcher = ", charnn::quoted(v), ": expected srun or mpirun");
  r.launcher = *launcher;
}

void load_slurm(SweepSpec& s, const YAML::Node& sl) {
  if (!sl.IsMap()) fail(where(s, sl), ": slurm: expected a mapping");
  std::vector<std::string> known;
  for (const auto& w : kSlurmWords) known.push_back(w.first);
  for (const auto& c : kSlurmCounts) known.push_back(c.key);
  known.push_back("launcher");
  check_known_keys(s, sl, "unknown slurm key", known);
  for (auto it = sl.begin(); it != sl.end(); ++it)
    set_slurm(s, s.slurm, it->first.Scalar(), it->second, where(s, it->first));
}

}  // namespace

SweepSpec load_sweep_spec(const std::string& given) {
  const std::string path = config_path(given);  // a bare name: also the installed examples
  require_readable_file(path, "sweep spec (YAML)");
  return parse_sweep_spec(read_file(path), path);
}

SweepSpec parse_sweep_spec(const std::string& text, const std::string& path) {
  SweepSpec s;
  s.path = path;
  const YAML::Node root = parse_yaml(text, path);
  if (!root.IsMap()) fail(path, ": got ", node_kind(root), ", expected a mapping with 'base' and 'sweep'");
  with_yaml_errors(path, [&] {
    check_known_keys(s, root, "unknown key", {"name", "base_config", "base", "sweep", "slurm"});
    load_name(s, root);
    load_base(s, root);
    load_sweep(s, root["sweep"]);
    if (const YAML::Node sl = root["slurm"]) load_slurm(s, sl);
  });
  return s;
}

SlurmResources planned_resources(const std::string& sweep_dir) {
  // Only the slurm section: the copy's base_config is relative to where the
  // spec was, not to the sweep directory, and the trials are planned already.
  SweepSpec s;
  s.path = sweep_dir + "/sweep.yaml";
  const YAML::Node root = load_yaml(s.path);
  with_yaml_errors(s.path, [&] {
    if (root.IsMap())
      if (const YAML::Node sl = root["slurm"]) load_slurm(s, sl);
  });
  return s.slurm;
}

}  // namespace charnn
