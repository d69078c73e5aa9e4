// The trainer: SGVB with rmsprop + Nesterov momentum over shuffled chunk mini-batches, validation
// after every epoch, learning curves, early stopping, divergence detection, and exact resumption.
//
// Determinism: everything random derives from the trial seed through named counter-based streams —
// initialisation ("init/<param>"), the epoch's batch order (seed, epoch), the noise ε of batch j of
// epoch e (seed, "noise", e, j) and of validation (seed, "valid") — so a run resumed from any batch
// boundary ends bit-identical to an uninterrupted one (same build), whatever happened in between.
//
// Divergence recovery (config.recoveries > 0, the default for new runs): the trainer validates the
// initial parameters once, then after each epoch e compares the validation objective
// J_e = recon_e + β_e·KL_e (β_e: the KL warm-up weight of the epoch's last batch; 1 without warm-up)
// with the reference R = the lowest objective at the same β of the initial parameters and of every
// earlier epoch (the curve holds their recon and KL). If J_e is not finite, or J_e > R + max(1 nat,
// 10 % of R) and the epoch's bound is not a new best, it
//   - restores best_params and the optimiser state saved with them (r as it was; the velocity v
//     multiplied by recovery_factor, as if its steps had been taken at the new rate),
//   - multiplies the step rate by recovery_factor, resets the patience count,
//   - records a Recovery (TrainState::recoveries) and continues with the next epoch (the diverged
//     epoch stays in the curve; it does not become the best).
// A training loss or update that is not finite does the same at once and trains that epoch again from
// its first batch (same batch order and noise); so does a validation bound that is not finite (then the
// epoch has no row in the curve). At most config.recoveries times; after that a divergence ends the
// trial as `diverged`. The step rate in effect and the best optimiser state are part of the state, so a
// resumed run continues bit-identically. β-weighting: under KL warm-up the true bound rises while β
// grows even when training is healthy; the objective being minimised does not.
//
// A stall (config.step_patience > 0, the default for new runs; the "reduce on plateau" rule): when
// the count of epochs without a better validation bound (patience's count: KL warm-up epochs not
// counted) reaches a multiple of step_patience below patience, the trainer does what a recovery does
// — best parameters and optimiser state restored, step rate × recovery_factor — and records it as a
// Recovery with `stalled` set; it uses one of config.recoveries. Unlike a divergence it leaves the
// patience count as it is, so early stopping ends the trial when it would have. A step rate too large
// for its model oscillates around a bound well above what the model reaches at a smaller one
// (docs/latent-forms.md, "The plateau study"): this is what brings it down.
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
/// Divergence recovery's margin: J_e must exceed the reference R by more than
/// max(kRecoveryMarginNats, kRecoveryMarginFraction · |R|) nats/frame.
inline constexpr double kRecoveryMarginNats = 1.0;
inline constexpr double kRecoveryMarginFraction = 0.1;

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
  double bound = 0;  ///< negative bound, nats/frame (mean over samples)
  double kl = 0;
  double recon = 0;
  double bound_stderr = 0;  ///< standard error of `bound` over the samples (0 for one sample)
  double iw_nll = 0;        ///< importance-weighted estimate of −log p(x), nats/frame (if iw_samples > 0)
  std::int64_t samples = 1;
  std::int64_t iw_samples = 0;
  bool is_bound = true;            ///< false when the KL is the paper's approximation
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
  /// Puts the parameter sets of `state` (params, best_params, the optimiser's r and v and the best
  /// ones; empty ones
  /// stay empty) in this model's order, looked up by name and checked for shape
  /// (model::bind_by_name): a checkpoint's arrays may be stored in any order.
  /// @throws std::invalid_argument naming a missing, misshapen or foreign parameter
  void bind_state(TrainState& state) const;
  /// Trains from `state` until done, diverged, pruned or stopped by an observer (interrupted).
  /// Binds `state` first (bind_state). Never throws for numerical trouble: NaN/Inf in the loss or
  /// parameters is recovered from (file comment) or, without recoveries left, ends as `diverged`.
  TrialStatus run(TrainState& state, TrainObserver& observer);

  /// The bound on the validation chunks (what early stopping and sweeps compare).
  EvalResult validate(const model::ParamSet<float>& params);
  /// The bound on whole sequences of `split` with `samples` noise draws and an importance-weighted
  /// estimate from `iw_samples` draws per sequence (0 = none). Deterministic in (seed, split).
  /// `params` are bound to the model by name (model::bind_by_name; throws std::invalid_argument).
  /// Memory is bounded by one evaluation batch (data::evaluation_batches), whatever the split's
  /// size; `progress`, if set, is called after each batch with (frames done, frames in the split).
  EvalResult evaluate(const model::ParamSet<float>& params, const std::string& split, std::int64_t samples,
                      std::int64_t iw_samples, std::uint64_t seed,
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

/// Initialises `params` by role (Table 2): input weights N(0, σ²_in), other weights N(0, σ²) with
/// σ² = capped_weight_variance(σ²_in, fan-in) (train/init.hpp), recurrent matrices sparse with
/// spectral radius ρ, b_h, b_y, keep logits at the configured keep rates.
void initialize_parameters(const model::SequenceModel<float>& m, const TrainConfig& config,
                           model::ParamSet<float>& params);

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_TRAINER_HPP
