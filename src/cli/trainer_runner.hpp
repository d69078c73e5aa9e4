// The trial runner the sweep uses: trains a sampled trial with train::Trainer and keeps its HDF5
// checkpoint current (after every epoch, and when stopped), so that a worker killed at any moment
// loses at most the epoch in progress and a resumed trial ends bit-identical to an uninterrupted one.
//
// Order per epoch: checkpoint written (atomically) → epoch reported to the coordinator. A trial is
// therefore never trained again beyond its last checkpoint, whoever dies when.
#ifndef SEQVI_CLI_TRAINER_RUNNER_HPP
#define SEQVI_CLI_TRAINER_RUNNER_HPP

#include "seqvi/data/piano_roll.hpp"
#include "seqvi/mpi/trial_runner.hpp"
#include "seqvi/search/trial_table.hpp"
#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/sweep_store.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace seqvi::cli {

class TrainerRunner final : public mpi::TrialRunner {
 public:
  /// `dataset_files`: short dataset name → HDF5 dataset file. Datasets are read on first use.
  explicit TrainerRunner(std::map<std::string, std::filesystem::path> dataset_files);

  mpi::TrialOutcome run(const search::TrialSpec& trial, const std::filesystem::path& checkpoint,
                        mpi::TrialControl& control) override;

  /// The checkpoint's completed epochs (−1: none, or unreadable).
  std::int64_t checkpoint_epochs(const std::filesystem::path& checkpoint) override;

  /// Hands over a dataset already read (and checked) for `name`, so that it is not read again.
  void provide(const std::string& name, data::Dataset dataset);

  /// Times a checkpoint was read to continue a trial (tests, logs).
  int resumed_runs() const { return resumed_runs_; }

 private:
  const data::Dataset& dataset(const std::string& name);

  std::map<std::string, std::filesystem::path> files_;
  std::map<std::string, std::unique_ptr<data::Dataset>> loaded_;
  int resumed_runs_ = 0;
};

/// For `seqvi sweep --resume`: the trials whose checkpoint is lost, returned reset to `pending`
/// (epochs, curve and bound cleared; message says why) so that the sweep retrains them from the start
/// (training is deterministic: the same result):
///  - a finished trial (done, pruned, diverged) whose checkpoint is missing or unreadable (`seqvi
///    best` could not export it);
///  - an unfinished one (pending, interrupted, running) whose checkpoint exists but is unreadable
///    (truncated, not HDF5): retrained like one whose checkpoint is missing, not failed.
/// An unreadable file is kept as evidence, moved aside to `<file>.damaged-<n>` (the first free n), so
/// that the retrained trial starts afresh. Says each one (trial, file, why) through `say`.
/// @throws CommandError (exit 1) for a readable checkpoint that belongs to another trial
/// (store::foreign_trial), naming both: it is not damage, and is neither moved nor trained over.
std::vector<search::TrialRecord> requeue_lost_checkpoints(
    const search::TrialTable& trials,
    const std::function<std::filesystem::path(const search::TrialSpec&)>& checkpoint_path,
    const std::function<void(const std::string&)>& say);

/// For `seqvi sweep --repair` (store::SweepStore::repair): what trial `record`'s checkpoint at `path`
/// says — missing, unreadable, another trial's (store::foreign_trial), or the record with its
/// result as the checkpoint holds it: state (a finished run's, else interrupted: resume continues
/// it), epochs, curve, best bound and epoch, KL and active dims of the best epoch (as the runner
/// reports them), message, wall time (its epochs'), attempts (at least its sessions).
store::CheckpointResult checkpoint_result(const search::TrialRecord& record, const std::filesystem::path& path);

/// Renames `path` to `<path>.damaged-<n>` (the first n not taken); returns the new name.
/// @throws std::runtime_error naming both if it cannot
std::filesystem::path move_checkpoint_aside(const std::filesystem::path& path);

/// The trial's training hyper-parameters: its sampled params with its own seed.
core::Params trial_hyperparameters(const search::TrialSpec& trial);

/// What the trial's checkpoint records as its owner (store::TrialIdentity): id, seed, and the
/// digest of trial_hyperparameters(trial).
store::TrialIdentity trial_identity(const search::TrialSpec& trial);

}  // namespace seqvi::cli

#endif  // SEQVI_CLI_TRAINER_RUNNER_HPP
