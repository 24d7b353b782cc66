// The run directory (checkpoint_dir) as the training loop writes it: the
// resolved config.yaml once, then metrics.jsonl (start, train, val, done
// events) and samples.jsonl, appended and flushed line by line, so a run that
// dies leaves every line it logged (docs/formats.md, "Run directory").
// Only rank 0 writes: on other ranks a RunDir is closed and every call is a no-op.
#pragma once
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "train/options.h"

namespace charnn {

class RunDir {
 public:
  // Creates the directory and writes config.yaml when `writer` (rank 0).
  RunDir(const TrainConfig& cfg, bool writer);
  void metric(const nlohmann::json& line) { append(metrics_, line); }
  void sample(const nlohmann::json& line) { append(samples_, line); }

 private:
  static void append(std::ofstream& f, const nlohmann::json& line);
  std::ofstream metrics_, samples_;
};

}  // namespace charnn
