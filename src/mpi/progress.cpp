#include "seqvi/mpi/progress.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace seqvi::mpi {

using search::TrialState;

Progress summarize(const search::TrialTable& trials, double elapsed_s, double mean_trial_s, int busy_workers) {
  Progress p;
  p.total = static_cast<std::int64_t>(trials.size());
  std::map<std::string, std::size_t> best_row;  // rows read in place: nothing expanded
  for (std::size_t i = 0; i < trials.size(); ++i) {
    p.by_state[static_cast<std::size_t>(trials.state(i))] += 1;
    const double bound = trials.best_valid(i);
    if (std::isfinite(bound)) {
      auto [it, inserted] = best_row.emplace(trials.dataset(i), i);
      if (!inserted && bound < trials.best_valid(it->second)) it->second = i;
    }
  }
  for (const auto& [dataset, i] : best_row)
    p.best_by_dataset[dataset] = DatasetBest{trials.best_valid(i), trials.valid_kl(i), trials.active_dims(i), trials.id(i)};
  p.running = p.count(TrialState::running);
  p.pending = p.count(TrialState::pending) + p.count(TrialState::interrupted);
  p.elapsed_s = elapsed_s;
  p.eta_s = mean_trial_s > 0 ? static_cast<double>(p.pending + p.running) * mean_trial_s / std::max(1, busy_workers)
                             : std::numeric_limits<double>::quiet_NaN();
  return p;
}

}  // namespace seqvi::mpi
