// The trainer: SGVB with rmsprop + Nesterov momentum over shuffled chunk mini-batches, validation
// after every epoch, learning curves, early stopping, divergence detection, and exact resumption.
//
// Determinism: everything random derives from the trial seed through named counter-based streams —
// initialisation ("init/<param>"), the epoch's batch order (seed, epoch), the noise ε of batch j of
// epoch e (seed, "noise", e, j) and of validation (seed, "valid") — so a run resumed from any batch
// boundary ends bit-identical to an uninterrupted one (same build), whatever happened in between.
#ifndef SEQVI_TRAIN_TRAINER_HPP
#define SEQVI_TRAIN_TRAINER_HPP

#include "seqvi/data/batches.hpp"
#include "seqvi/data/piano_roll.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/train/rmsprop.hpp"
#include "seqvi/train/train_config.hpp"
#include "seqvi/train/train_state.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace seqvi::train {

/// Hooks into the training loop (logging, checkpoints, the stop flag, pruning).
class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  /// After each mini-batch; return true to stop now (the state is consistent: resumable).
  virtual bool end_batch(const TrainState&) { return false; }
  /// After each epoch's validation; return true to stop the trial as pruned.
  virtual bool end_epoch(const TrainState&, const EpochRecord&) { return false; }
};

/// Bound on a split: pooled sums and their per-frame values.
struct EvalResult {
  std::int64_t frames = 0;
  double bound = 0;          ///< negative bound, nats/frame (mean over samples)
  double kl = 0;
  double recon = 0;
  double bound_stderr = 0;   ///< standard error of `bound` over the samples (0 for one sample)
  double iw_nll = 0;         ///< importance-weighted estimate of −log p(x), nats/frame (if iw_samples > 0)
  std::int64_t samples = 1;
  std::int64_t iw_samples = 0;
  bool is_bound = true;      ///< false when the KL is the paper's approximation
  std::vector<double> kl_per_dim;  ///< `kl` split by latent dim, nats/frame (empty without latents)
  std::int64_t active_dims = 0;    ///< dims of kl_per_dim above 0.01 nats/frame (active_dims.hpp)
};

class Trainer {
 public:
  /// @throws std::invalid_argument if the config is invalid
  Trainer(TrainConfig config, const data::Dataset& dataset);
  ~Trainer();

  const TrainConfig& config() const { return config_; }
  model::SequenceModel<float>& model() { return *model_; }

  /// A fresh state: parameters initialised by the paper's Table 2 from the trial seed.
  TrainState initial_state() const;
  /// Puts the parameter sets of `state` (params, best_params, the optimiser's r and v; empty ones
  /// stay empty) in this model's order, looked up by name and checked for shape
  /// (model::bind_by_name): a checkpoint's arrays may be stored in any order.
  /// @throws std::invalid_argument naming a missing, misshapen or foreign parameter
  void bind_state(TrainState& state) const;
  /// Trains from `state` until done, diverged, pruned or stopped by an observer (interrupted).
  /// Binds `state` first (bind_state). Never throws for numerical trouble: NaN/Inf in the loss or
  /// parameters ends as `diverged`.
  TrialStatus run(TrainState& state, TrainObserver& observer);

  /// The bound on the validation chunks (what early stopping and sweeps compare).
  EvalResult validate(const model::ParamSet<float>& params);
  /// The bound on whole sequences of `split` with `samples` noise draws and an importance-weighted
  /// estimate from `iw_samples` draws per sequence (0 = none). Deterministic in (seed, split).
  /// `params` are bound to the model by name (model::bind_by_name; throws std::invalid_argument).
  /// Memory is bounded by one evaluation batch (data::evaluation_batches), whatever the split's
  /// size; `progress`, if set, is called after each batch with (frames done, frames in the split).
  EvalResult evaluate(const model::ParamSet<float>& params, const std::string& split,
                      std::int64_t samples, std::int64_t iw_samples, std::uint64_t seed,
                      const std::function<void(std::int64_t, std::int64_t)>& progress = {});

  /// Padded fraction of one epoch's training batches (bucketing reduces it).
  double padded_fraction() const;

 private:
  TrainConfig config_;
  const data::Dataset& dataset_;
  std::unique_ptr<model::SequenceModel<float>> model_;
  std::vector<data::Chunk> train_chunks_;
  std::vector<data::Chunk> valid_chunks_;
  std::vector<data::Batch> valid_batches_;  ///< built by the first validate()
};

/// Initialises `params` by role (Table 2): weights N(0, σ²), recurrent matrices sparse with
/// spectral radius ρ, b_h, b_y, keep logits at the configured keep rates.
void initialize_parameters(const model::SequenceModel<float>& m, const TrainConfig& config,
                           model::ParamSet<float>& params);

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_TRAINER_HPP
