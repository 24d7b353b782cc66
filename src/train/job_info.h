// Where a run runs, for its `start` line in metrics.jsonl (and from there the
// report and `sweep table --format csv`): the Slurm job it belongs to and the
// host of every rank, so a run can be matched with the cluster's accounting
// (sacct -j) and a slow or failed node found.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace charnn {

// {"hosts": [...], "slurm_job_id", "slurm_array_job_id", "slurm_array_task_id"}:
// `hosts_by_rank` ({this host} when empty: one rank); each Slurm field only
// when its variable (SLURM_JOB_ID, SLURM_ARRAY_JOB_ID, SLURM_ARRAY_TASK_ID) is
// set, as the string Slurm gave.
nlohmann::json job_fields(const std::vector<std::string>& hosts_by_rank);

}  // namespace charnn
