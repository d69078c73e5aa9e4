// TrainConfig: everything that defines a trial's training, typed and validated, and its conversion
// from and to plain hyper-parameter values (core::Params: the sweep's and the checkpoint's form).
//
// Hyper-parameter names (TOML keys; CLI flags are the same with '-' for '_'):
//   model (vrae|vosp|rnn|fdrnn), hidden, latent, transfer, keep_inputs, keep_hidden, learn_keep,
//   prior (wiener|normal|learned), posterior (increments|marginal|markov), kl (exact|paper-diagonal),
//   variance_head (softplus|fd), step_rate, momentum, decay, clip_norm, init_var_in, init_var_rec,
//   rmsprop_bias_correction, incoming (ν; 0 = all), spectral_radius (ρ), bias_hidden, bias_out,
//   bias_out_from_data, batch_size, chunk_frames,
//   bucketing, epochs, patience, kl_warmup (epochs; 0 = off), recoveries (0 = off), recovery_factor, seed.
#ifndef SEQVI_TRAIN_TRAIN_CONFIG_HPP
#define SEQVI_TRAIN_TRAIN_CONFIG_HPP

#include "seqvi/core/params.hpp"
#include "seqvi/data/batches.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/train/rmsprop.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace seqvi::train {

/// The paper's Table-2 initialisation.
struct InitConfig {
  double var_in = 1e-2;          ///< σ² of input and other weight matrices
  double var_rec = 1e-2;         ///< σ² of recurrent matrices before sparsification and scaling
  std::int64_t incoming = 15;    ///< ν: incoming recurrent connections per unit; 0 = all
  double spectral_radius = 1.1;  ///< ρ of recurrent matrices
  double bias_hidden = 0.0;      ///< b_h
  double bias_out = -0.8;        ///< b_y of the Bernoulli output layer (unless bias_out_from_data)
  /// b_y starts at the logit of each key's frequency in the training split (add-one smoothed, as
  /// the independent-Bernoulli baseline), so the model starts at the baseline's bound instead of
  /// having to descend to it; bias_out is then unused.
  bool bias_out_from_data = true;
};

/// The model `seqvi train` and a grid sweep build where a hyper-parameter is not given: the latent
/// forms and the size chosen by measurement on JSB (docs/latent-forms.md) — learned prior, Gauss–Markov
/// posterior, exact KL, hidden 200, latent 16. (model::ModelConfig{} itself keeps the paper's forms,
/// wiener and increments at hidden 400, latent 64, which the model layer's tests use.)
model::ModelConfig default_model_config();
/// Mini-batches of 8 chunks: on JSB (~260 chunks) batch 32 leaves ~8 updates per epoch and early
/// stopping ends runs on the initial plateau (docs/latent-forms.md, "Model size").
data::BatchingOptions default_batching();

/// rmsprop as the trainer runs it by default: r starts at 1, no bias correction (measured against
/// bias correction in docs/latent-forms.md, "The plateau study").
RmspropConfig default_optimizer();

struct TrainConfig {
  model::ModelConfig model = default_model_config();
  RmspropConfig optimizer = default_optimizer();
  InitConfig init;
  data::BatchingOptions batching = default_batching();
  std::int64_t epochs = 100;  ///< maximum epochs
  std::int64_t patience =
      10;  ///< stop after this many epochs without a better validation bound (epochs of KL warm-up do not count)
  /// KL warm-up: the training gradient weighs the KL by β rising linearly to 1 over this many
  /// epochs (kl_warmup.hpp); 0 = off. Validation, early stopping and selection always use β = 1.
  std::int64_t kl_warmup = 10;  ///< measured on JSB: 0.05–0.1 nats/frame better than 0 (docs/latent-forms.md)
  /// Divergence recovery (trainer.hpp, "Divergence recovery"): when an epoch's validation objective
  /// is not finite or rises well above the best earlier parameters' (or the training loss is not
  /// finite), the trainer restores the best parameters and optimiser state, multiplies the step rate
  /// by recovery_factor and continues — at most this many times; 0 = off (a divergence ends the trial).
  std::int64_t recoveries = 4;
  double recovery_factor = 0.3;  ///< in (0, 1): the step rate after a recovery, relative to before
  /// Step-rate reduction on a stall (trainer.hpp): after this many counted epochs without a better
  /// validation bound, the trainer restores the best parameters and optimiser state and multiplies the
  /// step rate by recovery_factor, as a divergence recovery does (and counted among `recoveries`);
  /// 0 = off. Must be below patience to act before early stopping.
  std::int64_t step_patience = 3;
  std::uint64_t seed = 1;  ///< initialisation, shuffling and noise all derive from it

  /// @throws std::invalid_argument naming the first value out of range and the rule.
  void validate() const;
  /// All hyper-parameters as plain values (names above); from_params(to_params()) is the identity.
  core::Params to_params() const;
};

/// Builds a config from defaults overridden by `params`; unknown names and wrong types are errors.
/// @throws std::invalid_argument naming the key, its value and the rule
TrainConfig from_params(const core::Params& params);

/// from_params for hyper-parameters a checkpoint stored: a name added after the checkpoint was written
/// takes the value its run trained with, not today's default (kl_warmup: 0, bias_out_from_data: false,
/// rmsprop_bias_correction: false, recoveries: 0, step_patience: 0), so that resuming or
/// evaluating an old checkpoint does what it did. @throws std::invalid_argument as from_params
TrainConfig from_checkpoint_params(core::Params params);

/// The hyper-parameter names from_params accepts.
std::vector<std::string> hyperparameter_names();

/// One line for `--help` and docs: what the hyper-parameter means and its accepted values.
/// @throws std::invalid_argument for an unknown name
std::string describe_hyperparameter(const std::string& name);
/// The range a numeric hyper-parameter must lie in on its own, e.g. ">= 1", "in (0, 1]", "> 0",
/// "finite"; "" for names, booleans and numbers whose rule involves other hyper-parameters (latent).
/// @throws std::invalid_argument for an unknown name
std::string hyperparameter_range(const std::string& name);

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_TRAIN_CONFIG_HPP
