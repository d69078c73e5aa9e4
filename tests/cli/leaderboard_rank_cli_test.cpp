// The rank `seqvi leaderboard` writes is the one ranking's (search/ranking.hpp), in every format, and
// the coordinator's progress lines name the same best trial — on sweeps with planted ties (equal
// bounds, ids out of row order, the same trial in two pooled sweeps) and trials without a bound.
#include "support/run_seqvi.hpp"

#include "seqvi/mpi/progress.hpp"
#include "seqvi/search/ranking.hpp"
#include "seqvi/store/sweep_store.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using seqvi::test::Outcome;
using seqvi::test::seqvi;
using seqvi::test::TempDir;
namespace search = seqvi::search;

search::TrialRecord trial(const std::string& dataset, std::int64_t index, double bound) {
  search::TrialRecord r;
  r.spec.dataset = dataset;
  r.spec.model = "vosp";
  r.spec.index = index;
  r.spec.seed = 1000 + static_cast<std::uint64_t>(index);
  r.spec.params = {{"model", std::string("vosp")}, {"hidden", std::int64_t{8}}};
  r.state = std::isfinite(bound) ? search::TrialState::done : search::TrialState::failed;
  r.best_valid = bound;
  r.epochs = r.best_epoch = std::isfinite(bound) ? 2 : 0;
  return r;
}

/// Two sweeps: in "a" jsb's best bound 7.5 is tied between rows 0 (id 0009) and 2 (id 0004); "b"
/// holds jsb-vosp-0004 again with the same bound, and a better muse trial.
struct TiedSweeps {
  TempDir dir;
  TiedSweeps() {
    const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    seqvi::store::SweepStore::create(
        dir / "a", "# test\n",
        std::vector<search::TrialRecord>{trial("jsb", 9, 7.5), trial("jsb", 1, 8.0), trial("jsb", 4, 7.5),
                                         trial("jsb", 2, inf), trial("muse", 0, 6.0), trial("muse", 3, nan),
                                         trial("muse", 1, 6.0)});
    seqvi::store::SweepStore::create(dir / "b", "# test\n",
                                     std::vector<search::TrialRecord>{trial("jsb", 4, 7.5), trial("muse", 5, 5.0)});
  }
};

/// (dataset, rank or 0, trial, sweep folder name) of each listed trial, in the listing's order.
struct Listed {
  std::string dataset;
  std::size_t rank = 0;
  std::string trial, sweep;
  bool operator==(const Listed&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Listed& l) {
  return os << l.dataset << " #" << l.rank << " " << l.trial << " (" << l.sweep << ")";
}

std::vector<Listed> from_json(const std::string& text) {
  std::vector<Listed> out;
  for (const auto& row : nlohmann::json::parse(text))
    out.push_back({row["dataset"], row["rank"].is_null() ? 0 : row["rank"].get<std::size_t>(), row["trial"],
                   std::filesystem::path(row["sweep"].get<std::string>()).filename().string()});
  return out;
}

TEST(CliLeaderboardRank, JsonRankIsTheOneRankingsOrderAndEveryFormatShowsTheSameRank) {
  const TiedSweeps s;
  const Outcome json =
      seqvi({"leaderboard", (s.dir / "a").string(), (s.dir / "b").string(), "--all", "--json"}, s.dir.path());
  ASSERT_EQ(json.code, 0) << json.err;
  const std::vector<Listed> listed = from_json(json.out);

  // What search::best_trials_by_dataset gives for the same tables, with ranks 1.. for the ranked.
  const std::vector<seqvi::store::SweepView> views{seqvi::store::read_sweep(s.dir / "a"),
                                                   seqvi::store::read_sweep(s.dir / "b")};
  const std::vector<const search::TrialTable*> tables{&views[0].trials, &views[1].trials};
  std::vector<Listed> expected;
  for (const auto& [dataset, ranked] : search::best_trials_by_dataset(tables))
    for (std::size_t j = 0; j < ranked.size(); ++j)
      expected.push_back({dataset, ranked[j].has_bound() ? j + 1 : 0, ranked[j].id, ranked[j].source ? "b" : "a"});
  EXPECT_EQ(listed, expected);
  // Spelled out: the tie at 7.5 goes to the lower id, then to the sweep named first; NaN and inf unranked, last.
  EXPECT_EQ(listed, (std::vector<Listed>{{"jsb", 1, "jsb-vosp-0004", "a"},
                                         {"jsb", 2, "jsb-vosp-0004", "b"},
                                         {"jsb", 3, "jsb-vosp-0009", "a"},
                                         {"jsb", 4, "jsb-vosp-0001", "a"},
                                         {"jsb", 0, "jsb-vosp-0002", "a"},
                                         {"muse", 1, "muse-vosp-0005", "b"},
                                         {"muse", 2, "muse-vosp-0000", "a"},
                                         {"muse", 3, "muse-vosp-0001", "a"},
                                         {"muse", 0, "muse-vosp-0003", "a"}}));

  // CSV's rank column: the same ranks (empty when unranked).
  const Outcome csv =
      seqvi({"leaderboard", (s.dir / "a").string(), (s.dir / "b").string(), "--all", "--csv"}, s.dir.path());
  ASSERT_EQ(csv.code, 0) << csv.err;
  std::istringstream lines(csv.out);
  std::string line;
  std::getline(lines, line);  // header
  std::vector<std::pair<std::string, std::string>> csv_ranks;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::string dataset, rank, id;
    std::getline(cells, dataset, ',');
    std::getline(cells, rank, ',');
    std::getline(cells, id, ',');
    csv_ranks.emplace_back(rank, id);
  }
  ASSERT_EQ(csv_ranks.size(), listed.size());
  for (std::size_t j = 0; j < listed.size(); ++j) {
    EXPECT_EQ(csv_ranks[j].first, listed[j].rank ? std::to_string(listed[j].rank) : "") << listed[j];
    EXPECT_EQ(csv_ranks[j].second, listed[j].trial);
  }

  // --top 2 without --all: the prefix of the ranked ones, ranks unchanged.
  const Outcome top =
      seqvi({"leaderboard", (s.dir / "a").string(), (s.dir / "b").string(), "--top", "2", "--json"}, s.dir.path());
  ASSERT_EQ(top.code, 0) << top.err;
  EXPECT_EQ(from_json(top.out), (std::vector<Listed>{listed[0], listed[1], listed[5], listed[6]}));
}

TEST(CliLeaderboardRank, ProgressLinesAndTheLeaderboardAndBestAgreeOnAPlantedTie) {
  const TiedSweeps s;
  for (const char* sweep : {"a", "b"}) {
    SCOPED_TRACE(sweep);
    const Outcome json = seqvi({"leaderboard", (s.dir / sweep).string(), "--json"}, s.dir.path());
    ASSERT_EQ(json.code, 0) << json.err;
    std::map<std::string, std::string> first;  // dataset → its rank-1 trial
    for (const auto& l : from_json(json.out))
      if (l.rank == 1) first[l.dataset] = l.trial;
    const seqvi::mpi::Progress p = seqvi::mpi::summarize(seqvi::store::read_sweep(s.dir / sweep).trials, 0, 0, 1);
    std::map<std::string, std::string> progress;
    for (const auto& [dataset, best] : p.best_by_dataset) progress[dataset] = best.trial;
    EXPECT_EQ(progress, first);
  }
  // In "a" the tie at 7.5 is between rows 0 (jsb-vosp-0009) and 2 (jsb-vosp-0004): the lower id wins
  // (the progress lines used to keep the first row).
  EXPECT_EQ(
      seqvi::mpi::summarize(seqvi::store::read_sweep(s.dir / "a").trials, 0, 0, 1).best_by_dataset.at("jsb").trial,
      "jsb-vosp-0004");
  // `seqvi best` picks the same #1 (its checkpoint is missing here, which it says naming the trial).
  const Outcome best = seqvi({"best", (s.dir / "a").string(), "--dataset", "jsb", "-o", "m.h5"}, s.dir.path());
  EXPECT_NE(best.code, 0);
  EXPECT_NE(best.err.find("trial jsb-vosp-0004 (#1 of 'jsb'"), std::string::npos) << best.err;
}

/// Runs Python source with /usr/bin/python3 (the Debian one the analysis scripts use), the analysis
/// folder importable; `table1` and `report` are those scripts loaded as modules.
Outcome python(const std::string& source, const std::filesystem::path& cwd) {
  const std::string analysis = std::string(SEQVI_SOURCE_DIR) + "/analysis";
  const std::string prelude =
      "import sys, importlib.machinery, importlib.util\n"
      "def load(name):\n"
      "    loader = importlib.machinery.SourceFileLoader(name, '" +
      analysis +
      "/' + name)\n"
      "    spec = importlib.util.spec_from_loader(name, loader)\n"
      "    module = importlib.util.module_from_spec(spec)\n"
      "    loader.exec_module(module)\n"
      "    return module\n"
      "table1, report = load('table1'), load('report')\n"
      "seqvi = '" +
      std::string(SEQVI_BINARY) + "'\n";
  std::ofstream(cwd / "check.py") << prelude << source;
  return seqvi::test::shell("/usr/bin/python3 check.py", cwd);
}

TEST(CliLeaderboardRank, TheAnalysisScriptsTakeSeqvisRankingInsteadOfRankingAgain) {
  TempDir dir;
  // Pooled sweeps c then d with a tie at 7.5 across them: seqvi's rule gives c's jsb-vosp-0004 (lower
  // id). table1 names d's trial "d/jsb-vosp-0009", so its old own ranking by (bound, name) chose d's.
  seqvi::store::SweepStore::create(dir / "c", "# test\n",
                                   std::vector<search::TrialRecord>{trial("jsb", 1, 8.0), trial("jsb", 4, 7.5)});
  seqvi::store::SweepStore::create(dir / "d", "# test\n", std::vector<search::TrialRecord>{trial("jsb", 9, 7.5)});
  const Outcome t1 = python(
      "trials = table1.leaderboard(seqvi, ['c', 'd'])\n"
      "print(table1.best(trials, 'jsb', lambda t: True)['trial'])\n"
      "print(table1.best(trials, 'jsb', lambda t: t['sweep'].endswith('d'))['trial'])\n"
      "print(table1.best(trials, 'muse', lambda t: True))\n",
      dir.path());
  ASSERT_EQ(t1.code, 0) << t1.err;
  EXPECT_EQ(t1.out, "jsb-vosp-0004\nd/jsb-vosp-0009\nNone\n");

  // report: in the leaderboard's rank, whatever the bounds say; a table without ranks by seqvi's rule.
  const Outcome r = python(
      "rows = [{'trial': 'x', 'val_bound': 7.0, 'rank': 2}, {'trial': 'y', 'val_bound': 7.0, 'rank': 1},\n"
      "        {'trial': 'z', 'val_bound': None, 'rank': None}, {'trial': 'w', 'val_bound': 6.0, 'rank': 3}]\n"
      "print([t['trial'] for t in report.ranked(rows)])\n"
      "for t in rows: del t['rank']\n"
      "print([t['trial'] for t in report.ranked(rows)])\n",
      dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "['y', 'x', 'w']\n['w', 'x', 'y']\n");
}

}  // namespace
