// Reading a sweep (or a single run) back: one row per trial from its config,
// status.json and metrics.jsonl; works while trials are still running.
#pragma once
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "sweep/trial_status.h"

namespace charnn {

struct TrialRow {
  int id = -1;
  std::string dir;
  std::vector<std::pair<std::string, std::string>> params;  // swept values, from trials.csv
  TrialState status = TrialState::pending;
  double best_val_loss = -1;  // < 0: no evaluation yet
  double best_epoch = 0;
  int64_t best_iter = 0;
  double wall_seconds = 0;
  double chars_per_sec = 0;
  int64_t restarts = 0;
  std::string best_checkpoint;
  std::vector<std::pair<int64_t, double>> val_curve;    // (iteration, val loss)
  std::vector<std::pair<int64_t, double>> train_curve;  // (iteration, train loss)
  std::vector<std::pair<int64_t, double>> lr_curve;     // (iteration, learning rate)
  std::vector<std::pair<int64_t, double>> cps_curve;    // (iteration, chars/s)
  int64_t last_iter = 0;    // the highest iteration metrics.jsonl names
  int64_t parameters = 0;   // from the last `start` line; 0 when none
  bool done_logged = false;  // a `done` line follows the last `start`: training finished
  // A `stop` line follows the last `start`: it ended early, "pruned at rung 1" or
  // "stopped: no improvement for 3 evals" (train/stopping.h); shown as its status.
  std::string stop;
  // Where the last `start` line says the run ran (empty outside Slurm, or in
  // runs older than these fields): Slurm's job id, array job id and array task
  // id (train/job_info.h), and every rank's host in rank order.
  std::string slurm_job_id, slurm_array_job_id, slurm_array_task_id;
  std::vector<std::string> hosts;
};

// One line of samples.jsonl: a progress sample taken while training.
struct SampleLine {
  int64_t iter = 0;
  double temperature = 0;
  std::string text;
};

// Rows of a sweep directory sorted by best val loss (trials without one last).
// Every field of trials.csv, status.json and metrics.jsonl is checked as it is
// read; an error names file:line, the field, what it holds and what is expected.
std::vector<TrialRow> read_sweep(const std::string& sweep_dir);
// The rows of trials.csv's text (id, dir, params; nothing read from the trial
// directories), in file order; `sweep_dir` is where the trials are.
std::vector<TrialRow> parse_trials_csv(const std::string& text, const std::string& sweep_dir);
// The table's order: ascending best val loss (the sweep's metric, minimised);
// rows without one yet (pending, or failed before an evaluation) last, in their
// given order.
void sort_by_metric(std::vector<TrialRow>& rows);
// A directory `charnn train` has written to (config.yaml, metrics.jsonl,
// status.json, `latest` or a checkpoint): what table, best and plot accept
// besides a sweep directory.
bool is_run_dir(const std::string& dir);
// Throws "DIR: neither a sweep directory ... nor a run directory ..." (exit 1)
// for anything else, so an empty or foreign directory is never a silent empty row.
void require_sweep_or_run_dir(const std::string& dir);
// The files table/best/plot read in `dir` (existing or not), for output checks.
std::vector<std::string> files_read_by_table(const std::string& dir);
// One run directory (checkpoint_dir) as a row.
TrialRow read_run(const std::string& run_dir);
// A run directory's samples.jsonl, in file order (empty when absent), read and
// checked like metrics.jsonl: a partial last line is skipped, a bad one names file:line.
std::vector<SampleLine> read_samples(const std::string& run_dir);
// Calls fn("DIR/metrics.jsonl:N", line) for each line of a run directory's
// metrics.jsonl, read as the table reads it (absent file: no lines; a partial
// last line skipped; a line that is not a JSON object fails naming file:line).
void for_each_metrics_line(const std::string& run_dir,
                           const std::function<void(const std::string& where, const nlohmann::json& line)>& fn);
// The table's text, cell by cell: the header (trial, the swept options, status,
// val_loss, ...) and one row per trial. format_rows lays these out.
struct TableCells {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
TableCells table_cells(const std::vector<TrialRow>& rows);
// format: table | csv | markdown | json. csv also has the job columns
// slurm_job_id, slurm_array_job_id, slurm_array_task_id and hosts (the
// distinct hosts of the ranks, space-separated).
std::string format_rows(const std::vector<TrialRow>& rows, const std::string& format);
// Best checkpoint of the finished trials (sweep) or of the run; throws if none.
std::string best_checkpoint(const std::string& dir);
// Writes a PNG of the validation curves (and train loss for a single run) with gnuplot.
void plot_curves(const std::string& dir, const std::string& png);

}  // namespace charnn
