#include "trainer_runner.hpp"

#include "commands.hpp"
#include "epoch_log.hpp"

#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/dataset_file.hpp"
#include "seqvi/store/file_system.hpp"
#include "seqvi/store/jsonl_log.hpp"
#include "seqvi/train/trainer.hpp"

#include <cerrno>
#include <chrono>
#include <limits>
#include <stdexcept>

namespace seqvi::cli {
namespace {

using search::TrialState;

TrialState to_trial_state(train::TrialStatus s) {
  switch (s) {
    case train::TrialStatus::done:
      return TrialState::done;
    case train::TrialStatus::pruned:
      return TrialState::pruned;
    case train::TrialStatus::diverged:
      return TrialState::diverged;
    case train::TrialStatus::interrupted:
      return TrialState::interrupted;
    case train::TrialStatus::running:
      break;
  }
  return TrialState::interrupted;  // run() only returns with running for a stop at a boundary
}

/// A file of the sweep that cannot be written (`what`: the writer's message, which names the file and
/// the system's reason) is the sweep's storage failing, not the trial: mpi::StorageError saying
/// "out of space: …" (ENOSPC, EDQUOT) or "I/O error: …" (EIO, EROFS, …) and the file system.
[[noreturn]] void throw_storage_error(std::string what, int error, const std::filesystem::path& folder,
                                      const std::string& more = "") {
  for (char& c : what)
    if (c == '\n') c = ' ';
  // HDF5 reports a failed write as text ("errno = 28, error message = 'No space left on device'").
  const bool full = store::is_out_of_space(error) || what.find("No space left") != std::string::npos ||
                    what.find("quota exceeded") != std::string::npos;
  throw mpi::StorageError(std::string(full ? "out of space: " : "I/O error: ") + what + "; " +
                          store::describe_file_system(folder) + more);
}

/// What a run reports from its final training state (curve, best, the best epoch's metrics; state
/// and wall time are the caller's).
mpi::TrialOutcome outcome_of(const train::TrainState& state, bool latent) {
  mpi::TrialOutcome out;
  out.state = to_trial_state(state.status);
  out.epochs = state.epoch;
  out.best_valid = state.best_valid;
  out.best_epoch = state.best_epoch;
  out.message = state.message;
  // The whole curve from the checkpoint: a report lost to a kill between checkpoint and report is
  // filled in here (mpi/trial_runner.hpp), without reporting old epochs again.
  for (const auto& r : state.curve) out.valid_curve.push_back(r.valid_bound);
  // The selected epoch's metrics (search::BestEpochMetrics), for the sweep table: its reconstruction
  // term, and its validation KL and active dims (a model without latents has none: NaN / −1, shown as "-").
  for (const auto& r : state.curve)
    if (r.epoch == state.best_epoch) {
      out.valid_recon = r.valid_recon;
      if (latent) {
        out.valid_kl = r.valid_kl;
        out.active_dims = r.valid_active_dims;
      }
    }
  return out;
}

bool has_latents(const train::TrainConfig& config) {
  return config.model.kind == model::ModelKind::vrae || config.model.kind == model::ModelKind::vosp;
}

/// Checkpoints after every epoch, then reports the epoch; polls the stop request at batch boundaries.
class SweepObserver final : public train::TrainObserver {
 public:
  SweepObserver(store::Checkpoint& checkpoint, std::filesystem::path path, mpi::TrialControl& control, EpochLog& log)
      : checkpoint_(checkpoint), path_(std::move(path)), control_(control), log_(log) {}

  bool end_batch(const train::TrainState&) override {
    log_.end_batch();
    return control_.stop_requested();
  }

  bool end_epoch(const train::TrainState& s, const train::EpochRecord& r) override {
    log_.write(s, r);  // before the checkpoint: a resumed trial drops and rewrites what it retrains
    save(s);
    log_.restart_clock();
    return !control_.report_epoch(r.epoch, r.valid_bound);
  }

  /// A checkpoint that cannot be written is the sweep's storage failing, not the trial:
  /// mpi::StorageError naming the file, the file system, its free space and what one needs.
  void save(const train::TrainState& s) {
    checkpoint_.state = s;
    std::error_code ec;
    const auto previous = std::filesystem::file_size(path_, ec);
    try {
      store::write_checkpoint(checkpoint_, path_);
    } catch (const store::CheckpointError& e) {
      throw_storage_error(e.what(), errno, path_.parent_path(),
                          ec ? std::string("")
                             : "; this checkpoint needs " + store::human_bytes(static_cast<double>(previous)) +
                                   " beside its previous version while it is replaced");
    }
  }

 private:
  store::Checkpoint& checkpoint_;
  std::filesystem::path path_;
  mpi::TrialControl& control_;
  EpochLog& log_;
};

}  // namespace

std::filesystem::path move_checkpoint_aside(const std::filesystem::path& path) {
  std::error_code ec;
  for (int n = 1;; ++n) {
    std::filesystem::path aside = path;
    aside += ".damaged-" + std::to_string(n);
    if (std::filesystem::exists(aside, ec) || ec) {
      if (n < 10000 && !ec) continue;
      throw std::runtime_error("cannot move the unreadable checkpoint '" + path.string() + "' aside (no free name " +
                               path.filename().string() + ".damaged-<n>)");
    }
    std::filesystem::rename(path, aside, ec);
    if (ec)
      throw std::runtime_error("cannot move the unreadable checkpoint '" + path.string() + "' aside to '" +
                               aside.string() + "' (" + ec.message() + ")");
    return aside;
  }
}

std::vector<search::TrialRecord> requeue_lost_checkpoints(
    const search::TrialTable& trials,
    const std::function<std::filesystem::path(const search::TrialSpec&)>& checkpoint_path,
    const std::function<void(const std::string&)>& say) {
  std::vector<search::TrialRecord> out;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const TrialState state = trials.state(i);
    if (state == TrialState::failed) continue;
    // done, pruned, diverged: the result's file; pending, interrupted, running: the file a run continues from.
    const bool finished = state == TrialState::done || state == TrialState::pruned || state == TrialState::diverged;
    const search::TrialRecord t = trials[i];
    const std::filesystem::path path = checkpoint_path(t.spec);
    std::error_code ec;
    std::string problem;
    store::Checkpoint cp;
    if (!std::filesystem::is_regular_file(path, ec)) {
      // Unfinished without progress (never started, or died before its first checkpoint): starts
      // afresh anyway. With progress recorded, its record is reset too (epochs, progress mark).
      if (!finished && t.epochs == 0 && t.epochs_at_start == 0) continue;
      problem = "is missing";
    } else {
      try {
        cp = store::read_checkpoint(path);
      } catch (const std::exception& e) {
        problem = std::string("is unreadable (") + e.what() + ")";
        try {
          problem += "; moved to " + move_checkpoint_aside(path).string();
        } catch (const std::exception& m) {
          throw std::runtime_error("trial " + t.id() + ": " + m.what());
        }
      }
    }
    if (problem.empty()) {
      if (const std::string foreign = store::foreign_trial(cp, trial_identity(t.spec)); !foreign.empty())
        throw CommandError("trial " + t.id() + ": its checkpoint " + path.string() + " " + foreign +
                           "; restore trial " + t.id() + "'s file, or move this one away and resume to retrain it");
      continue;
    }
    search::TrialRecord r = t;
    r.state = TrialState::pending;
    r.epochs = 0;
    r.epochs_at_start = 0;
    r.best_valid = std::numeric_limits<double>::infinity();
    r.best_epoch = 0;
    r.valid_curve.clear();
    r.metrics() = {};
    r.message = "retrained from the start: its checkpoint " + problem;
    say("trial " + t.id() + " was " + search::to_string(t.state) + " but its checkpoint " + path.string() + " " +
        problem + ": retraining it" + (finished ? "" : " from the start"));
    out.push_back(std::move(r));
  }
  return out;
}

store::CheckpointResult checkpoint_result(const search::TrialRecord& record, const std::filesystem::path& path) {
  using Problem = store::CheckpointResult::Problem;
  store::CheckpointResult c;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    c.problem = Problem::missing;
    c.why_not = path.string() + " is missing";
    return c;
  }
  store::Checkpoint cp;
  train::TrainConfig config;
  try {
    cp = store::read_checkpoint(path);
    config = train::from_checkpoint_params(cp.hyperparameters);
  } catch (const std::exception& e) {
    c.problem = Problem::unreadable;
    c.why_not = path.string() + " is unreadable (" + e.what() + ")";
    return c;
  }
  if (const std::string foreign = store::foreign_trial(cp, trial_identity(record.spec)); !foreign.empty()) {
    c.problem = Problem::foreign;
    c.why_not = path.string() + " " + foreign;
    return c;
  }
  const mpi::TrialOutcome o = outcome_of(cp.state, has_latents(config));
  search::TrialRecord& r = c.record;
  r = record;
  r.state = o.state;
  r.epochs = o.epochs;
  r.valid_curve = o.valid_curve;
  r.best_valid = o.best_valid;
  r.best_epoch = o.best_epoch;
  r.metrics() = o.metrics();
  r.message = c.finished() ? o.message
                           : "its latest record was lost; recovered by --repair from its checkpoint (epoch " +
                                 std::to_string(o.epochs) + ")";
  double wall = cp.state.partial_seconds;
  for (const auto& e : cp.state.curve) wall += e.wall_s;
  r.wall_s = std::max(r.wall_s, wall);
  r.attempts = std::max<std::int64_t>(r.attempts, static_cast<std::int64_t>(cp.provenance.size()));
  return c;
}

core::Params trial_hyperparameters(const search::TrialSpec& trial) {
  core::Params p = trial.params;
  p["model"] = trial.model;
  // The trial's training seed as it is (search::TrialSpec::seed; a sweep of format version 1 stored
  // a 64-bit draw whose top 63 bits this is: the store converts it when it reads such a sweep).
  if (trial.seed > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    throw std::invalid_argument("trial " + trial.name() + ": seed " + std::to_string(trial.seed) +
                                " does not fit seqvi train's --seed (a non-negative 64-bit integer)");
  p["seed"] = static_cast<std::int64_t>(trial.seed);
  return p;
}

store::TrialIdentity trial_identity(const search::TrialSpec& trial) {
  return {trial.name(), trial.seed, store::params_digest(trial_hyperparameters(trial))};
}

TrainerRunner::TrainerRunner(std::map<std::string, std::filesystem::path> dataset_files)
    : files_(std::move(dataset_files)) {}

void TrainerRunner::provide(const std::string& name, data::Dataset dataset) {
  loaded_[name] = std::make_unique<data::Dataset>(std::move(dataset));
}

const data::Dataset& TrainerRunner::dataset(const std::string& name) {
  auto it = loaded_.find(name);
  if (it != loaded_.end()) return *it->second;
  const auto file = files_.find(name);
  if (file == files_.end()) throw std::invalid_argument("no dataset file for dataset '" + name + "'");
  auto d = std::make_unique<data::Dataset>(store::read_dataset(file->second));
  return *loaded_.emplace(name, std::move(d)).first->second;
}

std::int64_t TrainerRunner::checkpoint_epochs(const std::filesystem::path& checkpoint) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(checkpoint, ec)) return -1;
  try {
    return store::read_checkpoint(checkpoint).state.epoch;
  } catch (const std::exception&) {
    return -1;
  }
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
    // Never continue another trial's checkpoint (a file copied over this one's): fail naming both.
    if (const std::string foreign = store::foreign_trial(checkpoint, trial_identity(trial)); !foreign.empty())
      throw std::runtime_error("trial " + trial.name() + ": its checkpoint " + checkpoint_path.string() + " " +
                               foreign);
    store::require_same_dataset(checkpoint, checkpoint_path, data, files_.at(trial.dataset));
    config = train::from_checkpoint_params(checkpoint.hyperparameters);
    config.model.inputs = checkpoint.inputs;
    state = checkpoint.state;
    ++resumed_runs_;
  } else {
    config = train::from_params(trial_hyperparameters(trial));
    config.model.inputs = data.width();  // D comes from the dataset
    checkpoint.hyperparameters = config.to_params();
    checkpoint.dataset_name = data.name;
    checkpoint.dataset_sha256 = data.source_sha256;
    checkpoint.inputs = data.width();
  }
  checkpoint.trial = trial_identity(trial);  // a checkpoint from before identities were recorded gets its own
  store::record_session(checkpoint);         // provenance: this sweep process started or resumed the trial
  train::Trainer trainer(config, data);
  if (!state) state = trainer.initial_state();
  train::TrialStatus status{};
  try {  // the trial's epoch log (trials/<id>.jsonl) is the sweep's storage too, like its checkpoint
    EpochLog log(checkpoint_path, *state, config, trainer.model(), trial.name());
    SweepObserver observer(checkpoint, checkpoint_path, control, log);
    status = trainer.run(*state, observer);
    observer.save(*state);
  } catch (const store::JsonlLogError& e) {
    throw_storage_error(e.what(), errno, checkpoint_path.parent_path());
  }

  mpi::TrialOutcome out = outcome_of(*state, has_latents(config));
  out.state = to_trial_state(status);
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace seqvi::cli
