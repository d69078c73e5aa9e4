// What a worker does with a trial, as the coordinator and worker loops see it: run it, report each
// epoch, stop when told. The implementation that trains (train::Trainer + store checkpoints) lives in
// the CLI; mpi/ knows trials, not models, and its tests use fakes.
#ifndef SEQVI_MPI_TRIAL_RUNNER_HPP
#define SEQVI_MPI_TRIAL_RUNNER_HPP

#include "seqvi/search/trial_record.hpp"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace seqvi::mpi {

/// How one run of a trial ended. Its BestEpochMetrics part (search/trial_record.hpp: the validation
/// KL, active dims, … at best_epoch) is the runner's, for its best epoch; unknown (NaN / −1) for a
/// model without latents or a trial without a best epoch.
struct TrialOutcome : search::BestEpochMetrics {
  search::TrialState state = search::TrialState::done;  ///< done|pruned|diverged|failed|interrupted
  std::int64_t epochs = 0;                              ///< completed epochs in total (including those before a resume)
  double best_valid = std::numeric_limits<double>::infinity();
  std::int64_t best_epoch = 0;
  double wall_s = 0;  ///< wall time of this run only
  std::string message;
  /// The validation bound of every completed epoch (1..epochs), as the trial's checkpoint holds it.
  /// Authoritative, like best_valid: it replaces whatever the epoch reports left in the sweep table
  /// (a worker killed between writing a checkpoint and reporting an epoch leaves a report missing;
  /// the next run's result carries it). Empty for a trial that failed before it had a checkpoint.
  std::vector<double> valid_curve;
  /// The run was interrupted because the sweep's own files could not be written (a StorageError),
  /// not by a stop request: the coordinator drains the sweep and tells SweepOptions::on_storage_error.
  bool storage_failure = false;
};

/// Thrown by a runner that cannot write the sweep's own files (the trial's checkpoint): out of space
/// (ENOSPC, EDQUOT) or another I/O error. Not the trial's failure: the worker records the trial
/// `interrupted` (its last checkpoint stays valid) and the coordinator drains the sweep, so that a
/// resume after the cause is fixed continues it (docs/sweeps.md, "Out of space").
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The message of an outcome that a StorageError ended starts with this (text for people: the
/// outcome's kind is its `storage_failure` flag, never this prefix).
inline constexpr std::string_view kStorageErrorPrefix = "cannot write the sweep's files: ";

/// The outcome the loops record for a StorageError: interrupted, storage_failure set, message
/// kStorageErrorPrefix + what.
inline TrialOutcome storage_outcome(const StorageError& e, double wall_s) {
  TrialOutcome out;
  out.state = search::TrialState::interrupted;
  out.storage_failure = true;
  out.message = std::string(kStorageErrorPrefix) + e.what();
  out.wall_s = wall_s;
  return out;
}

inline bool is_storage_outcome(const TrialOutcome& o) {
  return o.state == search::TrialState::interrupted && o.storage_failure;
}

/// The runner's line back to the coordinator while a trial runs.
class TrialControl {
 public:
  virtual ~TrialControl() = default;
  /// After each epoch's validation. Returns false when the coordinator stops the trial (pruned);
  /// the runner then ends the trial as `pruned`.
  virtual bool report_epoch(std::int64_t epoch, double valid_bound) = 0;
  /// Polled at batch boundaries. True when the trial must checkpoint and end as `interrupted`
  /// (a stop signal on this rank, or the coordinator draining the sweep).
  virtual bool stop_requested() = 0;
};

class TrialRunner {
 public:
  virtual ~TrialRunner() = default;
  /// Runs `trial`, continuing from `checkpoint` if that file exists, and leaves its checkpoint there.
  /// May throw for a trial that cannot run (the worker reports it as `failed` with the message).
  virtual TrialOutcome run(const search::TrialSpec& trial, const std::filesystem::path& checkpoint,
                           TrialControl& control) = 0;
  /// The epochs a trial has completed according to its checkpoint at `checkpoint`, or −1 if there is
  /// none or it cannot be read. The coordinator reads it (on rank 0, before dispatching anything) for
  /// the trials a dead job left `running`: epochs a worker checkpointed after the coordinator died
  /// were never reported, yet are progress (mpi/resume.hpp). The default knows no checkpoints.
  virtual std::int64_t checkpoint_epochs(const std::filesystem::path& checkpoint) {
    (void)checkpoint;
    return -1;
  }
};

}  // namespace seqvi::mpi

#endif  // SEQVI_MPI_TRIAL_RUNNER_HPP
