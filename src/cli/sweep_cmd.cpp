#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "sweep/layout.h"
#include "sweep/local.h"
#include "sweep/plan.h"
#include "sweep/results.h"
#include "sweep/spec.h"
#include "util/fsutil.h"
#include "util/process.h"
#include "util/resources.h"

namespace fs = std::filesystem;

namespace charnn {

namespace {

const char* kSweepUsage =
    "Usage: charnn sweep plan SPEC.yaml --dir runs/NAME [--force]\n"
    "       charnn sweep submit DIR\n"
    "       charnn sweep run SPEC.yaml|DIR --local [--dir runs/NAME] [--parallel K] [--ranks N]\n"
    "       charnn sweep table DIR [--format table|csv|markdown|json]\n"
    "\n"
    "Hyperparameter sweeps from a YAML spec (docs/sweeps.md): plan writes one directory per\n"
    "trial and a Slurm job array (sweep.sbatch); submit runs sbatch; run executes the trials\n"
    "here without Slurm; table lists the trials sorted by validation loss.";

int sweep_plan(int argc, char** argv) {
  std::string spec_path, dir;
  bool force = false;
  po::options_description desc("Options");
  desc.add_options()("spec", po::value(&spec_path)->required(), "sweep spec (YAML)")
      ("dir", po::value(&dir)->required(), "sweep directory to create (e.g. runs/NAME)")
      ("force", po::bool_switch(&force), "re-plan an existing directory (finished and running trials are kept)");
  po::variables_map vm;
  if (!parse_or_help(argc, argv, kSweepUsage, desc, "spec", vm)) return 0;
  SweepSpec spec = load_sweep_spec(spec_path);
  auto trials = plan_sweep(spec, {dir, force, self_exe()});
  std::printf("%s: %zu trial(s) planned (%s); submit with 'charnn sweep submit %s' or run here with "
              "'charnn sweep run %s --local'\n",
              dir.c_str(), trials.size(), to_string(spec.method).c_str(), dir.c_str(), dir.c_str());
  return 0;
}

int sweep_submit(int argc, char** argv) {
  std::string dir;
  po::options_description desc("Options");
  desc.add_options()("dir", po::value(&dir)->required(), "planned sweep directory");
  po::variables_map vm;
  if (!parse_or_help(argc, argv, kSweepUsage, desc, "dir", vm)) return 0;
  if (!is_sweep_dir(dir)) fail(dir, ": not a planned sweep (no trials.csv); run 'charnn sweep plan' first");
  const std::string script = dir + "/sweep.sbatch";
  require_readable_file(script, "job script");
  SpawnOptions so;
  so.capture_stdout = true;
  so.missing_hint = cat("is this a Slurm login node? (or run the trials here: charnn sweep run ", dir, " --local)");
  const ProcessResult res = run_process({"sbatch", "--parsable", script}, so);
  if (res.exit_code != 0) fail("sbatch ", script, " failed (its message is above)");
  std::string job = res.out.substr(0, res.out.find_first_of(";\n"));
  std::ofstream(dir + "/jobs.txt", std::ios::app) << job << "\n";
  std::printf("%s\n", job.c_str());
  return 0;
}

int sweep_run(int argc, char** argv) {
  std::string target, dir;
  bool local = false, force = false;
  int parallel = 1, ranks = 0;
  po::options_description desc("Options");
  desc.add_options()("target", po::value(&target)->required(), "sweep spec (YAML) or planned sweep directory")
      ("local", po::bool_switch(&local), "run the trials on this machine (required: use 'submit' for Slurm)")
      ("dir", po::value(&dir), "sweep directory when given a spec (default runs/<spec name>)")
      ("parallel", po::value(&parallel)->default_value(1), "trials at once")
      ("ranks", po::value(&ranks)->default_value(0), "MPI ranks per trial (default: the spec's slurm.ranks)")
      ("force", po::bool_switch(&force), "re-plan an existing directory from the spec");
  po::variables_map vm;
  if (!parse_or_help(argc, argv, kSweepUsage, desc, "target", vm)) return 0;
  if (!local) fail("sweep run: pass --local to run the trials here (on a cluster use 'charnn sweep submit')");
  if (parallel < 1 || parallel > 4096) fail("--parallel ", parallel, ": expected an integer in [1, 4096]");
  if (ranks < 0 || ranks > 4096) fail("--ranks ", ranks, ": expected an integer in [0, 4096] (0 = the spec's slurm.ranks)");
  SlurmResources res;
  if (fs::is_directory(target)) {
    dir = target;
    if (!is_sweep_dir(dir)) fail(dir, ": not a planned sweep (no trials.csv)");
    res = planned_resources(dir);
  } else {
    const SweepSpec spec = load_sweep_spec(target);
    if (dir.empty()) dir = "runs/" + spec.name;
    if (!is_sweep_dir(dir) || force) plan_sweep(spec, {dir, force || is_sweep_dir(dir), self_exe()});
    res = spec.slurm;
  }
  LocalRunOptions lo{parallel, ranks > 0 ? ranks : static_cast<int>(res.ranks), self_exe()};
  int failed = run_sweep_locally(dir, lo);
  std::fputs(format_rows(read_sweep(dir), "table").c_str(), stdout);
  if (failed > 0) fail(failed, " trial(s) failed; see ", dir, "/logs/");
  return 0;
}

int sweep_table(int argc, char** argv) {
  std::string dir, format;
  po::options_description desc("Options");
  desc.add_options()("dir", po::value(&dir)->required(), "sweep directory (or a single run directory)")
      ("format", po::value(&format)->default_value("table"), "table | csv | markdown | json");
  po::variables_map vm;
  if (!parse_or_help(argc, argv, kSweepUsage, desc, "dir", vm)) return 0;
  format_rows({}, format);  // an unknown --format before anything is read
  require_sweep_or_run_dir(dir);
  auto rows = is_sweep_dir(dir) ? read_sweep(dir) : std::vector<TrialRow>{read_run(dir)};
  std::fputs(format_rows(rows, format).c_str(), stdout);
  return 0;
}

}  // namespace

int cmd_sweep(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::puts(kSweepUsage);
    return argc < 2 ? 2 : 0;
  }
  const std::string sub = argv[1];
  if (sub == "plan") return sweep_plan(argc - 1, argv + 1);
  if (sub == "submit") return sweep_submit(argc - 1, argv + 1);
  if (sub == "run") return sweep_run(argc - 1, argv + 1);
  if (sub == "table") return sweep_table(argc - 1, argv + 1);
  fail("sweep: unknown subcommand ", quoted(sub), "; expected plan, submit, run or table");
}

}  // namespace charnn
