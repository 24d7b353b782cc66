#include <cstdio>
#include <filesystem>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "sweep/results.h"
#include "util/fsutil.h"
#include "viz/html.h"
#include "viz/report.h"

namespace fs = std::filesystem;

namespace charnn {

int cmd_report(int argc, char** argv) {
  std::string dir, output;
  po::options_description desc("Options");
  desc.add_options()("dir", po::value(&dir)->required(), "sweep or run directory")
      ("output,o", po::value(&output), "HTML page to write (default DIR/report.html)");
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn report DIR [--output FILE.html]\n\nOne self-contained HTML page (no network needed) of a "
                     "run or a sweep: loss, learning-rate and\nthroughput curves, a sweep's sortable trial table and "
                     "validation curves, the samples\ntaken while training, and the resolved config. Works while training "
                     "is still going;\nrun it again to refresh (docs/report.md).",
                     desc, "dir", vm))
    return 0;
  require_sweep_or_run_dir(dir);
  const bool given = !output.empty();
  if (!given) output = (fs::path(dir) / "report.html").string();
  // Replaces only a page `charnn report` wrote (its generator tag), never an input.
  check_output_path({output, given ? "--output" : "", "report page", OutputKind::File,
                     [](const std::string& p) { return html::written_by(p, report::kGenerator); }},
                    files_read_by_table(dir));
  write_file_atomic(output, report::render(report::load(dir)));
  std::printf("%s\n", output.c_str());
  return 0;
}

}  // namespace charnn
