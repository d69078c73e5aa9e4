// TrainState: everything that defines where a trial is — parameters, optimiser state, progress
// within the epoch, early-stopping bookkeeping and the learning curve. Checkpoints store exactly this.
#ifndef SEQVI_TRAIN_TRAIN_STATE_HPP
#define SEQVI_TRAIN_TRAIN_STATE_HPP

#include "seqvi/model/param_set.hpp"
#include "seqvi/train/rmsprop.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace seqvi::train {

/// One row of the learning curve. Bounds are negative bounds in nats per frame, pooled.
struct EpochRecord {
  std::int64_t epoch = 0;   ///< 1-based
  double train_bound = 0;   ///< over the epoch's training batches (parameters changing)
  double valid_bound = 0;   ///< on the validation chunks after the epoch
  double valid_kl = 0;      ///< its KL part
  double valid_recon = 0;   ///< its reconstruction part
  double wall_s = 0;        ///< seconds spent on this epoch (training and validation)
  double frames_per_s = 0;  ///< valid training frames per second of training time
  /// Latent dims whose validation KL exceeds 0.01 nats/frame (active_dims.hpp); 0 for models
  /// without latents; −1 = not recorded (a checkpoint written before it was).
  std::int64_t valid_active_dims = -1;
  /// rmsprop's step rate α during this epoch (divergence recovery lowers it); 0 = not recorded (a
  /// checkpoint written before it was: the configured step rate throughout).
  double step_rate = 0;
};

/// One divergence recovery (trainer.hpp, "Divergence recovery"): what triggered it and what changed.
struct Recovery {
  std::int64_t epoch = 0;  ///< 1-based epoch in which it happened
  std::int64_t batch =
      0;  ///< 1-based batch whose training loss or update was not finite; 0 = at the epoch's validation
  double objective =
      0;  ///< what triggered it: the validation objective (recon + β·KL), or the batch's training loss; may be NaN/Inf
  double reference = 0;      ///< the best earlier parameters' validation objective at the same β (NaN for a batch)
  double old_step_rate = 0;  ///< α before
  double new_step_rate = 0;  ///< α after (old × recovery_factor)
  std::int64_t restored_epoch =
      0;  ///< the epoch whose parameters and optimiser state were restored (0 = the initial ones)
  /// true: triggered by step_patience epochs without a better validation bound (a stall: the step
  /// rate is reduced, nothing diverged); false: a divergence.
  bool stalled = false;
};

/// How a trial ended (or that it has not).
enum class TrialStatus { running, done, pruned, diverged, interrupted };
const char* to_string(TrialStatus s);
TrialStatus parse_trial_status(const std::string& s);

/// Everything needed to continue a trial exactly (checkpoints hold this).
struct TrainState {
  model::ParamSet<float> params;
  model::ParamSet<float> best_params;  ///< parameters at the best validation bound so far
  RmspropState<float> optimizer;       ///< r and v
  std::int64_t epoch = 0;              ///< completed epochs
  std::int64_t batch = 0;              ///< completed batches of epoch `epoch + 1`
  double partial_recon = 0;            ///< sums over those batches (for the epoch's train bound)
  double partial_kl = 0;
  std::int64_t partial_frames = 0;
  double partial_seconds = 0;  ///< training time spent in the incomplete epoch
  double best_valid = std::numeric_limits<double>::infinity();
  std::int64_t best_epoch = 0;
  std::int64_t bad_epochs = 0;  ///< epochs since the best (for patience)
  std::vector<EpochRecord> curve;
  /// Divergence recovery: the step rate in effect (0 = the configured one: a state from before
  /// recovery existed), the optimiser state at best_params (empty when recovery is off), the
  /// validation bound's parts at the initial parameters (NaN = not evaluated), the recoveries so far.
  double step_rate = 0;
  RmspropState<float> best_optimizer;
  double initial_recon = std::numeric_limits<double>::quiet_NaN();
  double initial_kl = std::numeric_limits<double>::quiet_NaN();
  std::vector<Recovery> recoveries;
  TrialStatus status = TrialStatus::running;
  std::string message;  ///< why it ended (divergence details, …)
};

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_TRAIN_STATE_HPP
