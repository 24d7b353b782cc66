#include "sweep/spec.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <regex>
#include <sstream>

#include "sweep/sbatch_template.h"
#include "sweep/trial_status.h"
#include "util/csv.h"
#include "util/fsutil.h"
#include "util/status.h"

namespace fs = std::filesystem;

namespace charnn {

namespace {

std::string where(const SweepSpec& s, const YAML::Node& n) { return cat(s.path, ":", n.Mark().line + 1); }

double number(const SweepSpec& s, const YAML::Node& n, const std::string& what) {
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    fail(where(s, n), ": ", what, ": expected a number, got ", charnn::quoted(n.IsScalar() ? n.Scalar() : "?"));
  }
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Keys whose values are paths: relative ones may not climb out with "..".
bool is_path_key(const std::string& k) {
  return k == "data" || k == "vocab" || k == "init_from" || k == "resume" || k == "checkpoint_dir" || k == "savefile";
}

void check_path_value(const std::string& file_line, const std::string& key, const std::string& value) {
  if (key == "checkpoint_dir" || key == "resume")
    fail(file_line, ": ", key, " cannot be set in a sweep: each trial's directory is its checkpoint_dir, "
         "and requeued trials resume from it automatically");
  if (key == "savefile" && value.find('/') != std::string::npos)
    fail(file_line, ": savefile = ", charnn::quoted(value), ": expected a file name stem without '/'");
  if (!value.empty() && value[0] != '/') {
    for (const auto& part : fs::path(value))
      if (part == "..")
        fail(file_line, ": ", key, " = ", charnn::quoted(value), ": relative paths may not contain '..' "
             "(give an absolute path to point outside)");
  }
}

// Parse a value for `key` on a scratch config: type and range errors name the spec line.
void check_value(const SweepSpec& s, const YAML::Node& n, const std::string& key, const std::string& value) {
  TrainConfig scratch;
  set_option(scratch, key, value, where(s, n));
  if (is_path_key(key)) check_path_value(where(s, n), key, value);
}

const std::regex kSlurmWord("^[A-Za-z0-9_.:,@+=/-]*$");

}  // namespace

SweepSpec load_sweep_spec(const std::string& path) {
  require_readable_file(path, "sweep spec (YAML)");
  SweepSpec s;
  s.path = path;
  s.name = fs::path(path).stem().string();
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    fail(path, ":", e.mark.line + 1, ": invalid YAML: ", e.msg);
  }
  if (!root.IsMap()) fail(path, ": expected a mapping with 'base' and 'sweep'");
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string k = it->first.as<std::string>();
    if (k != "name" && k != "base_config" && k != "base" && k != "sweep" && k != "slurm")
      fail(where(s, it->first), ": unknown key ", charnn::quoted(k), "; expected name, base_config, base, sweep or slurm");
  }
  if (root["name"]) s.name = root["name"].as<std::string>();
  if (!std::regex_match(s.name, kSlurmWord) || s.name.empty())
    fail(path, ": name = ", charnn::quoted(s.name), ": expected letters, digits and . _ - only");
  if (auto bc = root["base_config"]) {
    fs::path p = bc.as<std::string>();
    if (p.is_relative()) p = fs::path(path).parent_path() / p;
    apply_yaml_file(s.base, p.string());
  }
  if (auto base = root["base"]) {
    if (!base.IsMap()) fail(where(s, base), ": base: expected a mapping of train options");
    for (auto it = base.begin(); it != base.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      if (is_path_key(k) && it->second.IsScalar()) check_path_value(where(s, it->first), k, it->second.Scalar());
    }
    apply_yaml(s.base, base, path);
  }

  YAML::Node sw = root["sweep"];
  if (!sw || !sw.IsMap()) fail(path, ": missing 'sweep:' mapping (method, parameters, ...)");
  for (auto it = sw.begin(); it != sw.end(); ++it) {
    const std::string k = it->first.as<std::string>();
    if (k != "method" && k != "parameters" && k != "trials" && k != "seed" && k != "metric")
      fail(where(s, it->first), ": unknown sweep key ", charnn::quoted(k), "; expected method, parameters, trials, seed or metric");
  }
  if (sw["method"]) s.method = sw["method"].as<std::string>();
  if (s.method != "grid" && s.method != "random")
    fail(where(s, sw["method"]), ": method = ", charnn::quoted(s.method), ": expected grid or random");
  if (sw["metric"]) s.metric = sw["metric"].as<std::string>();
  if (s.metric != "val_loss") fail(where(s, sw["metric"]), ": metric = ", charnn::quoted(s.metric), ": only val_loss (minimised) is supported");
  if (sw["seed"]) s.seed = static_cast<uint64_t>(number(s, sw["seed"], "seed"));
  if (s.method == "random") {
    if (!sw["trials"]) fail(path, ": method random needs 'trials: N'");
    double t = number(s, sw["trials"], "trials");
    if (t < 1 || t != std::floor(t)) fail(where(s, sw["trials"]), ": trials = ", t, ": expected a whole number >= 1");
    s.trials = static_cast<int64_t>(t);
  }
  YAML::Node params = sw["parameters"];
  if (!params || !params.IsMap() || params.size() == 0) fail(path, ": sweep.parameters: expected a mapping of option: values");
  for (auto it = params.begin(); it != params.end(); ++it) {
    SweepParameter p;
    p.key = it->first.as<std::string>();
    const std::string at = where(s, it->first);
    if (!find_option(p.key)) {
      std::string hint = suggest_option(p.key);
      fail(at, ": unknown option ", charnn::quoted(p.key), hint.empty() ? "" : "; ", hint);
    }
    p.key = find_option(p.key)->name;
    const YAML::Node& v = it->second;
    if (v.IsSequence()) {
      p.kind = "list";
      for (const auto& e : v) {
        if (!e.IsScalar()) fail(where(s, e), ": ", p.key, ": list values must be scalars");
        check_value(s, e, p.key, e.Scalar());
        p.values.push_back(e.Scalar());
      }
      if (p.values.empty()) fail(at, ": ", p.key, ": empty list");
    } else if (v.IsScalar()) {
      p.kind = "fixed";
      check_value(s, v, p.key, v.Scalar());
      p.values = {v.Scalar()};
    } else if (v.IsMap() && v.size() == 1) {
      p.kind = v.begin()->first.as<std::string>();
      const YAML::Node& arg = v.begin()->second;
      if (s.method == "grid") fail(at, ": ", p.key, ": '", p.kind, "' needs method random; grid takes a list of values");
      if (p.kind == "choice") {
        if (!arg.IsSequence() || arg.size() == 0) fail(where(s, arg), ": choice: expected a non-empty list");
        for (const auto& e : arg) {
          check_value(s, e, p.key, e.Scalar());
          p.values.push_back(e.Scalar());
        }
      } else if (p.kind == "uniform" || p.kind == "log_uniform" || p.kind == "int_uniform") {
        if (!arg.IsSequence() || arg.size() != 2) fail(where(s, arg), ": ", p.kind, ": expected [low, high]");
        p.lo = number(s, arg[0], p.kind), p.hi = number(s, arg[1], p.kind);
        if (!(p.lo <= p.hi)) fail(where(s, arg), ": ", p.kind, ": low ", p.lo, " > high ", p.hi);
        if (p.kind == "log_uniform" && p.lo <= 0) fail(where(s, arg), ": log_uniform: low must be > 0");
        check_value(s, arg[0], p.key, format_number(p.lo));
        check_value(s, arg[1], p.key, format_number(p.hi));
      } else {
        fail(at, ": ", p.key, ": unknown distribution ", charnn::quoted(p.kind), "; expected choice, uniform, log_uniform or int_uniform");
      }
    } else {
      fail(at, ": ", p.key, ": expected a list of values or {distribution: [...]}");
    }
    s.parameters.push_back(p);
  }

  if (auto sl = root["slurm"]) {
    if (!sl.IsMap()) fail(where(s, sl), ": slurm: expected a mapping");
    for (auto it = sl.begin(); it != sl.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      const std::string at = where(s, it->first);
      const std::string v = it->second.IsScalar() ? it->second.Scalar() : "";
      auto integer = [&](int64_t lo) {
        double d = number(s, it->second, k);
        if (d < lo || d != std::floor(d)) fail(at, ": slurm.", k, " = ", charnn::quoted(v), ": expected a whole number >= ", lo);
        return static_cast<int64_t>(d);
      };
      auto word = [&]() {
        if (!std::regex_match(v, kSlurmWord)) fail(at, ": slurm.", k, " = ", charnn::quoted(v), ": unexpected characters");
        return v;
      };
      if (k == "partition") s.slurm.partition = word();
      else if (k == "account") s.slurm.account = word();
      else if (k == "time") s.slurm.time = word();
      else if (k == "nodes") s.slurm.nodes = integer(1);
      else if (k == "ranks") s.slurm.ranks = integer(1);
      else if (k == "gpus_per_node") s.slurm.gpus_per_node = integer(0);
      else if (k == "cpus_per_task") s.slurm.cpus_per_task = integer(1);
      else if (k == "max_concurrent") s.slurm.max_concurrent = integer(1);
      else if (k == "launcher") {
        s.slurm.launcher = v;
        if (v != "srun" && v != "mpirun") fail(at, ": slurm.launcher = ", charnn::quoted(v), ": expected srun or mpirun");
      } else {
        fail(at, ": unknown slurm key ", charnn::quoted(k), "; expected partition, account, time, nodes, ranks, "
             "gpus_per_node, cpus_per_task, max_concurrent or launcher");
      }
    }
  }
  return s;
}

std::vector<Trial> expand_trials(const SweepSpec& s) {
  std::vector<std::vector<std::pair<std::string, std::string>>> combos;
  if (s.method == "grid") {
    combos.push_back({});
    for (const auto& p : s.parameters) {
      std::vector<std::vector<std::pair<std::string, std::string>>> next;
      for (const auto& c : combos)
        for (const auto& v : p.values) {
          auto e = c;
          e.emplace_back(p.key, v);
          next.push_back(std::move(e));
        }
      combos = std::move(next);
    }
  } else {
    std::mt19937_64 rng(s.seed);
    for (int64_t t = 0; t < s.trials; ++t) {
      std::vector<std::pair<std::string, std::string>> c;
      for (const auto& p : s.parameters) {
        std::string v;
        if (p.kind == "list" || p.kind == "choice" || p.kind == "fixed") {
          v = p.values[std::uniform_int_distribution<size_t>(0, p.values.size() - 1)(rng)];
        } else if (p.kind == "uniform") {
          v = format_number(std::uniform_real_distribution<double>(p.lo, p.hi)(rng));
        } else if (p.kind == "log_uniform") {
          v = format_number(std::exp(std::uniform_real_distribution<double>(std::log(p.lo), std::log(p.hi))(rng)));
        } else {
          v = std::to_string(std::uniform_int_distribution<int64_t>(static_cast<int64_t>(std::ceil(p.lo)),
                                                                    static_cast<int64_t>(std::floor(p.hi)))(rng));
        }
        c.emplace_back(p.key, v);
      }
      combos.push_back(std::move(c));
    }
  }
  std::vector<Trial> trials;
  for (size_t i = 0; i < combos.size(); ++i) {
    Trial t;
    t.id = static_cast<int>(i);
    t.values = combos[i];
    t.config = s.base;
    for (const auto& [k, v] : t.values) set_option(t.config, k, v, cat(s.path, " (trial ", i, ")"));
    if (t.config.data.empty()) fail(s.path, ": no 'data' in base (the corpus every trial trains on)");
    trials.push_back(std::move(t));
  }
  if (trials.size() > 100000) fail(s.path, ": ", trials.size(), " trials; reduce the grid");
  return trials;
}

std::string trial_dir(const std::string& sweep_dir, int id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", id);
  return sweep_dir + "/trials/" + buf;
}

bool is_sweep_dir(const std::string& dir) { return path_exists(dir + "/trials.csv"); }

static std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

static std::string render_sbatch(const SweepSpec& s, const std::string& dir, size_t n_trials, const std::string& charnn) {
  std::string extra;
  if (!s.slurm.partition.empty()) extra += "#SBATCH --partition=" + s.slurm.partition + "\n";
  if (!s.slurm.account.empty()) extra += "#SBATCH --account=" + s.slurm.account + "\n";
  if (s.slurm.gpus_per_node > 0) extra += cat("#SBATCH --gpus-per-node=", s.slurm.gpus_per_node, "\n");
  std::string launch =
      s.slurm.launcher == "srun"
          ? cat("srun --mpi=pmix --ntasks=", s.slurm.ranks, " --cpu-bind=cores")
          : cat("mpirun -np ", s.slurm.ranks, " --bind-to none");
  const std::string abs_dir = fs::absolute(dir).lexically_normal().string();
  std::string out = kSweepSbatchTemplate;
  auto sub = [&](const std::string& key, const std::string& value) {
    for (size_t pos; (pos = out.find(key)) != std::string::npos;) out.replace(pos, key.size(), value);
  };
  sub("{{NAME}}", s.name);
  sub("{{LAST}}", std::to_string(n_trials - 1));
  sub("{{MAX_CONCURRENT}}", std::to_string(s.slurm.max_concurrent));
  sub("{{NODES}}", std::to_string(s.slurm.nodes));
  sub("{{RANKS}}", std::to_string(s.slurm.ranks));
  sub("{{CPUS_PER_TASK}}", std::to_string(s.slurm.cpus_per_task));
  sub("{{TIME}}", s.slurm.time);
  sub("{{EXTRA_SBATCH}}", extra);
  sub("{{LOG_DIR}}", abs_dir + "/logs");
  sub("{{SWEEP_DIR}}", shell_quote(abs_dir));
  sub("{{CHARNN}}", shell_quote(charnn));
  sub("{{LAUNCH}}", launch);
  return out;
}

std::vector<Trial> plan_sweep(const SweepSpec& s, const PlanOptions& opt) {
  std::vector<Trial> trials = expand_trials(s);
  if (path_exists(opt.dir) && !opt.force)
    fail(opt.dir, ": exists; pass --force to re-plan (finished and running trials are kept)");
  if (opt.dir.find('\'') != std::string::npos || opt.dir.find('\n') != std::string::npos)
    fail(opt.dir, ": sweep directory names may not contain quotes or newlines");
  make_dirs(opt.dir + "/trials");
  make_dirs(opt.dir + "/logs");
  std::string csv = "id";
  for (const auto& p : s.parameters) csv += "," + csv_field(p.key);
  csv += "\n";
  for (const auto& t : trials) {
    const std::string td = trial_dir(opt.dir, t.id);
    const TrialStatus st = read_trial_status(td);
    csv += std::to_string(t.id);
    for (const auto& kv : t.values) csv += "," + csv_field(kv.second);
    csv += "\n";
    if (st.status == "done" || st.status == "running") continue;  // never clobber a finished or live trial
    make_dirs(td);
    TrainConfig c = t.config;
    c.checkpoint_dir = td;
    c.data = fs::absolute(c.data).lexically_normal().string();
    if (!c.vocab.empty()) c.vocab = fs::absolute(c.vocab).lexically_normal().string();
    if (!c.init_from.empty()) c.init_from = fs::absolute(c.init_from).lexically_normal().string();
    write_file_atomic(td + "/config.yaml", to_yaml(c));
  }
  write_file_atomic(opt.dir + "/trials.csv", csv);
  write_file_atomic(opt.dir + "/sweep.yaml", read_file(s.path));
  write_file_atomic(opt.dir + "/sweep.sbatch", render_sbatch(s, opt.dir, trials.size(), opt.charnn_path));
  return trials;
}

}  // namespace charnn
