// The run directory (checkpoint_dir) as the training loop writes it: the
// resolved config.yaml once, then metrics.jsonl (start, train, val, done
// events) and samples.jsonl, appended and flushed line by line, so a run that
// dies leaves every line it logged (docs/formats.md, "Run directory").
// Only rank 0 writes: on other ranks a RunDir is closed and every call is a no-op.
#pragma once
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "train/options.h"
#include "util/fsutil.h"

namespace charnn {

class TensorBoardLog;

// A run directory belongs to one run. Before a new run (not a resume) writes
// anything into cfg.checkpoint_dir, throws an Error naming what is there
// unless the directory holds no other run's files (checkpoints of any
// savefile, a `latest` link, metrics.jsonl) or cfg.force_new_run is set.
// With force_new_run the other run's files stay: retention only ever touches
// checkpoints that carry this run's id (a fresh one per new run).
void claim_run_dir(const TrainConfig& cfg);
// A fresh run id (random, 16 hex digits; not drawn from the training RNG).
std::string new_run_id();

class RunDir {
 public:
  // Creates the directory and writes config.yaml when `writer` (rank 0).
  // First it takes the directory's lock (`.charnn.lock`): a second trainer in
  // the same directory (two `--resume auto`, two `--force_new_run`) would
  // overwrite the other's `latest`, interleave metrics.jsonl and prune its
  // checkpoints, so it is refused with an Error naming the holder.
  // With cfg.tensorboard_dir, every metric and sample line also goes to a
  // TensorBoard event file there (tensorboard/tensorboard.h).
  RunDir(const TrainConfig& cfg, bool writer);
  ~RunDir();
  void metric(const nlohmann::json& line);
  void sample(const nlohmann::json& line);

 private:
  void append(std::ofstream& f, const nlohmann::json& line);
  std::string cfg_dir_;
  std::unique_ptr<FileLock> lock_;
  std::ofstream metrics_, samples_;
  std::unique_ptr<TensorBoardLog> tensorboard_;
};

}  // namespace charnn
