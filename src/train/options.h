// Every training option in one table: the same name as a command-line flag
// (--rnn_size, --rnn-size) and as a YAML key (rnn_size:). Names follow char-rnn.
// Precedence: defaults < --config FILE.yaml < flags and --set key=value.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "gpu/gpu.h"
#include "train/choices.h"

namespace YAML { class Node; }

namespace charnn {

// Where `resume` continues from: nowhere (a fresh run, or init_from), the
// newest checkpoint of checkpoint_dir if there is one (written 'auto': what a
// requeued sweep trial does), or a checkpoint file. Parsed once, by the table.
struct ResumeFrom {
  enum class Kind { None, Latest, File };
  Kind kind = Kind::None;
  std::string path;  // Kind::File

  static ResumeFrom parse(const std::string& text);  // "" | "auto" | a path
  std::string spelling() const;                      // what parse() reads back
  bool given() const { return kind != Kind::None; }
};

struct TrainConfig {
  // data
  std::string data;        // corpus cache (.h5)
  std::string vocab;       // torch-rnn vocabulary .json (default: beside the .h5)
  // model
  CellType model = CellType::Lstm;
  int64_t rnn_size = 128;
  int64_t num_layers = 2;
  int64_t embedding_size = 64;
  double dropout = 0.0;
  InitScheme init = InitScheme::PyTorch;
  // batching
  int64_t batch_size = 50;  // streams per rank
  int64_t seq_length = 50;
  int64_t block_shuffle = 0;  // train order: 0 = streams read straight through; K = blocks of K windows
  // optimisation
  Optimizer optimizer = Optimizer::Adam;
  double learning_rate = 2e-3;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.9;
  double decay_rate = 0.95;  // rmsprop
  LrSchedule lr_schedule = LrSchedule::Constant;
  double learning_rate_decay = 0.97;
  double learning_rate_decay_after = 10;  // epochs
  int64_t lr_decay_every = 5;             // epochs
  double lr_decay_factor = 0.5;
  int64_t warmup_iters = 0;
  double min_lr = 0.0;  // cosine floor
  double grad_clip = 5.0;
  ClipMode grad_clip_mode = ClipMode::Norm;
  int64_t grad_accum = 1;
  LrScale lr_scale = LrScale::None;  // linear: x ranks
  // length of training
  double max_epochs = 50;
  int64_t max_iters = 0;     // 0 = no limit
  double max_seconds = 0;    // wall-time budget across resumes; 0 = no limit
  int64_t early_stop_patience = 0;  // validation passes without improvement before stopping; 0 = off
  double early_stop_min_delta = 0;  // an improvement is a best val loss lower by more than this
  // Set by a sweep's early_terminate (sweep/asha.h), one trial of an ASHA sweep:
  std::string asha_records;  // the sweep's record file ("" = not in an ASHA sweep)
  int64_t asha_min_iters = 0;
  double asha_min_seconds = 0;
  int64_t asha_eta = 3;
  // evaluation and logging
  int64_t eval_val_every = 1000;
  int64_t val_max_batches = 0;
  int64_t print_every = 10;
  int64_t sample_every = 0;
  int64_t sample_length = 200;
  std::vector<double> sample_temperatures = {0.2, 0.5, 1.0};  // written "0.2,0.5,1" (parsed once, by the table)
  bool explosion_guard = false;
  // checkpoints
  std::string checkpoint_dir = "cv";
  std::string savefile;  // default: the model type
  std::string init_from;
  ResumeFrom resume;  // nothing, 'auto' or a checkpoint file
  // Command line only (--force_new_run), never saved: start a new run in a
  // checkpoint_dir that holds another run's files (train/run_dir.h).
  bool force_new_run = false;
  std::string tensorboard_dir;  // TensorBoard event files (rank 0), besides metrics.jsonl; "" = none
  int64_t keep_last = 3;
  int64_t keep_best = 1;
  // runtime
  int64_t seed = 123;
  DeviceChoice device = DeviceChoice::Auto;
  Precision precision = Precision::Fp32;  // CUDA only; the CPU computes in fp32
  CudaGraph cuda_graph = CudaGraph::Auto;  // replay the whole training step as one CUDA graph
  bool reduce_single_rank = false;  // test switch: keep the gradient reducer (NCCL/MPI) active with one rank
  int64_t threads = 0;          // intra-op threads per rank; 0 = cores / local ranks
  bool overlap = true;          // all-reduce buckets during backward
  double bucket_mb = 4.0;
  double collective_timeout = 300;  // seconds; 0 = off (parallel/watchdog.h)
  ProgressMode progress = ProgressMode::Auto;
};

// A closed set is an enum field (train/choices.h), its choices the enum's
// spellings; flags, YAML and config.yaml hold the same strings either way.
using OptionField =
    std::variant<int64_t TrainConfig::*, double TrainConfig::*, std::string TrainConfig::*, bool TrainConfig::*,
                 std::vector<double> TrainConfig::*,
                 CellType TrainConfig::*, Optimizer TrainConfig::*, LrSchedule TrainConfig::*,
                 ClipMode TrainConfig::*, Precision TrainConfig::*, CudaGraph TrainConfig::*,
                 LrScale TrainConfig::*, InitScheme TrainConfig::*, ProgressMode TrainConfig::*,
                 DeviceChoice TrainConfig::*, ResumeFrom TrainConfig::*>;

// What a string option's value names, so that the commands that treat paths
// (train's checks, a sweep's paths relative to its spec) read it from the
// option's row instead of lists of names.
enum class PathKind {
  None,
  InputFile,         // a file read: must exist; in a sweep, relative to the spec
  CheckpointOrAuto,  // a checkpoint file, or 'auto'; not in a sweep (a trial resumes itself)
  RunDir,            // the directory the run writes; not in a sweep (each trial's is its own)
  FileStem,          // part of a file name written in the run directory
  OutputDir,         // another directory the run writes; not in a sweep (its trials would share it)
};

struct StringRule {
  PathKind path = PathKind::None;
  const char* what = "";  // what the file is, for messages ("corpus cache (.h5)")
  // Checks a value where it is read; fails with "<where>: <name> = '<value>': expected ...".
  void (*check)(const std::string& value, const std::string& where, const char* name) = nullptr;
};

struct OptionSpec {
  const char* name;
  const char* help;
  OptionField field;
  double min = -1e300, max = 1e300;  // inclusive range for numbers
  StringRule rule{};                 // strings: what the value names, and its check
  bool set_by_sweep = false;         // written into trial configs by the sweep itself (asha_*), not by a spec
  // May a sweep spec set it (in its base or as a parameter)?
  bool sweepable() const {
    return !set_by_sweep && rule.path != PathKind::CheckpointOrAuto && rule.path != PathKind::RunDir &&
           rule.path != PathKind::OutputDir;
  }
};

const std::vector<OptionSpec>& train_options();
const OptionSpec* find_option(const std::string& name);  // accepts dashes for underscores
// "did you mean 'rnn_size'?" or "" when nothing is close.
std::string suggest_option(const std::string& name);

// Parse and range-check `value` for `key`; `where` prefixes errors ("file.yaml:12" or "--rnn_size").
void set_option(TrainConfig& cfg, const std::string& key, const std::string& value, const std::string& where);
// Apply a YAML mapping of options (a config file, or a sweep's base); `file` is used in messages.
void apply_yaml(TrainConfig& cfg, const YAML::Node& map, const std::string& file);
void apply_yaml_file(TrainConfig& cfg, const std::string& path);
// The same from a YAML document's text (apply_yaml_file reads the file and calls this).
void apply_yaml_text(TrainConfig& cfg, const std::string& text, const std::string& file);
// Runs `walk` (reading a parsed YAML document of `file`) and turns any yaml-cpp
// exception it lets out (a list or mapping where a single value belongs, ...)
// into an Error "file:line:column: ...": the loaders' one boundary.
void with_yaml_errors(const std::string& file, const std::function<void()>& walk);
// Cross-option checks (after everything is applied).
void validate(const TrainConfig& cfg);
std::string option_value(const TrainConfig& cfg, const OptionSpec& spec);
// The resolved config as YAML, every key, in table order.
std::string to_yaml(const TrainConfig& cfg);
std::vector<double> parse_double_list(const std::string& s, const std::string& what);

// Command line of `charnn train`: --config, --set key=value, --KEY VALUE, --print-config.
struct TrainCommandLine {
  TrainConfig cfg;
  bool print_config = false;
  bool help = false;
  std::string trial_dir;  // sweep trial: options from DIR/config.yaml, checkpoints and status in DIR
};
TrainCommandLine parse_train_command_line(const std::vector<std::string>& args);
std::string train_help();

}  // namespace charnn
