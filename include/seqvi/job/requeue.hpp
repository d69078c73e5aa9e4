// Requeue decisions after a stop signal (submitit's checkpoint_and_try_requeue, as a pure function),
// and the `scontrol requeue` call behind an injectable CommandRunner.
#ifndef SEQVI_JOB_REQUEUE_HPP
#define SEQVI_JOB_REQUEUE_HPP

#include <string>
#include <vector>

namespace seqvi::job {

enum class RequeueDecision {
  requeue_preempted,  ///< stopped well before the time limit: preemption; requeue, not counted
  requeue_timed_out,  ///< near the time limit: requeue and count it against the timeout budget
  stop,               ///< do not requeue (no checkpoint, or timeout budget spent, or not under SLURM)
};

const char* to_string(RequeueDecision d);

/// Timed out means elapsed ≥ min(0.8·limit, limit − 10 min) (all in seconds; limit ≤ 0 = unknown,
/// then any stop counts as a timeout). Without a checkpoint there is nothing to resume: stop.
/// A timed-out job requeues only while timeouts_left > 0.
RequeueDecision decide_requeue(double elapsed_s, double time_limit_s, int timeouts_left,
                               bool checkpointed);

/// Runs a command (argv form) and returns its exit status. Injected so tests record instead of run.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual int run(const std::vector<std::string>& argv) = 0;
};

/// Runs commands with fork/exec (no shell), waiting for them.
class SystemCommandRunner final : public CommandRunner {
 public:
  int run(const std::vector<std::string>& argv) override;
};

/// `scontrol requeue <job_id>` through `runner`; returns true when it exited 0.
bool requeue_job(CommandRunner& runner, const std::string& job_id);

}  // namespace seqvi::job

#endif  // SEQVI_JOB_REQUEUE_HPP
