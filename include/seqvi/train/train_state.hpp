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
  std::int64_t epoch = 0;       ///< 1-based
  double train_bound = 0;       ///< over the epoch's training batches (parameters changing)
  double valid_bound = 0;       ///< on the validation chunks after the epoch
  double valid_kl = 0;          ///< its KL part
  double valid_recon = 0;       ///< its reconstruction part
  double wall_s = 0;            ///< seconds spent on this epoch (training and validation)
  double frames_per_s = 0;      ///< valid training frames per second of training time
  /// Latent dims whose validation KL exceeds 0.01 nats/frame (active_dims.hpp); 0 for models
  /// without latents; −1 = not recorded (a checkpoint written before it was).
  std::int64_t valid_active_dims = -1;
};

/// How a trial ended (or that it has not).
enum class TrialStatus { running, done, pruned, diverged, interrupted };
const char* to_string(TrialStatus s);
TrialStatus parse_trial_status(const std::string& s);

/// Everything needed to continue a trial exactly (checkpoints hold this).
struct TrainState {
  model::ParamSet<float> params;
  model::ParamSet<float> best_params;   ///< parameters at the best validation bound so far
  RmspropState<float> optimizer;        ///< r and v
  std::int64_t epoch = 0;               ///< completed epochs
  std::int64_t batch = 0;               ///< completed batches of epoch `epoch + 1`
  double partial_recon = 0;             ///< sums over those batches (for the epoch's train bound)
  double partial_kl = 0;
  std::int64_t partial_frames = 0;
  double partial_seconds = 0;           ///< training time spent in the incomplete epoch
  double best_valid = std::numeric_limits<double>::infinity();
  std::int64_t best_epoch = 0;
  std::int64_t bad_epochs = 0;          ///< epochs since the best (for patience)
  std::vector<EpochRecord> curve;
  TrialStatus status = TrialStatus::running;
  std::string message;                  ///< why it ended (divergence details, …)
};

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_TRAIN_STATE_HPP
