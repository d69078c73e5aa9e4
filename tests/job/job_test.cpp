#include "seqvi/job/environment.hpp"
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

}  // namespace
}  // namespace seqvi::job
