#include "seqvi/mpi/progress.hpp"

#include "seqvi/search/ranking.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

namespace seqvi::mpi {

using search::TrialState;

Progress summarize(const search::TrialTable& trials, double elapsed_s, double mean_trial_s, int busy_workers) {
  Progress p;
  p.total = static_cast<std::int64_t>(trials.size());
  for (std::size_t i = 0; i < trials.size(); ++i) p.by_state[static_cast<std::size_t>(trials.state(i))] += 1;
  // Each dataset's first trial in the one ranking (search/ranking.hpp), among those with a bound:
  // the leaderboard's #1. Rows are read in place; only candidates' ids are formed.
  const search::TrialTable* table = &trials;
  const auto ranked = [&](std::size_t, std::size_t i) { return std::isfinite(trials.best_valid(i)); };
  for (const auto& [dataset, best] : search::best_trials_by_dataset(std::span(&table, 1), ranked, 1)) {
    const std::size_t i = best.front().row;
    p.best_by_dataset[dataset] =
        DatasetBest{trials.best_valid(i), trials.valid_kl(i), trials.active_dims(i), best.front().id};
  }
  p.running = p.count(TrialState::running);
  p.pending = p.count(TrialState::pending) + p.count(TrialState::interrupted);
  p.elapsed_s = elapsed_s;
  p.eta_s = mean_trial_s > 0 ? static_cast<double>(p.pending + p.running) * mean_trial_s / std::max(1, busy_workers)
                             : std::numeric_limits<double>::quiet_NaN();
  return p;
}

}  // namespace seqvi::mpi
