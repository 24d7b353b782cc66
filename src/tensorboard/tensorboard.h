// charnn's logs as TensorBoard event files (tensorboard/event_file.h): the
// same scalars and texts whether written while training (`tensorboard_dir`,
// rank 0) or converted afterwards from a run's metrics.jsonl and samples.jsonl
// (`charnn tensorboard RUN_OR_SWEEP_DIR`).
//   loss/train, bpc/train, lr, grad_norm, chars_per_sec  <- "train" lines
//   loss/val, bpc/val                                    <- "val" lines
//   samples/temperature_T (text)                         <- samples.jsonl
// The step of every value is the line's iteration.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tensorboard/event_file.h"

namespace charnn {

// The scalars of one metrics.jsonl line (none for start/done lines). A value
// that is present but not a number fails naming `where` and the key.
std::vector<TbScalar> tensorboard_scalars(const nlohmann::json& line, const std::string& where);
// The text tag of the samples at `temperature`: "samples/temperature_0.5".
std::string sample_tag(double temperature);

// The live log of a training run (rank 0's RunDir): a new event file in `dir`
// per process, so a resumed run adds one beside the first (TensorBoard reads
// all of a directory's files as one run).
class TensorBoardLog {
 public:
  explicit TensorBoardLog(const std::string& dir) : out_(dir) {}
  void metric(const nlohmann::json& line);  // a metrics.jsonl line
  void sample(const nlohmann::json& line);  // a samples.jsonl line: iter, temperature, text

 private:
  EventFileWriter out_;
};

// `charnn tensorboard`: one event file per run, OUT/events.out.tfevents.charnn
// for a run directory, OUT/<trial>/events.out.tfevents.charnn for each trial of
// a sweep, its subdirectory named by the trial's number and swept values
// ("0007_learning_rate=0.002,rnn_size=128"). Wall times are the run's own
// seconds (metrics.jsonl's "wall") counted back from metrics.jsonl's last
// change. Returns the files written; each is written whole (temporary name,
// fsync, rename) and replaces only an event file.
std::vector<std::string> convert_to_tensorboard(const std::string& dir, const std::string& out);
// The subdirectory name of a trial: its number and swept values, with '/' and
// control characters replaced by '_'.
std::string trial_run_name(int id, const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace charnn
