// The job's environment: SLURM's variables read through an injectable Env (submitit's
// JobEnvironment, reduced to what seqvi needs). Tests pass a MapEnv; the program a SystemEnv.
#ifndef SEQVI_JOB_ENVIRONMENT_HPP
#define SEQVI_JOB_ENVIRONMENT_HPP

#include <map>
#include <optional>
#include <string>

namespace seqvi::job {

/// Read-only access to environment variables. Thread safety: const methods are safe.
class Env {
 public:
  virtual ~Env() = default;
  virtual std::optional<std::string> get(const std::string& name) const = 0;
};

/// The process environment (getenv).
class SystemEnv final : public Env {
 public:
  std::optional<std::string> get(const std::string& name) const override;
};

/// A fixed map, for tests.
class MapEnv final : public Env {
 public:
  explicit MapEnv(std::map<std::string, std::string> values) : values_(std::move(values)) {}
  std::optional<std::string> get(const std::string& name) const override;

 private:
  std::map<std::string, std::string> values_;
};

/// What seqvi needs to know about a SLURM job; every field empty/zero outside SLURM.
struct JobEnvironment {
  std::string job_id;     ///< SLURM_JOB_ID ("" outside SLURM); for arrays "<array job>_<task>"
  int restart_count = 0;  ///< SLURM_RESTART_COUNT: how often the job was requeued
  int procid = 0;         ///< SLURM_PROCID: global rank of this task
  int ntasks = 1;         ///< SLURM_NTASKS
  std::string node;       ///< SLURMD_NODENAME

  bool under_slurm() const { return !job_id.empty(); }
};

/// Reads the SLURM variables from `env` (one name table, in environment.cpp).
/// @throws std::invalid_argument naming a variable whose value is not a number where one is needed
JobEnvironment read_job_environment(const Env& env);

/// This process's rank as its launcher announces it before MPI_Init: the first of
/// OMPI_COMM_WORLD_RANK (mpirun), PMIX_RANK (PMIx, srun --mpi=pmix), PMI_RANK (MPICH/Hydra) and
/// SLURM_PROCID (srun) that is set and non-empty; 0 when none is (not launched by one).
/// @throws std::invalid_argument naming the variable whose value is not a non-negative integer
int launcher_rank(const Env& env);

}  // namespace seqvi::job

#endif  // SEQVI_JOB_ENVIRONMENT_HPP
