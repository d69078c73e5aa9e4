#include "seqvi/mpi/resume.hpp"

#include <gtest/gtest.h>

namespace seqvi::mpi {
namespace {

using search::TrialState;

std::vector<search::TrialRecord> table(std::initializer_list<std::pair<TrialState, std::int64_t>> rows) {
  std::vector<search::TrialRecord> out;
  std::int64_t i = 0;
  for (auto [state, crashes] : rows) {
    search::TrialRecord r;
    r.spec.dataset = "jsb";
    r.spec.model = "vosp";
    r.spec.index = i++;
    r.state = state;
    r.crashes = crashes;
    out.push_back(r);
  }
  return out;
}

TEST(MpiResume, FinalAndWaitingTrialsAreKeptAsTheyAre) {
  auto t = table({{TrialState::done, 0}, {TrialState::pruned, 0}, {TrialState::diverged, 0}, {TrialState::failed, 1},
                  {TrialState::pending, 0}, {TrialState::interrupted, 0}});
  const auto before = t;
  EXPECT_TRUE(recover_crashed(t, 3).empty());
  for (std::size_t i = 0; i < t.size(); ++i) EXPECT_EQ(t[i].state, before[i].state);
  EXPECT_EQ(runnable(t), (std::vector<std::size_t>{4, 5}));
}

TEST(MpiResume, ARunningTrialCountsACrashAndIsRetriedUntilMaxAttempts) {
  auto t = table({{TrialState::running, 0}, {TrialState::running, 1}, {TrialState::running, 2}});
  EXPECT_EQ(recover_crashed(t, 3), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(t[0].state, TrialState::pending);
  EXPECT_EQ(t[0].crashes, 1);
  EXPECT_EQ(t[1].state, TrialState::pending);
  EXPECT_EQ(t[1].crashes, 2);
  EXPECT_EQ(t[2].state, TrialState::failed);
  EXPECT_EQ(t[2].crashes, 3);
  EXPECT_EQ(t[2].message, "failed: its job died 3 times before it completed an epoch");
  EXPECT_EQ(runnable(t), (std::vector<std::size_t>{0, 1}));
}

TEST(MpiResume, MaxAttemptsOfOneFailsAtTheFirstCrash) {
  auto t = table({{TrialState::running, 0}});
  recover_crashed(t, 1);
  EXPECT_EQ(t[0].state, TrialState::failed);
  EXPECT_EQ(t[0].message, "failed: its job died 1 time before it completed an epoch");
}

TEST(MpiResume, ARunThatCompletedAnEpochBeforeTheJobDiedCountsNoCrash) {
  // Found running at epoch 7, its run having started at epoch 4 (the coordinator, mpirun or the
  // whole job was killed, or a requeue): continued, uncharged, however often it happens.
  auto t = table({{TrialState::running, 2}, {TrialState::running, 2}});
  t[0].epochs = 7;
  t[0].epochs_at_start = 4;
  t[1].epochs = 4;  // no epoch since its run started at 4: charged, and the third charge fails it
  t[1].epochs_at_start = 4;
  EXPECT_EQ(recover_crashed(t, 3), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(t[0].state, TrialState::pending);
  EXPECT_EQ(t[0].crashes, 2);
  EXPECT_NE(t[0].message.find("after epoch 7"), std::string::npos) << t[0].message;
  EXPECT_EQ(t[1].state, TrialState::failed);
  EXPECT_EQ(t[1].crashes, 3);
}

TEST(MpiResume, MaxAttemptsBelowOneIsAnErrorNamingIt) {
  auto t = table({});
  try {
    recover_crashed(t, 0);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "max_attempts is 0, must be ≥ 1");
  }
}

}  // namespace
}  // namespace seqvi::mpi
