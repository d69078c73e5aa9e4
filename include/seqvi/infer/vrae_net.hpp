// VraeNet: a trained VRAE (model/vrae.hpp) with its parameters bound, for inference on one sequence
// at a time. It runs the model's own API — no forward pass of its own.
#ifndef SEQVI_INFER_VRAE_NET_HPP
#define SEQVI_INFER_VRAE_NET_HPP

#include "seqvi/infer/roll.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/model/vrae.hpp"

namespace seqvi::infer {

/// A model::Vrae<float> and a checkpoint's parameters bound to it by name. With x the T × D roll:
///   posterior_mode(x) = the model's forward_pass at ε = 0: z̃ = argmax q(z | x) (uses all of x)
///   and p(x_t = 1 | z̃) = σ(ℓ_t);  logits(z) = the generating model's logits for any z.
/// Inputs may be any values in [0, 1] (impute feeds uniform noise into the missing frames).
///
/// Ownership: owns the model and a copy of the parameters. Thread safety: none (the model's
/// workspaces); one object per thread.
class VraeNet {
 public:
  /// @throws std::invalid_argument if config is not a valid vrae, or a parameter is missing or
  ///         shaped otherwise
  VraeNet(const model::ModelConfig& config, const model::ParamSet<float>& params);

  const model::ModelConfig& config() const { return model_.config(); }
  model::Vrae<float>& model() { return model_; }
  const model::ParamSet<float>& params() const { return params_; }

  /// The model's forward pass on x (T × D, one sequence) at the posterior mode (ε = 0).
  model::ForwardPass<float> posterior_mode(const Roll& x);
  /// Emission logits (T × D) of the generating model given z (T × K).
  model::Mat<float> logits(const model::Mat<float>& z);
  /// Emission probabilities σ(ℓ) (T × D) at the posterior mode: p(x_t | z̃).
  Roll mode_probabilities(const Roll& x);

 private:
  model::Vrae<float> model_;
  model::ParamSet<float> params_;
};

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_VRAE_NET_HPP
