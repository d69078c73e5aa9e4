#include "seqvi/job/environment.hpp"

#include <cstdlib>
#include <stdexcept>

namespace seqvi::job {

std::optional<std::string> SystemEnv::get(const std::string& name) const {
  if (const char* v = std::getenv(name.c_str())) return std::string(v);
  return std::nullopt;
}

std::optional<std::string> MapEnv::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  return std::nullopt;
}

namespace {

// The one table of SLURM variable names seqvi reads.
struct Names {
  static constexpr const char* job_id = "SLURM_JOB_ID";
  static constexpr const char* array_job_id = "SLURM_ARRAY_JOB_ID";
  static constexpr const char* array_task_id = "SLURM_ARRAY_TASK_ID";
  static constexpr const char* restart_count = "SLURM_RESTART_COUNT";
  static constexpr const char* procid = "SLURM_PROCID";
  static constexpr const char* ntasks = "SLURM_NTASKS";
  static constexpr const char* node = "SLURMD_NODENAME";
  /// Where launchers put a process's rank, most specific first.
  static constexpr const char* ranks[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"};
};

int read_int(const Env& env, const char* name, int fallback) {
  const auto v = env.get(name);
  if (!v || v->empty()) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v->c_str(), &end, 10);
  if (*end != '\0' || x < 0 || x > 1'000'000'000)
    throw std::invalid_argument(std::string(name) + " is '" + *v + "', must be a non-negative integer");
  return static_cast<int>(x);
}

}  // namespace

JobEnvironment read_job_environment(const Env& env) {
  JobEnvironment job;
  const auto array_job = env.get(Names::array_job_id);
  const auto array_task = env.get(Names::array_task_id);
  if (array_job && array_task && !array_job->empty())
    job.job_id = *array_job + "_" + *array_task;
  else
    job.job_id = env.get(Names::job_id).value_or("");
  job.restart_count = read_int(env, Names::restart_count, 0);
  job.procid = read_int(env, Names::procid, 0);
  job.ntasks = read_int(env, Names::ntasks, 1);
  job.node = env.get(Names::node).value_or("");
  return job;
}

int launcher_rank(const Env& env) {
  for (const char* name : Names::ranks)
    if (const auto v = env.get(name); v && !v->empty()) return read_int(env, name, 0);
  return 0;
}

}  // namespace seqvi::job
