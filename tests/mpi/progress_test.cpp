#include "seqvi/mpi/progress.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace seqvi::mpi {
namespace {

using search::TrialState;

search::TrialRecord row(const std::string& dataset, TrialState state, double best, double kl = 0.5,
                        std::int64_t active = 2) {
  search::TrialRecord r;
  r.spec.dataset = dataset;
  r.spec.model = "vosp";
  r.spec.index = static_cast<std::int64_t>(best * 100);
  r.state = state;
  r.best_valid = best;
  r.valid_kl = kl;
  r.active_dims = active;
  return r;
}

TEST(MpiProgress, CountsStatesAndKeepsTheLowestBoundPerDataset) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<search::TrialRecord> t{
      row("jsb", TrialState::done, 8.5),         row("jsb", TrialState::done, 7.25, 0.125, 5),
      row("jsb", TrialState::running, 9.0),      row("muse", TrialState::pending, inf),
      row("muse", TrialState::interrupted, 6.0), row("muse", TrialState::failed, inf)};
  const Progress p = summarize(t, 12.0, 10.0, 2);
  EXPECT_EQ(p.total, 6);
  EXPECT_EQ(p.count(TrialState::done), 2);
  EXPECT_EQ(p.count(TrialState::failed), 1);
  EXPECT_EQ(p.running, 1);
  EXPECT_EQ(p.pending, 2);  // pending + interrupted
  EXPECT_EQ(p.best_by_dataset.at("jsb").bound, 7.25);
  // The best trial's KL and active dims travel with its bound.
  EXPECT_EQ(p.best_by_dataset.at("jsb").kl, 0.125);
  EXPECT_EQ(p.best_by_dataset.at("jsb").active_dims, 5);
  EXPECT_EQ(p.best_by_dataset.at("jsb").trial, "jsb-vosp-0725");
  EXPECT_EQ(p.best_by_dataset.at("muse").bound, 6.0);
  EXPECT_EQ(p.elapsed_s, 12.0);
  EXPECT_DOUBLE_EQ(p.eta_s, 3 * 10.0 / 2);  // (pending + running) · mean / workers
}

TEST(MpiProgress, ATieOnTheBestBoundGoesToTheLowerTrialIdNotTheFirstRow) {
  // search/ranking.hpp's rule, as the leaderboard's: equal bounds rank by trial id.
  std::vector<search::TrialRecord> t{row("jsb", TrialState::done, 7.5), row("jsb", TrialState::done, 7.5),
                                     row("jsb", TrialState::done, 9.0)};
  t[0].spec.index = 12;
  t[1].spec.index = 3;
  t[1].valid_kl = 0.25;
  const Progress p = summarize(t, 1.0, 1.0, 1);
  EXPECT_EQ(p.best_by_dataset.at("jsb").trial, "jsb-vosp-0003");
  EXPECT_EQ(p.best_by_dataset.at("jsb").kl, 0.25);  // the chosen trial's own KL
  // A NaN bound is no bound: never the best, even alone.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Progress q = summarize(std::vector<search::TrialRecord>{row("muse", TrialState::diverged, nan)}, 1.0, 1.0, 1);
  EXPECT_FALSE(q.best_by_dataset.contains("muse"));
}

TEST(MpiProgress, EtaIsUnknownUntilATrialHasFinished) {
  const Progress p = summarize(std::vector<search::TrialRecord>{row("jsb", TrialState::pending, 1.0)}, 1.0, 0.0, 4);
  EXPECT_TRUE(std::isnan(p.eta_s));
}

}  // namespace
}  // namespace seqvi::mpi
