#include "seqvi/mpi/progress.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace seqvi::mpi {

using search::TrialState;

Progress summarize(const std::vector<search::TrialRecord>& trials, double elapsed_s, double mean_trial_s,
                   int busy_workers) {
  Progress p;
  p.total = static_cast<std::int64_t>(trials.size());
  for (const search::TrialRecord& t : trials) {
    p.by_state[static_cast<std::size_t>(t.state)] += 1;
    if (std::isfinite(t.best_valid)) {
      const DatasetBest best{t.best_valid, t.valid_kl, t.active_dims, t.id()};
      auto [it, inserted] = p.best_by_dataset.emplace(t.spec.dataset, best);
      if (!inserted && t.best_valid < it->second.bound) it->second = best;
    }
  }
  p.running = p.count(TrialState::running);
  p.pending = p.count(TrialState::pending) + p.count(TrialState::interrupted);
  p.elapsed_s = elapsed_s;
  p.eta_s = mean_trial_s > 0 ? static_cast<double>(p.pending + p.running) * mean_trial_s / std::max(1, busy_workers)
                             : std::numeric_limits<double>::quiet_NaN();
  return p;
}

}  // namespace seqvi::mpi
