// What the coordinator tells the terminal while a sweep runs (SweepOptions::on_progress).
#ifndef SEQVI_MPI_PROGRESS_HPP
#define SEQVI_MPI_PROGRESS_HPP

#include "seqvi/search/trial_table.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace seqvi::mpi {

/// A dataset's best trial so far: its validation bound (nats/frame) and, at that epoch, its
/// validation KL (nats/frame) and active latent dims (NaN / −1: unknown, or a model without latents).
struct DatasetBest {
  double bound = 0;
  double kl = 0;
  std::int64_t active_dims = -1;
  std::string trial;  ///< its id
};

struct Progress {
  static constexpr std::size_t kStates = 7;      ///< TrialState has 7 values
  std::array<std::int64_t, kStates> by_state{};  ///< counts, indexed by TrialState
  std::int64_t total = 0;
  std::int64_t running = 0;                            ///< = count(running)
  std::int64_t pending = 0;                            ///< still to run: pending + interrupted
  std::map<std::string, DatasetBest> best_by_dataset;  ///< per dataset, its first trial in search/ranking.hpp's order
                                                       ///< (lowest best_valid; ties: lower id)
  double elapsed_s = 0;                                ///< since this run of the sweep started
  double eta_s = 0;    ///< estimated seconds left; NaN while unknown (no finished trial yet)
  bool final = false;  ///< the last call of the run

  std::int64_t count(search::TrialState s) const { return by_state[static_cast<std::size_t>(s)]; }
};

/// Counts and bests of `trials`; ETA = (pending + running) · mean_trial_s / max(1, busy_workers),
/// NaN if mean_trial_s is not positive. Best bounds count only finite ones; the best is the one
/// ranking's first (search/ranking.hpp), the trial `seqvi leaderboard` lists first.
Progress summarize(const search::TrialTable& trials, double elapsed_s, double mean_trial_s, int busy_workers);

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_PROGRESS_HPP
