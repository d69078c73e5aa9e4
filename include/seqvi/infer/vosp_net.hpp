// VospNet: a trained VOSP (model/vosp.hpp) with its parameters bound, for inference on one sequence
// at a time. It runs the model's own API — no forward pass of its own.
#ifndef SEQVI_INFER_VOSP_NET_HPP
#define SEQVI_INFER_VOSP_NET_HPP

#include "seqvi/core/rng.hpp"
#include "seqvi/infer/roll.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/model/vosp.hpp"

namespace seqvi::infer {

/// A model::Vosp<float> and a checkpoint's parameters bound to it by name. With x the T × D roll:
///   posterior_mode(x) = the model's forward_pass at ε = 0: z̃ = argmax q(z | x) — online, z̃_t
///   depends on x_{1:t} only — the recognition states h and p(x_t = 1 | z̃_t, h_{t−1}) = σ(ℓ_t).
/// Frame by frame (sampling): model().prior_step / emission_step / advance with params().
/// Dropout is integrated out by the FD moments (the networks' expected behaviour), as in training.
///
/// Ownership: owns the model and a copy of the parameters. Thread safety: none (the model's
/// workspaces); one object per thread.
class VospNet {
 public:
  /// @param config  a vosp configuration (from the checkpoint's hyper-parameters)
  /// @param params  parameters by name (a checkpoint's best_params or params)
  /// @throws std::invalid_argument if config is not a valid vosp, or a parameter is missing or
  ///         shaped otherwise
  VospNet(const model::ModelConfig& config, const model::ParamSet<float>& params);

  const model::ModelConfig& config() const { return model_.config(); }
  model::Vosp<float>& model() { return model_; }
  const model::ParamSet<float>& params() const { return params_; }

  /// The model's forward pass on x (T × D, one sequence) at the posterior mode (ε = 0).
  model::ForwardPass<float> posterior_mode(const Roll& x);
  /// Emission probabilities σ(ℓ) (T × D) at the posterior mode: p(x_t | z̃_t, h_{t−1}).
  Roll mode_probabilities(const Roll& x);
  /// The one-step-ahead prediction π_t = E_{z_t ~ p(z_t | z̃_{t−1}, h_{t−1})} σ(ℓ(z_t, h_{t−1})) (T × D)
  /// by `samples` prior draws per frame: what the model expects of frame t from x_{1:t−1} alone
  /// (h_{t−1} and the posterior mode z̃_{t−1} are computed from x, frame t itself is never seen).
  /// @throws std::invalid_argument if samples < 1 or x has the wrong number of keys
  Roll predictive_probabilities(const Roll& x, int samples, core::Rng& rng);

 private:
  model::Vosp<float> model_;
  model::ParamSet<float> params_;
};

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_VOSP_NET_HPP
