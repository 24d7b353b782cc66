// One function per subcommand of the `charnn` binary; each parses its own
// arguments, prints --help, and returns the process exit code.
#pragma once

namespace charnn {

int cmd_preprocess(int argc, char** argv);
int cmd_inspect(int argc, char** argv);
int cmd_train(int argc, char** argv);
int cmd_sample(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_best(int argc, char** argv);
int cmd_sweep(int argc, char** argv);
int cmd_plot(int argc, char** argv);
int cmd_report(int argc, char** argv);
int cmd_neurons(int argc, char** argv);
int cmd_export(int argc, char** argv);
int cmd_tensorboard(int argc, char** argv);

}  // namespace charnn
