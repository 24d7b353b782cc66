#include <cstdio>
#include <filesystem>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "sweep/results.h"
#include "util/fsutil.h"

namespace fs = std::filesystem;

namespace charnn {

int cmd_plot(int argc, char** argv) {
  std::string dir, output;
  po::options_description desc("Options");
  desc.add_options()("dir", po::value(&dir)->required(), "sweep or run directory")
      ("output,o", po::value(&output), "PNG to write (default DIR/curves.png)");
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn plot DIR [--output FILE.png]\n\nPlots every trial's validation loss curve (a "
                     "sweep), or a run's train and validation loss, to a PNG (needs gnuplot).",
                     desc, "dir", vm))
    return 0;
  if (!fs::is_directory(dir)) fail(dir, ": not a directory (expected a sweep or run directory)");
  require_sweep_or_run_dir(dir);
  const bool given = !output.empty();
  if (!given) output = dir + "/curves.png";
  // Replaces only a PNG (util/fsutil.h); the files plot reads are never among its outputs.
  check_output_path({output, given ? "--output" : "", "PNG", OutputKind::File, has_png_signature},
                    files_read_by_table(dir));
  plot_curves(dir, output);
  std::printf("%s\n", output.c_str());
  return 0;
}

}  // namespace charnn
