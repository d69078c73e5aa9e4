// The one ranking of trials: which trial of a sweep (or of several sweeps pooled) is best. Used by
// the coordinator's progress lines (mpi/progress.hpp), `seqvi leaderboard` and `seqvi best`; the
// leaderboard writes the rank it computes (`rank` in --json and --csv), and the analysis scripts
// (analysis/table1, analysis/report) take that order instead of ranking again.
//
// **The rule** (docs/sweeps.md, "One ranking, one tie rule"). Trial a ranks before trial b if, in this order:
//  1. a has a finite best validation bound (TrialRecord::best_valid) and b has not — a trial without
//     one (pending, failed, diverged before its first epoch: +inf, NaN, −inf) is unranked and comes
//     after every ranked trial; unranked trials are level on the bound however it is non-finite;
//  2. a's bound is lower (nats/frame: lower is better);
//  3. a's trial id (TrialSpec::name()) is lower, compared bytewise (std::string's <);
//  4. a comes first in source order: the table it is in (the sweeps in the order they were named),
//     then its row there.
// This is a strict total order on the rows ranked together, so every result below is unique: a top-k
// is the prefix of the full order whatever the rows' order, and two callers ranking the same rows
// agree (the progress line's best trial is the leaderboard's first).
//
// No Eigen, no model, no files: a trial's bound and id from a TrialTable row in place.
#ifndef SEQVI_SEARCH_RANKING_HPP
#define SEQVI_SEARCH_RANKING_HPP

#include "seqvi/search/trial_table.hpp"

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace seqvi::search {

/// A trial as the ranking sees it: where it is and what ranks it.
struct RankedTrial {
  std::size_t source = 0;  ///< its table among those ranked together (0 for a single table)
  std::size_t row = 0;     ///< its row in that table
  double bound = std::numeric_limits<double>::infinity();  ///< its best validation bound (nats/frame)
  std::string id;                                          ///< its trial id
  /// Ranked at all: a finite bound.
  bool has_bound() const { return std::isfinite(bound); }
};

/// Steps 1–2 of the rule for two bounds: negative if `a` ranks before `b`, positive if after, 0 if
/// they are level (equal finite bounds, or both non-finite).
int compare_bounds(double a, double b);

/// The rule: true iff `a` ranks strictly before `b` (a strict total order on distinct (source, row)).
bool ranks_before(const RankedTrial& a, const RankedTrial& b);

/// A streaming top-k: offered trials one at a time, keeps the best k under the rule in O(k) memory
/// (O(log k) an offer), whatever order they come in. k = kAll keeps every trial.
class TopTrials {
 public:
  static constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
  explicit TopTrials(std::size_t k = kAll) : k_(k) {}

  /// False if a trial with this bound cannot be kept whatever its id (k are kept and the worst of them
  /// ranks before it on the bound alone): lets a caller skip forming the id. Never false while fewer
  /// than k are kept.
  bool admits(double bound) const;
  /// Keeps `t` if it is among the best k offered so far (then the worst kept one may go).
  void offer(RankedTrial t);
  std::size_t size() const { return kept_.size(); }
  /// The kept trials, best first; leaves this empty.
  std::vector<RankedTrial> take();

 private:
  std::size_t k_;
  std::vector<RankedTrial> kept_;  ///< k_ < kAll: a heap, the worst kept trial at the front
};

/// Which rows take part: called once per row, tables in order, rows in order (so a filter may count
/// what it leaves out). An empty filter takes every row.
using TrialFilter = std::function<bool(std::size_t source, std::size_t row)>;

/// The best `top` rows of `table` that `filter` accepts (source 0), best first — with or without a
/// bound (a filter leaves out the unranked if it wants only ranked ones; they come last). top = 0:
/// none.
std::vector<RankedTrial> best_trials(const TrialTable& table, const TrialFilter& filter = {},
                                     std::size_t top = TopTrials::kAll);

/// The same over several tables ranked together (sweeps pooled: `source` is the index in `tables`),
/// per dataset (TrialTable::dataset; the map in name order): each dataset's best `top`, best first.
/// A dataset none of whose rows the filter accepts has no entry.
std::map<std::string, std::vector<RankedTrial>> best_trials_by_dataset(std::span<const TrialTable* const> tables,
                                                                       const TrialFilter& filter = {},
                                                                       std::size_t top = TopTrials::kAll);

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_RANKING_HPP
