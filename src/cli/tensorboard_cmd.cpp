#include <cstdio>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "tensorboard/tensorboard.h"

namespace charnn {

int cmd_tensorboard(int argc, char** argv) {
  std::string dir, output;
  po::options_description desc("Options");
  desc.add_options()("dir", po::value(&dir)->required(), "sweep or run directory")
      ("output,o", po::value(&output), "directory for the event files (default DIR/tensorboard)");
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn tensorboard RUN_OR_SWEEP_DIR [-o OUT]\n\nWrites TensorBoard event files from a "
                     "run's metrics.jsonl and samples.jsonl: train and val loss and bits per\ncharacter, learning "
                     "rate, gradient norm, chars/s, and the samples as text. A sweep gives one run per\ntrial, "
                     "OUT/<trial>_<swept values>/. View them with: tensorboard --logdir OUT",
                     desc, "dir", vm))
    return 0;
  if (output.empty()) output = dir + "/tensorboard";
  for (const std::string& f : convert_to_tensorboard(dir, output)) std::printf("%s\n", f.c_str());
  return 0;
}

}  // namespace charnn
