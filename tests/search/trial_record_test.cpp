// Trial states: their stored spelling, parsing, and which ones a resumed sweep never runs again.
#include "seqvi/search/trial_record.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using seqvi::search::TrialState;

const std::vector<std::pair<TrialState, std::string>> kAll = {
    {TrialState::pending, "pending"},        {TrialState::running, "running"},   {TrialState::done, "done"},
    {TrialState::pruned, "pruned"},          {TrialState::diverged, "diverged"}, {TrialState::failed, "failed"},
    {TrialState::interrupted, "interrupted"}};

TEST(SearchTrialRecord, StatesHaveTheirStoredSpellingAndParseBack) {
  for (const auto& [state, name] : kAll) {
    EXPECT_EQ(seqvi::search::to_string(state), name);
    EXPECT_EQ(seqvi::search::parse_trial_state(name), state) << name;
  }
}

TEST(SearchTrialRecord, ParseErrorNamesTheTextAndTheAcceptedValues) {
  for (const std::string bad : {"Done", "", "finished", "done "}) {
    try {
      seqvi::search::parse_trial_state(bad);
      ADD_FAILURE() << "'" << bad << "' was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()),
                "trial state is '" + bad + "', must be one of pending|running|done|pruned|diverged|failed|interrupted");
    }
  }
}

TEST(SearchTrialRecord, FinalStatesAreDonePrunedDivergedFailed) {
  for (const auto& [state, name] : kAll) {
    const bool expected = name == "done" || name == "pruned" || name == "diverged" || name == "failed";
    EXPECT_EQ(seqvi::search::is_final(state), expected) << name;
  }
}

TEST(SearchTrialRecord, IdIsTheSpecName) {
  seqvi::search::TrialRecord r;
  r.spec.dataset = "jsb";
  r.spec.model = "vosp";
  r.spec.index = 7;
  EXPECT_EQ(r.id(), "jsb-vosp-0007");
  EXPECT_EQ(r.best_valid, std::numeric_limits<double>::infinity());
  EXPECT_EQ(r.rank, -1);
  EXPECT_EQ(r.state, TrialState::pending);
}

}  // namespace
