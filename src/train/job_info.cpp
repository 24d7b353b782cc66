#include "train/job_info.h"

#include <cstdlib>

#include "util/process.h"

namespace charnn {

nlohmann::json job_fields(const std::vector<std::string>& hosts_by_rank) {
  nlohmann::json j;
  j["hosts"] = hosts_by_rank.empty() ? std::vector<std::string>{host_name()} : hosts_by_rank;
  for (const char* name : {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"}) {
    const char* v = std::getenv(name);
    if (!v || !*v) continue;
    std::string key = name;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    j[key] = std::string(v);
  }
  return j;
}

}  // namespace charnn
