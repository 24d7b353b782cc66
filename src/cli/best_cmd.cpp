#include <cstdio>
#include <filesystem>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "util/fsutil.h"

namespace fs = std::filesystem;

namespace charnn {

// The lowest-val-loss checkpoint under `dir` (any depth), by the loss in its
// name (lm_<savefile>_epoch<E>_<loss>.h5); "" if none.
static std::string find_best_checkpoint(const std::string& dir, double* best_loss) {
  std::string best;
  *best_loss = 1e300;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string name = it->path().filename().string();
    if (name.rfind("lm_", 0) != 0 || name.size() < 4 || name.substr(name.size() - 3) != ".h5") continue;
    const size_t us = name.rfind('_');
    double loss = 0;
    if (us == std::string::npos || std::sscanf(name.c_str() + us + 1, "%lf", &loss) != 1) continue;
    if (loss < *best_loss) *best_loss = loss, best = it->path().string();
  }
  return best;
}

int cmd_best(int argc, char** argv) {
  std::string dir, link;
  po::options_description desc("Options");
  desc.add_options()
      ("dir", po::value(&dir)->required(), "run directory (checkpoint_dir) or sweep directory")
      ("link", po::value(&link), "also point this symlink at the best checkpoint");
  po::positional_options_description pos;
  pos.add("dir", 1);
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn best DIR [--link PATH]\n\nPrints the path of the checkpoint with the lowest "
                     "validation loss under DIR, so that `charnn sample $(charnn best DIR)` works.",
                     desc, &pos, vm))
    return 0;
  if (!fs::is_directory(dir)) fail(dir, ": not a directory (expected a run or sweep directory)");
  double loss = 0;
  std::string best = find_best_checkpoint(dir, &loss);
  if (best.empty()) fail(dir, ": no checkpoints (lm_*.h5) found; has training finished an evaluation yet?");
  if (!link.empty()) replace_symlink(fs::absolute(best).string(), link);
  std::printf("%s\n", best.c_str());
  return 0;
}

}  // namespace charnn
