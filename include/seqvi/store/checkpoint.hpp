// Trial checkpoints in HDF5 (schema: docs/checkpoint-format.md): hyper-parameters, parameters by
// name, optimiser state, progress, learning curve and best-so-far parameters — everything
// train::Trainer needs to continue a trial bit-identically. Written atomically (temp, fsync, rename).
#ifndef SEQVI_STORE_CHECKPOINT_HPP
#define SEQVI_STORE_CHECKPOINT_HPP

#include "seqvi/core/params.hpp"
#include "seqvi/data/piano_roll.hpp"
#include "seqvi/store/provenance.hpp"
#include "seqvi/train/train_state.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::store {

/// A checkpoint that cannot be read or written; what() names the file and the object.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::int64_t kCheckpointFormatVersion = 1;

/// Whose checkpoint it is, for a sweep's trial: its id, training seed and hyper-parameter digest
/// (root attributes `trial`, `trial_seed`, `trial_params_digest`). Written by the sweep's runner;
/// absent in `seqvi train`'s checkpoints and in sweep checkpoints written before it existed.
struct TrialIdentity {
  std::string id;             ///< "jsb-vosp-0007"
  std::uint64_t seed = 0;     ///< the trial's training seed
  std::string params_digest;  ///< params_digest() of the trial's hyper-parameters (its seed included)
  bool operator==(const TrialIdentity&) const = default;
};

/// "sha256:<hex>" over every hyper-parameter's name, type and value (Params is ordered: one text).
std::string params_digest(const core::Params& params);

struct Checkpoint {
  core::Params hyperparameters;  ///< train::TrainConfig::to_params()
  std::string dataset_name;      ///< the dataset's name attribute ("JSB Chorales")
  std::string dataset_sha256;    ///< the dataset's source hash: a resume on other data is refused
  train::TrainState state;
  /// Who trained it (store/provenance.hpp), one entry per session: [0] started the run, the rest
  /// resumed it. Empty in a new Checkpoint: write_checkpoint then records this process. A file
  /// written before provenance existed reads as one unknown_provenance() entry.
  std::vector<Provenance> provenance;
  /// D, the columns of a frame the model reads and emits (the dataset's width; root attribute
  /// `inputs`). Checkpoints written before it was recorded lack it: they are piano-roll models, 88.
  /// Last, so that brace-initialisation of the fields above stays as it was.
  std::int64_t inputs = data::kKeys;
  /// The sweep trial it belongs to (TrialIdentity); nullopt if it records none.
  std::optional<TrialIdentity> trial = std::nullopt;
};

/// "" if `checkpoint` may be trial `expected`'s: it records the same identity, or none (written
/// before identities existed, or by `seqvi train`). Otherwise why not, naming both trials:
/// "belongs to trial B (seed 5, hyper-parameters sha256:…), not to trial A (seed 7, …)".
std::string foreign_trial(const Checkpoint& checkpoint, const TrialIdentity& expected);

/// Records this process as a session of `checkpoint` (before training it): the run's start if it has
/// no provenance yet, else a resume — unless the last session already is this process.
void record_session(Checkpoint& checkpoint);

/// Writes `checkpoint` to `path` atomically. @throws CheckpointError
void write_checkpoint(const Checkpoint& checkpoint, const std::filesystem::path& path);
/// Refuses to use `checkpoint` (read from `checkpoint_path`) with a dataset it was not trained on,
/// compared by the source file's SHA-256. @throws CheckpointError
/// "<checkpoint_path> was trained on '<its dataset>', not on <dataset_path> ('<that dataset>')"
void require_same_dataset(const Checkpoint& checkpoint, const std::filesystem::path& checkpoint_path,
                          const data::Dataset& dataset, const std::filesystem::path& dataset_path);

/// Reads a checkpoint (parameters in the order they were written). @throws CheckpointError
Checkpoint read_checkpoint(const std::filesystem::path& path);

}  // namespace seqvi::store

#endif  // SEQVI_STORE_CHECKPOINT_HPP
