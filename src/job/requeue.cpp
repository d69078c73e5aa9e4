#include "seqvi/job/requeue.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace seqvi::job {

const char* to_string(RequeueDecision d) {
  switch (d) {
    case RequeueDecision::requeue_preempted: return "requeue-preempted";
    case RequeueDecision::requeue_timed_out: return "requeue-timed-out";
    case RequeueDecision::stop: return "stop";
  }
  return "?";
}

RequeueDecision decide_requeue(double elapsed_s, double time_limit_s, int timeouts_left,
                               bool checkpointed) {
  if (!checkpointed) return RequeueDecision::stop;
  const bool timed_out =
      time_limit_s <= 0 || elapsed_s >= std::min(0.8 * time_limit_s, time_limit_s - 600.0);
  if (!timed_out) return RequeueDecision::requeue_preempted;
  return timeouts_left > 0 ? RequeueDecision::requeue_timed_out : RequeueDecision::stop;
}

int SystemCommandRunner::run(const std::vector<std::string>& argv) {
  if (argv.empty()) return -1;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool requeue_job(CommandRunner& runner, const std::string& job_id) {
  if (job_id.empty()) return false;
  return runner.run({"scontrol", "requeue", job_id}) == 0;
}

}  // namespace seqvi::job
