#include <cstdio>
#include <filesystem>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "sweep/results.h"
#include "util/fsutil.h"

namespace fs = std::filesystem;

namespace charnn {

int cmd_best(int argc, char** argv) {
  std::string dir, link;
  po::options_description desc("Options");
  desc.add_options()
      ("dir", po::value(&dir)->required(), "sweep directory, or a run directory (checkpoint_dir)")
      ("link", po::value(&link), "also point this symlink at the best checkpoint");
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn best DIR [--link PATH]\n\nPrints the path of the lowest-validation-loss checkpoint: "
                     "of the finished trials of a sweep, or of a run directory,\nso that `charnn sample $(charnn best "
                     "DIR)` works.",
                     desc, "dir", vm))
    return 0;
  if (!link.empty()) {
    // A link replaces only a link, never a file or a directory (util/fsutil.h), and
    // never a run's own `latest`, which --resume auto follows to the newest checkpoint.
    check_output_path({link, "--link", "link", OutputKind::Link}, {dir});
    const fs::path lp(link);
    if (lp.filename() == "latest" && is_run_dir(lp.parent_path().empty() ? "." : lp.parent_path().string()))
      fail("--link ", link, ": is the run's own 'latest' link (the newest checkpoint, which --resume auto "
           "follows); choose another path");
  }
  const std::string best = best_checkpoint(dir);
  if (!link.empty()) replace_symlink(fs::absolute(best).string(), link);
  std::printf("%s\n", best.c_str());
  return 0;
}

}  // namespace charnn
