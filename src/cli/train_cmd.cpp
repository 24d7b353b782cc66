#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "parallel/comm.h"
#include "sweep/trial_status.h"
#include "train/options.h"
#include "train/trainer.h"
#include "util/status.h"

namespace charnn {

int cmd_train(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  TrainCommandLine cl = parse_train_command_line(args);
  if (cl.help) {
    std::cout << train_help();
    return 0;
  }
  if (cl.print_config) {
    std::cout << to_yaml(cl.cfg);
    return 0;
  }
  validate(cl.cfg);
  comm_init(&argc, &argv);
  if (cl.trial_dir.empty()) return train(cl.cfg).exit_code;

  // A sweep trial: rank 0 keeps DIR/status.json current.
  const bool lead = comm().rank == 0;
  TrialStatus st = read_trial_status(cl.trial_dir);
  const char* job = std::getenv("SLURM_ARRAY_JOB_ID");
  const char* task = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* restarts = std::getenv("SLURM_RESTART_COUNT");
  if (job && task) st.slurm_job = cat(job, "_", task);
  if (restarts) st.restarts = std::atoll(restarts);
  else if (st.status != TrialState::pending) st.restarts += 1;
  st.status = TrialState::running;
  st.message.clear();
  if (lead) write_trial_status(cl.trial_dir, st);
  try {
    TrainOutcome out = train(cl.cfg);
    st.status = out.exit_code == 0                ? TrialState::done
                : out.exit_code == kExitPreempted ? TrialState::preempted
                                                  : TrialState::failed;
    st.exit_code = out.exit_code;
    st.best_val_loss = out.best_val_loss;
    st.best_checkpoint = out.best_checkpoint;
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
