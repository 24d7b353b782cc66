#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "dist/comm.h"
#include "train/options.h"
#include "train/trainer.h"

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
  TrainOutcome out = train(cl.cfg);
  return out.exit_code;
}

}  // namespace charnn
