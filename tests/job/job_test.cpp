#include "seqvi/job/environment.hpp"
#include "seqvi/job/requeue.hpp"
#include "seqvi/job/stop_flag.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <stdexcept>

namespace seqvi::job {
namespace {

TEST(JobStopFlag, SignalsSetTheFlagAndNothingElse) {
  install_stop_handlers();
  for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) {
    reset_stop();
    EXPECT_FALSE(stop_requested());
    std::raise(s);  // the process survives: the handler only records the signal
    EXPECT_TRUE(stop_requested());
    EXPECT_EQ(stop_signal(), s);
  }
  reset_stop();
  request_stop(0);
  EXPECT_TRUE(stop_requested());
  reset_stop();
}

TEST(JobEnvironment, ReadsSlurmVariables) {
  const auto job = read_job_environment(MapEnv({{"SLURM_JOB_ID", "4711"},
                                                {"SLURM_RESTART_COUNT", "2"},
                                                {"SLURM_PROCID", "3"},
                                                {"SLURM_NTASKS", "8"},
                                                {"SLURMD_NODENAME", "node17"}}));
  EXPECT_TRUE(job.under_slurm());
  EXPECT_EQ(job.job_id, "4711");
  EXPECT_EQ(job.restart_count, 2);
  EXPECT_EQ(job.procid, 3);
  EXPECT_EQ(job.ntasks, 8);
  EXPECT_EQ(job.node, "node17");
}

TEST(JobEnvironment, ArrayJobsAreNamedJobUnderscoreTask) {
  const auto job = read_job_environment(
      MapEnv({{"SLURM_JOB_ID", "100"}, {"SLURM_ARRAY_JOB_ID", "90"}, {"SLURM_ARRAY_TASK_ID", "4"}}));
  EXPECT_EQ(job.job_id, "90_4");
}

TEST(JobEnvironment, OutsideSlurmHasDefaultsAndBadNumbersAreNamed) {
  const auto job = read_job_environment(MapEnv({}));
  EXPECT_FALSE(job.under_slurm());
  EXPECT_EQ(job.ntasks, 1);
  try {
    read_job_environment(MapEnv({{"SLURM_JOB_ID", "1"}, {"SLURM_NTASKS", "eight"}}));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("SLURM_NTASKS"), std::string::npos);
  }
}

TEST(JobEnvironment, LauncherRankComesFromTheMostSpecificVariableSet) {
  using Vars = std::map<std::string, std::string>;
  EXPECT_EQ(launcher_rank(MapEnv(Vars{})), 0);
  EXPECT_EQ(launcher_rank(MapEnv(Vars{{"SLURM_PROCID", "3"}})), 3);
  EXPECT_EQ(launcher_rank(MapEnv(Vars{{"PMI_RANK", "2"}, {"SLURM_PROCID", "5"}})), 2);
  EXPECT_EQ(launcher_rank(MapEnv(Vars{{"PMIX_RANK", "1"}, {"PMI_RANK", "2"}, {"SLURM_PROCID", "5"}})), 1);
  EXPECT_EQ(launcher_rank(MapEnv(Vars{{"OMPI_COMM_WORLD_RANK", "0"}, {"PMIX_RANK", "4"}, {"SLURM_PROCID", "5"}})), 0);
  // An empty variable is not set (some launchers export them empty).
  EXPECT_EQ(launcher_rank(MapEnv(Vars{{"OMPI_COMM_WORLD_RANK", ""}, {"PMIX_RANK", "7"}})), 7);
  try {
    launcher_rank(MapEnv(Vars{{"PMIX_RANK", "one"}}));
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "PMIX_RANK is 'one', must be a non-negative integer");
  }
}

TEST(JobRequeue, DecisionTable) {
  const double hour = 3600;
  // limit 1 h: timed out from min(48 min, 50 min) = 48 min on
  EXPECT_EQ(decide_requeue(10 * 60, hour, 3, true), RequeueDecision::requeue_preempted);
  EXPECT_EQ(decide_requeue(47 * 60, hour, 3, true), RequeueDecision::requeue_preempted);
  EXPECT_EQ(decide_requeue(48 * 60, hour, 3, true), RequeueDecision::requeue_timed_out);
  EXPECT_EQ(decide_requeue(59 * 60, hour, 0, true), RequeueDecision::stop);
  // limit 10 h: timed out from min(8 h, 9 h 50) = 8 h on
  EXPECT_EQ(decide_requeue(7.9 * hour, 10 * hour, 1, true), RequeueDecision::requeue_preempted);
  EXPECT_EQ(decide_requeue(8 * hour, 10 * hour, 1, true), RequeueDecision::requeue_timed_out);
  // no checkpoint: nothing to resume
  EXPECT_EQ(decide_requeue(8 * hour, 10 * hour, 1, false), RequeueDecision::stop);
  EXPECT_EQ(decide_requeue(60, hour, 5, false), RequeueDecision::stop);
  // unknown limit counts as a timeout
  EXPECT_EQ(decide_requeue(60, 0, 1, true), RequeueDecision::requeue_timed_out);
  EXPECT_STREQ(to_string(RequeueDecision::requeue_timed_out), "requeue-timed-out");
}

struct RecordingRunner final : CommandRunner {
  std::vector<std::vector<std::string>> calls;
  int status = 0;
  int run(const std::vector<std::string>& argv) override {
    calls.push_back(argv);
    return status;
  }
};

TEST(JobRequeue, RequeueRunsScontrolWithTheJobId) {
  RecordingRunner runner;
  EXPECT_TRUE(requeue_job(runner, "4711"));
  ASSERT_EQ(runner.calls.size(), 1u);
  EXPECT_EQ(runner.calls[0], (std::vector<std::string>{"scontrol", "requeue", "4711"}));
  runner.status = 1;
  EXPECT_FALSE(requeue_job(runner, "4711"));
  EXPECT_FALSE(requeue_job(runner, ""));  // not under SLURM: nothing run
  EXPECT_EQ(runner.calls.size(), 2u);
}

TEST(JobRequeue, SystemRunnerReportsExitStatus) {
  SystemCommandRunner runner;
  EXPECT_EQ(runner.run({"true"}), 0);
  EXPECT_EQ(runner.run({"false"}), 1);
  EXPECT_EQ(runner.run({"/nonexistent/command"}), 127);
}

}  // namespace
}  // namespace seqvi::job
