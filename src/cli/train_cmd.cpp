#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "parallel/comm.h"
#include "parallel/watchdog.h"
#include "sweep/trial_status.h"
#include "train/checkpoint_name.h"
#include "train/options.h"
#include "train/trainer.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/status.h"

namespace fs = std::filesystem;

namespace charnn {

namespace {

// What a run reads, against what it writes in checkpoint_dir (util/fsutil.h),
// before anything is read or written: every input exists, checkpoint_dir is (or
// will be) a directory, and nothing the run writes or its retention deletes is
// an input. (Resuming from a checkpoint in checkpoint_dir is what resume is for;
// its retention is the run's own.)
void check_train_paths(const TrainConfig& cfg) {
  // The files the options table marks as read must be there (data is never
  // empty here: validate() asked for it); they are the run's inputs.
  std::vector<std::string> inputs;
  for (const OptionSpec& o : train_options()) {
    if (o.rule.path == PathKind::InputFile) {
      inputs.push_back(cfg.*std::get<std::string TrainConfig::*>(o.field));
      if (!inputs.back().empty()) require_readable_file(inputs.back(), o.rule.what);
    } else if (o.rule.path == PathKind::CheckpointOrAuto) {
      const ResumeFrom& from = cfg.*std::get<ResumeFrom TrainConfig::*>(o.field);
      if (from.kind == ResumeFrom::Kind::File) require_readable_file(from.path, o.rule.what);
    }
  }
  check_output_path({cfg.checkpoint_dir, "checkpoint_dir", "run directory", OutputKind::Directory}, inputs);
  if (!cfg.tensorboard_dir.empty())
    check_output_path({cfg.tensorboard_dir, "tensorboard_dir", "TensorBoard directory", OutputKind::Directory}, inputs);
  // config.yaml is rewritten from the resolved config, which holds everything a
  // --config of that name said: reading it back is how a run dir is meant to be used.
  for (const char* name : {"metrics.jsonl", "samples.jsonl", "latest", "config.yaml"}) {
    const std::string out = cfg.checkpoint_dir + "/" + name;
    for (const auto& in : inputs)
      if (!in.empty() && same_file(out, in) && !(std::string(name) == "latest" && in == cfg.init_from))
        fail(in, ": is ", out, ", which this run writes; give checkpoint_dir another directory");
  }
  // Retention deletes lm_<savefile>_*.h5 in checkpoint_dir: a checkpoint to start from may not be one of them.
  if (!cfg.init_from.empty() && is_within(cfg.init_from, cfg.checkpoint_dir)) {
    std::error_code ec;
    const std::string real = fs::canonical(cfg.init_from, ec).filename().string();
    double epoch = 0, loss = 0;
    if (!ec && parse_checkpoint_file_name(real, cfg.savefile, &epoch, &loss))
      fail("init_from ", cfg.init_from, ": is a checkpoint in checkpoint_dir ", cfg.checkpoint_dir,
           ", which this run's retention (keep_last/keep_best) would delete; copy it elsewhere, use another "
           "checkpoint_dir or savefile, or continue it with resume");
  }
}

}  // namespace

int cmd_train(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Arguments, config files and paths are checked before MPI starts and before
  // anything is written (a refused start changes no file, a trial's status.json
  // included). Under a launcher every rank reaches the same verdict on them: the
  // ranks agree after comm_init, rank 0 says it once, and every rank exits 1.
  TrainCommandLine cl;
  std::string setup_error;
  try {
    cl = parse_train_command_line(args);
    if (cl.help) {
      std::cout << train_help();
      return 0;
    }
    if (cl.print_config) {
      std::cout << to_yaml(cl.cfg);
      return 0;
    }
    validate(cl.cfg);
    check_train_paths(cl.cfg);
  } catch (const std::exception& e) {
    setup_error = e.what();
  }
  set_collective_timeout(cl.cfg.collective_timeout);  // the default when the command line was refused
  const Comm& c = comm_init(&argc, &argv);
  if (c.size == 1) {
    if (!setup_error.empty()) throw Error(setup_error);
  } else if (any_rank(!setup_error.empty())) {
    uint8_t root_failed = c.rank == 0 && !setup_error.empty();
    broadcast_bytes(&root_failed, 1, 0);
    if (root_failed) log::error_job(setup_error);      // the verdict of every rank, said once
    else if (!setup_error.empty()) log::error(setup_error);  // only some ranks: each says its own, "[rank r]"
    return 1;
  }
  if (cl.trial_dir.empty()) return train(cl.cfg, c).exit_code;

  // A sweep trial: rank 0 keeps DIR/status.json current.
  const bool lead = c.rank == 0;
  TrialStatus st = read_trial_status(cl.trial_dir);
  // A trial that ended early (pruned at a rung, or out of patience) is over: a
  // task started again for it (a Slurm requeue after a node failure, `sweep
  // run` by hand) must not train it on from its checkpoint. Every rank reads
  // the same file, so every rank returns here.
  if (st.status == TrialState::done && !st.stop.empty()) {
    log::info("{}: {}; nothing to do", cl.trial_dir, st.stop);
    return 0;
  }
  const char* job = std::getenv("SLURM_ARRAY_JOB_ID");
  const char* task = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* restarts = std::getenv("SLURM_RESTART_COUNT");
  if (job && task) st.slurm_job = cat(job, "_", task);
  if (restarts) st.restarts = std::atoll(restarts);
  else if (st.status != TrialState::pending) st.restarts += 1;
  st.status = TrialState::running;
  st.message.clear();
  st.stop.clear();
  if (lead) write_trial_status(cl.trial_dir, st);
  try {
    TrainOutcome out = train(cl.cfg, c);
    st.status = out.exit_code == 0                ? TrialState::done
                : out.exit_code == kExitPreempted ? TrialState::preempted
                                                  : TrialState::failed;
    st.exit_code = out.exit_code;
    st.best_val_loss = out.best_val_loss;
    st.best_checkpoint = out.best_checkpoint;
    st.stop = out.stop;
    if (lead) write_trial_status(cl.trial_dir, st);
    return out.exit_code;
  } catch (const std::exception& e) {
    st.status = TrialState::failed;
    st.exit_code = 1;
    st.message = e.what();
    if (lead) write_trial_status(cl.trial_dir, st);
    throw;
  }
}

}  // namespace charnn
