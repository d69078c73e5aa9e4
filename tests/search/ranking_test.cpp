// The one ranking of trials (search/ranking.hpp): its tie rule, unranked trials, and the streaming
// top-k against a full sort.
#include "seqvi/search/ranking.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace seqvi::search {
namespace {

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

TrialRecord trial(const std::string& dataset, std::int64_t index, double bound, const std::string& model = "vosp") {
  TrialRecord r;
  r.spec.dataset = dataset;
  r.spec.model = model;
  r.spec.index = index;
  r.spec.seed = 100 + static_cast<std::uint64_t>(index);
  r.spec.params = {{"model", model}};
  r.state = std::isfinite(bound) ? TrialState::done : TrialState::failed;
  r.best_valid = bound;
  return r;
}

std::vector<std::string> ids(const std::vector<RankedTrial>& ranked) {
  std::vector<std::string> out;
  for (const auto& r : ranked) out.push_back(r.id);
  return out;
}

TEST(SearchRanking, EqualBoundsAreOrderedByTrialIdWhateverTheRowOrder) {
  // Rows in an order that is neither the id order nor the bound order; three trials tie at 7.5.
  const TrialTable t(std::vector<TrialRecord>{trial("jsb", 9, 7.5), trial("jsb", 2, 8.0), trial("jsb", 4, 7.5),
                                              trial("jsb", 1, 7.5, "vrae"), trial("jsb", 3, 6.0)});
  const auto ranked = best_trials(t);
  EXPECT_EQ(ids(ranked), (std::vector<std::string>{"jsb-vosp-0003", "jsb-vosp-0004", "jsb-vosp-0009", "jsb-vrae-0001",
                                                   "jsb-vosp-0002"}));
  // Each names its row, and carries the row's bound.
  for (const auto& r : ranked) {
    EXPECT_EQ(r.source, 0u);
    EXPECT_EQ(t.id(r.row), r.id);
    EXPECT_EQ(r.bound, t.best_valid(r.row));
  }
  // top = 2 cuts inside the tie: the lower ids stay.
  EXPECT_EQ(ids(best_trials(t, {}, 2)), (std::vector<std::string>{"jsb-vosp-0003", "jsb-vosp-0004"}));
  EXPECT_TRUE(best_trials(t, {}, 0).empty());
}

TEST(SearchRanking, TheSameIdAndBoundInTwoTablesIsOrderedByTableThenRow) {
  const TrialTable a(std::vector<TrialRecord>{trial("jsb", 5, 7.0), trial("jsb", 6, 7.0)});
  const TrialTable b(std::vector<TrialRecord>{trial("jsb", 6, 7.0), trial("jsb", 5, 7.0)});
  const std::vector<const TrialTable*> tables{&b, &a};  // b is named first
  const auto by_dataset = best_trials_by_dataset(tables);
  ASSERT_EQ(by_dataset.size(), 1u);
  std::vector<std::pair<std::size_t, std::size_t>> where;
  for (const auto& r : by_dataset.at("jsb")) where.emplace_back(r.source, r.row);
  // jsb-vosp-0005 (b row 1, a row 0), then jsb-vosp-0006 (b row 0, a row 1): b before a.
  EXPECT_EQ(where, (std::vector<std::pair<std::size_t, std::size_t>>{{0, 1}, {1, 0}, {0, 0}, {1, 1}}));
  // The rule on two entries of one table with the same id (a table should not hold them; still total).
  EXPECT_TRUE(ranks_before(RankedTrial{0, 1, 7.0, "x"}, RankedTrial{0, 2, 7.0, "x"}));
  EXPECT_FALSE(ranks_before(RankedTrial{0, 2, 7.0, "x"}, RankedTrial{0, 1, 7.0, "x"}));
  EXPECT_FALSE(ranks_before(RankedTrial{0, 1, 7.0, "x"}, RankedTrial{0, 1, 7.0, "x"}));  // irreflexive
}

TEST(SearchRanking, NanAndInfiniteBoundsAreUnrankedLastAndLevelAmongThemselves) {
  EXPECT_LT(compare_bounds(1e300, kInf), 0);
  EXPECT_LT(compare_bounds(5.0, kNaN), 0);
  EXPECT_GT(compare_bounds(-kInf, 5.0), 0);  // −inf is no bound either: never the best
  EXPECT_EQ(compare_bounds(kNaN, kInf), 0);
  EXPECT_EQ(compare_bounds(kNaN, kNaN), 0);
  EXPECT_EQ(compare_bounds(-kInf, kInf), 0);
  EXPECT_EQ(compare_bounds(0.0, -0.0), 0);
  EXPECT_LT(compare_bounds(-1.0, 0.0), 0);
  EXPECT_FALSE((RankedTrial{0, 0, kNaN, "a"}.has_bound()));
  EXPECT_TRUE((RankedTrial{0, 0, -3.0, "a"}.has_bound()));

  const TrialTable t(std::vector<TrialRecord>{trial("jsb", 0, kNaN), trial("jsb", 1, kInf), trial("jsb", 2, 9.0),
                                              trial("jsb", 3, -kInf), trial("jsb", 4, 8.0), trial("jsb", 5, kNaN)});
  // Finite first by bound; then the unranked by id, whatever their non-finite value.
  EXPECT_EQ(ids(best_trials(t)), (std::vector<std::string>{"jsb-vosp-0004", "jsb-vosp-0002", "jsb-vosp-0000",
                                                           "jsb-vosp-0001", "jsb-vosp-0003", "jsb-vosp-0005"}));
  // A filter for the ranked ones only, as the progress lines and the leaderboard without --all use.
  const auto ranked_only = [&](std::size_t, std::size_t i) { return std::isfinite(t.best_valid(i)); };
  EXPECT_EQ(ids(best_trials(t, ranked_only)), (std::vector<std::string>{"jsb-vosp-0004", "jsb-vosp-0002"}));
}

TEST(SearchRanking, TheFilterSeesEveryRowOnceInSourceOrderAndDatasetsAreRankedApart) {
  const TrialTable a(
      std::vector<TrialRecord>{trial("muse", 0, 3.0), trial("jsb", 0, 9.0), trial("jsb", 1, 8.0, "rnn")});
  const TrialTable b(std::vector<TrialRecord>{trial("jsb", 7, 8.5), trial("muse", 1, 2.0)});
  const std::vector<const TrialTable*> tables{&a, &b};
  std::vector<std::pair<std::size_t, std::size_t>> seen;
  const auto vosp = [&](std::size_t s, std::size_t i) {
    seen.emplace_back(s, i);
    return tables[s]->model(i) == "vosp";
  };
  const auto by_dataset = best_trials_by_dataset(tables, vosp);
  EXPECT_EQ(seen, (std::vector<std::pair<std::size_t, std::size_t>>{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}}));
  ASSERT_EQ(by_dataset.size(), 2u);
  EXPECT_EQ(ids(by_dataset.at("jsb")), (std::vector<std::string>{"jsb-vosp-0007", "jsb-vosp-0000"}));
  EXPECT_EQ(ids(by_dataset.at("muse")), (std::vector<std::string>{"muse-vosp-0001", "muse-vosp-0000"}));
  EXPECT_EQ(by_dataset.at("muse").front().source, 1u);
  // A dataset none of whose rows pass has no entry.
  EXPECT_FALSE(best_trials_by_dataset(tables, [&](std::size_t s, std::size_t i) {
                 return tables[s]->dataset(i) == "jsb";
               }).contains("muse"));
}

TEST(SearchRanking, TopKEqualsThePrefixOfTheFullSortOnRandomTables) {
  std::mt19937_64 rng(20260812);
  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE(round);
    // Few distinct bounds (many ties), some unranked, ids repeated across the tables.
    std::uniform_int_distribution<int> n_rows(0, 40), n_tables(1, 3), which(0, 9), index(0, 30), dataset(0, 1);
    const double values[] = {7.0, 7.0, 7.25, 8.0, -0.0, 0.0, kInf, kNaN, -kInf, 7.25};
    std::vector<TrialTable> tables(static_cast<std::size_t>(n_tables(rng)));
    for (auto& t : tables) {
      const int n = n_rows(rng);
      std::vector<TrialRecord> rows;
      for (int i = 0; i < n; ++i) rows.push_back(trial(dataset(rng) ? "jsb" : "muse", index(rng), values[which(rng)]));
      t = TrialTable(rows);
    }
    std::vector<const TrialTable*> pointers;
    for (const auto& t : tables) pointers.push_back(&t);
    // The full order: every row, sorted by the rule; the rule leaves no two rows level.
    std::map<std::string, std::vector<RankedTrial>> full;
    for (std::size_t s = 0; s < tables.size(); ++s)
      for (std::size_t i = 0; i < tables[s].size(); ++i)
        full[tables[s].dataset(i)].push_back(RankedTrial{s, i, tables[s].best_valid(i), tables[s].id(i)});
    for (auto& [d, rows] : full) {
      std::sort(rows.begin(), rows.end(), ranks_before);
      for (std::size_t j = 1; j < rows.size(); ++j) {
        EXPECT_TRUE(ranks_before(rows[j - 1], rows[j]));
        EXPECT_FALSE(ranks_before(rows[j], rows[j - 1]));
      }
    }
    const std::size_t k = std::uniform_int_distribution<std::size_t>(1, 12)(rng);
    for (const std::size_t top : {k, TopTrials::kAll}) {
      const auto got = best_trials_by_dataset(pointers, {}, top);
      ASSERT_EQ(got.size(), full.size());
      for (const auto& [d, rows] : full) {
        const auto& g = got.at(d);
        ASSERT_EQ(g.size(), std::min(top, rows.size()));
        for (std::size_t j = 0; j < g.size(); ++j) {
          EXPECT_EQ(g[j].source, rows[j].source);
          EXPECT_EQ(g[j].row, rows[j].row);
          EXPECT_EQ(g[j].id, rows[j].id);
        }
      }
    }
    // TopTrials fed in a shuffled order keeps the same prefix.
    for (const auto& [d, rows] : full) {
      std::vector<RankedTrial> shuffled = rows;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      TopTrials top(k);
      for (const auto& r : shuffled)
        if (top.admits(r.bound))
          top.offer(r);
        else
          EXPECT_LT(compare_bounds(rows[std::min(k, rows.size()) - 1].bound, r.bound), 0);  // admits is exact on bounds
      const auto kept = top.take();
      EXPECT_EQ(top.size(), 0u);
      ASSERT_EQ(kept.size(), std::min(k, rows.size()));
      for (std::size_t j = 0; j < kept.size(); ++j)
        EXPECT_EQ(std::pair(kept[j].source, kept[j].row), std::pair(rows[j].source, rows[j].row));
    }
  }
}

}  // namespace
}  // namespace seqvi::search
