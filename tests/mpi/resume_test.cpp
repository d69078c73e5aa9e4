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
  auto t = table({{TrialState::done, 0},
                  {TrialState::pruned, 0},
                  {TrialState::diverged, 0},
                  {TrialState::failed, 1},
                  {TrialState::pending, 0},
                  {TrialState::interrupted, 0}});
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
  EXPECT_EQ(t[2].message, "failed: its job died 3 times in a row without completing an epoch");
  EXPECT_EQ(runnable(t), (std::vector<std::size_t>{0, 1}));
}

TEST(MpiResume, MaxAttemptsOfOneFailsAtTheFirstCrash) {
  auto t = table({{TrialState::running, 0}});
  recover_crashed(t, 1);
  EXPECT_EQ(t[0].state, TrialState::failed);
  EXPECT_EQ(t[0].message, "failed: its job died 1 time in a row without completing an epoch");
}

TEST(MpiResume, ARunThatCompletedAnEpochBeforeTheJobDiedCountsNoCrashAndEndsARunOfCrashes) {
  // Found running at epoch 7, its run having started at epoch 4 (the coordinator, mpirun or the
  // whole job was killed, or a requeue): continued, uncharged, its two earlier crashes forgotten.
  auto t = table({{TrialState::running, 2}, {TrialState::running, 2}});
  t[0].epochs = 7;
  t[0].epochs_at_start = 4;
  t[1].epochs = 4;  // no epoch since its run started at 4: charged, and the third in a row fails it
  t[1].epochs_at_start = 4;
  EXPECT_EQ(recover_crashed(t, 3), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(t[0].state, TrialState::pending);
  EXPECT_EQ(t[0].crashes, 0);
  EXPECT_EQ(t[0].epochs_at_start, 7);
  EXPECT_NE(t[0].message.find("after epoch 7"), std::string::npos) << t[0].message;
  EXPECT_EQ(t[1].state, TrialState::failed);
  EXPECT_EQ(t[1].crashes, 3);
}

/// One job death of trial t[0] of `t`: its run starts (start_run), its checkpoint reaches
/// `checkpoint` epochs while the table, whose coordinator died, never hears of them; then the sweep
/// is resumed with `max_attempts`.
void crash(std::vector<search::TrialRecord>& t, std::int64_t checkpoint, std::int64_t max_attempts) {
  start_run(t[0]);
  recover_crashed(t, max_attempts, [&](const search::TrialRecord&) { return checkpoint; });
}

TEST(MpiResume, ATrialThatProgressedBetweenCrashesIsNeverFailed) {
  // 30 job deaths, max_attempts = 3: two in a row without progress, then one after its checkpoint
  // gained an epoch, again and again. The table never hears of an epoch (the coordinator dies
  // first each time): only the checkpoint shows the progress.
  auto t = table({{TrialState::pending, 0}});
  std::int64_t checkpoint = 0;
  for (int death = 1; death <= 30; ++death) {
    if (death % 3 == 0) ++checkpoint;
    crash(t, checkpoint, 3);
    SCOPED_TRACE("death " + std::to_string(death));
    ASSERT_EQ(t[0].state, TrialState::pending) << t[0].message;
    EXPECT_EQ(t[0].crashes, death % 3 == 0 ? 0 : death % 3);
    EXPECT_EQ(t[0].epochs, 0);
    EXPECT_EQ(t[0].epochs_at_start, checkpoint);
  }
  EXPECT_EQ(t[0].attempts, 30);
}

TEST(MpiResume, ATrialThatCrashesMaxAttemptsTimesInARowWithoutProgressFails) {
  for (const std::int64_t max_attempts : {1, 3, 5}) {
    SCOPED_TRACE("max_attempts " + std::to_string(max_attempts));
    auto t = table({{TrialState::pending, 0}});
    crash(t, 6, max_attempts);  // progress first (checkpoint at 6 epochs): uncharged
    ASSERT_EQ(t[0].state, TrialState::pending);
    EXPECT_EQ(t[0].crashes, 0);
    for (std::int64_t k = 1; k <= max_attempts; ++k) {
      crash(t, 6, max_attempts);  // the checkpoint stays at 6: no progress
      EXPECT_EQ(t[0].crashes, k);
      EXPECT_EQ(t[0].state, k < max_attempts ? TrialState::pending : TrialState::failed);
    }
    EXPECT_EQ(t[0].message, "failed: its job died " + std::to_string(max_attempts) + " time" +
                                (max_attempts == 1 ? "" : "s") + " in a row without completing an epoch");
  }
}

TEST(MpiResume, WithoutACheckpointTheTablesEpochsAreTheProgress) {
  auto t = table({{TrialState::running, 1}});
  t[0].epochs = 5;
  t[0].epochs_at_start = 2;
  recover_crashed(t, 2, [](const search::TrialRecord&) { return std::int64_t{-1}; });
  EXPECT_EQ(t[0].state, TrialState::pending);
  EXPECT_EQ(t[0].crashes, 0);
  EXPECT_EQ(t[0].epochs_at_start, 5);
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
