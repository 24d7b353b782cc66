#include "sweep/sbatch.h"

#include <filesystem>

#include "sweep/sbatch_template.h"
#include "util/status.h"

namespace fs = std::filesystem;

namespace charnn {

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string render_sbatch(const SweepSpec& s, const std::string& dir, size_t n_trials, const std::string& charnn) {
  std::string extra;
  if (!s.slurm.partition.empty()) extra += "#SBATCH --partition=" + s.slurm.partition + "\n";
  if (!s.slurm.account.empty()) extra += "#SBATCH --account=" + s.slurm.account + "\n";
  if (s.slurm.gpus_per_node > 0) extra += cat("#SBATCH --gpus-per-node=", s.slurm.gpus_per_node, "\n");
  std::string launch =
      s.slurm.launcher == Launcher::srun
          ? cat("srun --mpi=pmix --ntasks=", s.slurm.ranks, " --cpu-bind=cores")
          : cat("mpirun -np ", s.slurm.ranks, " --bind-to none");
  const std::string abs_dir = fs::absolute(dir).lexically_normal().string();
  std::string out = kSweepSbatchTemplate;
  auto sub = [&](const std::string& key, const std::string& value) {
    for (size_t pos; (pos = out.find(key)) != std::string::npos;) out.replace(pos, key.size(), value);
  };
  sub("{{NAME}}", s.name);
  sub("{{LAST}}", std::to_string(n_trials - 1));
  sub("{{MAX_CONCURRENT}}", std::to_string(s.slurm.max_concurrent));
  sub("{{NODES}}", std::to_string(s.slurm.nodes));
  sub("{{RANKS}}", std::to_string(s.slurm.ranks));
  sub("{{CPUS_PER_TASK}}", std::to_string(s.slurm.cpus_per_task));
  sub("{{TIME}}", s.slurm.time);
  sub("{{EXTRA_SBATCH}}", extra);
  sub("{{LOG_DIR}}", abs_dir + "/logs");
  sub("{{SWEEP_DIR}}", shell_quote(abs_dir));
  sub("{{CHARNN}}", shell_quote(charnn));
  sub("{{LAUNCH}}", launch);
  return out;
}

}  // namespace charnn
