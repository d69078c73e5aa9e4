// A trial's row in the sweep table: what it is (TrialSpec), where it stands (TrialState) and what it
// achieved so far. Pure data shared by the coordinator (mpi/), the sweep store (store/) and the CLI's
// leaderboard; no MPI, no HDF5, no Eigen.
#ifndef SEQVI_SEARCH_TRIAL_RECORD_HPP
#define SEQVI_SEARCH_TRIAL_RECORD_HPP

#include "seqvi/search/sampler.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace seqvi::search {

/// Where a trial stands in a sweep.
///  pending      never started (or reset)
///  running      dispatched to a worker; found `running` when a sweep is reopened = its job died
///  done         trained to its epoch budget or stopped early by patience
///  pruned       stopped by the pruner (ASHA)
///  diverged     NaN/Inf in loss or parameters (a trial outcome, not an error)
///  failed       the trial threw (bad configuration) or crashed max_attempts times (mpi/resume.hpp)
///  interrupted  drained on a signal; continues from its checkpoint on resume
enum class TrialState { pending, running, done, pruned, diverged, failed, interrupted };

const char* to_string(TrialState s);
/// @throws std::invalid_argument naming the text and the accepted values
TrialState parse_trial_state(const std::string& text);
/// done, pruned, diverged, failed: a resumed sweep never runs these again.
bool is_final(TrialState s);

struct TrialRecord {
  TrialSpec spec;                    ///< dataset, model, index, seed, params; spec.name() is the id
  TrialState state = TrialState::pending;
  std::int64_t epochs = 0;           ///< completed epochs
  double best_valid = std::numeric_limits<double>::infinity();  ///< best validation bound (nats/frame)
  std::int64_t best_epoch = 0;       ///< its epoch (1-based; 0 = none yet)
  std::vector<double> valid_curve;   ///< validation bound after each completed epoch
  /// The validation KL (nats/frame) and the active latent dims (KL above 0.01 nats/frame,
  /// train/active_dims.hpp) at best_epoch, as the trainer computed them. NaN / −1 = unknown: no
  /// result yet for the current best epoch, a model without latents (rnn, fdrnn), or a sweep
  /// written before the table held them (its checkpoints still do).
  double valid_kl = std::numeric_limits<double>::quiet_NaN();
  std::int64_t active_dims = -1;
  double wall_s = 0;                 ///< training wall time summed over attempts
  int rank = -1;                     ///< the worker rank that ran it last (−1: never ran)
  std::int64_t attempts = 0;         ///< times it was dispatched to a worker
  std::int64_t crashes = 0;          ///< runs that ended with the job dead and no epoch completed (docs/sweeps.md)
  std::int64_t epochs_at_start = 0;  ///< completed epochs when its last run started (crash accounting)
  std::string message;               ///< why it ended (divergence, exception text, …)

  std::string id() const { return spec.name(); }
};

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_TRIAL_RECORD_HPP
