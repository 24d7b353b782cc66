#include "train/run_dir.h"

#include "util/fsutil.h"
#include "util/status.h"

namespace charnn {

RunDir::RunDir(const TrainConfig& cfg, bool writer) {
  if (!writer) return;
  make_dirs(cfg.checkpoint_dir);
  write_file_atomic(cfg.checkpoint_dir + "/config.yaml", to_yaml(cfg));
  metrics_.open(cfg.checkpoint_dir + "/metrics.jsonl", std::ios::app);
  samples_.open(cfg.checkpoint_dir + "/samples.jsonl", std::ios::app);
  if (!metrics_ || !samples_) fail(cfg.checkpoint_dir, ": cannot write metrics.jsonl/samples.jsonl");
}

void RunDir::append(std::ofstream& f, const nlohmann::json& line) {
  if (!f.is_open()) return;
  f << line.dump() << "\n";
  f.flush();
}

}  // namespace charnn
