#include "train/run_dir.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "tensorboard/tensorboard.h"
#include "train/checkpoint_name.h"
#include "util/fsutil.h"
#include "util/status.h"

namespace charnn {

void claim_run_dir(const TrainConfig& cfg) {
  if (cfg.force_new_run) return;
  const std::string& dir = cfg.checkpoint_dir;
  int checkpoints = 0;
  std::string example;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    double epoch, loss;
    if (parse_checkpoint_file_name(name, "", &epoch, &loss)) ++checkpoints, example = name;
  }
  const bool has_latest = path_exists(dir + "/latest");
  std::error_code ec2;
  const bool has_metrics = std::filesystem::file_size(dir + "/metrics.jsonl", ec2) > 0 && !ec2;
  if (checkpoints == 0 && !has_latest && !has_metrics) return;
  const std::string what = checkpoints ? cat(checkpoints, " checkpoint(s), e.g. ", example)
                           : has_latest ? std::string("a 'latest' link")
                                        : std::string("a metrics.jsonl");
  fail("checkpoint_dir ", dir, " already holds another run (", what,
       "); pass --resume auto to continue it, --force_new_run to start a new run beside it, or choose another "
       "checkpoint_dir");
}

std::string new_run_id() {
  std::random_device rd;
  const uint64_t id = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

RunDir::RunDir(const TrainConfig& cfg, bool writer) {
  if (!writer) return;
  cfg_dir_ = cfg.checkpoint_dir;
  make_dirs(cfg.checkpoint_dir);
  lock_ = std::make_unique<FileLock>(cfg.checkpoint_dir + "/.charnn.lock", "checkpoint_dir " + cfg.checkpoint_dir,
                                     "charnn train");
  reap_stale_temporaries(cfg.checkpoint_dir);  // a save killed mid-write (kill -9, node failure) left one
  write_file_atomic(cfg.checkpoint_dir + "/config.yaml", to_yaml(cfg));
  metrics_.open(cfg.checkpoint_dir + "/metrics.jsonl", std::ios::app);
  samples_.open(cfg.checkpoint_dir + "/samples.jsonl", std::ios::app);
  if (!metrics_ || !samples_) fail(cfg.checkpoint_dir, ": cannot write metrics.jsonl/samples.jsonl");
  if (!cfg.tensorboard_dir.empty()) tensorboard_ = std::make_unique<TensorBoardLog>(cfg.tensorboard_dir);
}

RunDir::~RunDir() = default;

void RunDir::metric(const nlohmann::json& line) {
  append(metrics_, line);
  if (tensorboard_) tensorboard_->metric(line);
}

void RunDir::sample(const nlohmann::json& line) {
  append(samples_, line);
  if (tensorboard_) tensorboard_->sample(line);
}

void RunDir::append(std::ofstream& f, const nlohmann::json& line) {
  if (!f.is_open()) return;
  f << line.dump() << "\n";
  f.flush();
  // A full disk must stop the run with its reason, not drop log lines silently.
  if (!f) fail(cfg_dir_, "/", &f == &metrics_ ? "metrics.jsonl" : "samples.jsonl", ": cannot write: ",
               std::strerror(errno));
}

}  // namespace charnn
