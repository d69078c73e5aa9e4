#include "trainer_runner.hpp"

#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/dataset_file.hpp"
#include "seqvi/train/trainer.hpp"

#include <chrono>
#include <stdexcept>

namespace seqvi::cli {
namespace {

using search::TrialState;

TrialState to_trial_state(train::TrialStatus s) {
  switch (s) {
    case train::TrialStatus::done: return TrialState::done;
    case train::TrialStatus::pruned: return TrialState::pruned;
    case train::TrialStatus::diverged: return TrialState::diverged;
    case train::TrialStatus::interrupted: return TrialState::interrupted;
    case train::TrialStatus::running: break;
  }
  return TrialState::interrupted;  // run() only returns with running for a stop at a boundary
}

/// Checkpoints after every epoch, then reports the epoch; polls the stop request at batch boundaries.
class SweepObserver final : public train::TrainObserver {
 public:
  SweepObserver(store::Checkpoint& checkpoint, std::filesystem::path path, mpi::TrialControl& control)
      : checkpoint_(checkpoint), path_(std::move(path)), control_(control) {}

  bool end_batch(const train::TrainState&) override { return control_.stop_requested(); }

  bool end_epoch(const train::TrainState& s, const train::EpochRecord& r) override {
    save(s);
    return !control_.report_epoch(r.epoch, r.valid_bound);
  }

  void save(const train::TrainState& s) {
    checkpoint_.state = s;
    store::write_checkpoint(checkpoint_, path_);
  }

 private:
  store::Checkpoint& checkpoint_;
  std::filesystem::path path_;
  mpi::TrialControl& control_;
};

}  // namespace

core::Params trial_hyperparameters(const search::TrialSpec& trial) {
  core::Params p = trial.params;
  p["model"] = trial.model;
  // The trial seed as a non-negative int64 (checkpoint attributes are signed).
  p["seed"] = static_cast<std::int64_t>(trial.seed >> 1);
  return p;
}

TrainerRunner::TrainerRunner(std::map<std::string, std::filesystem::path> dataset_files)
    : files_(std::move(dataset_files)) {}

const data::Dataset& TrainerRunner::dataset(const std::string& name) {
  auto it = loaded_.find(name);
  if (it != loaded_.end()) return *it->second;
  const auto file = files_.find(name);
  if (file == files_.end()) throw std::invalid_argument("no dataset file for dataset '" + name + "'");
  auto d = std::make_unique<data::Dataset>(store::read_dataset(file->second));
  return *loaded_.emplace(name, std::move(d)).first->second;
}

mpi::TrialOutcome TrainerRunner::run(const search::TrialSpec& trial, const std::filesystem::path& checkpoint_path,
                                     mpi::TrialControl& control) {
  const auto t0 = std::chrono::steady_clock::now();
  const data::Dataset& data = dataset(trial.dataset);
  store::Checkpoint checkpoint;
  train::TrainConfig config;
  std::optional<train::TrainState> state;
  if (std::filesystem::exists(checkpoint_path)) {
    checkpoint = store::read_checkpoint(checkpoint_path);
    store::require_same_dataset(checkpoint, checkpoint_path, data, files_.at(trial.dataset));
    config = train::from_params(checkpoint.hyperparameters);
    state = checkpoint.state;
    ++resumed_runs_;
  } else {
    config = train::from_params(trial_hyperparameters(trial));
    checkpoint.hyperparameters = config.to_params();
    checkpoint.dataset_name = data.name;
    checkpoint.dataset_sha256 = data.source_sha256;
  }
  train::Trainer trainer(config, data);
  if (!state) state = trainer.initial_state();
  SweepObserver observer(checkpoint, checkpoint_path, control);
  const train::TrialStatus status = trainer.run(*state, observer);
  observer.save(*state);

  mpi::TrialOutcome out;
  out.state = to_trial_state(status);
  out.epochs = state->epoch;
  out.best_valid = state->best_valid;
  out.best_epoch = state->best_epoch;
  out.message = state->message;
  // The whole curve from the checkpoint: a report lost to a kill between checkpoint and report is
  // filled in here (mpi/trial_runner.hpp), without reporting old epochs again.
  for (const auto& r : state->curve) out.valid_curve.push_back(r.valid_bound);
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace seqvi::cli
