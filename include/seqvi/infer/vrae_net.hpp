// VraeNet: a trained VRAE's networks for inference on one sequence at a time — the posterior mode
// z̃ = argmax q(z | x) and the emission logits of the generating model given any z.
#ifndef SEQVI_INFER_VRAE_NET_HPP
#define SEQVI_INFER_VRAE_NET_HPP

#include "seqvi/infer/roll.hpp"
#include "seqvi/model/detail/latent_heads.hpp"
#include "seqvi/model/fd_birnn.hpp"
#include "seqvi/model/fd_dense.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"

namespace seqvi::infer {

/// The VRAE of model/vrae.hpp rebuilt from its public pieces (FdBiRnn, LatentHeads, FdDense) with
/// the same parameter names; the constructor checks that the structure equals model::Vrae's.
/// With x the T × D roll:
///   z̃ = reparam(heads(FdBiRnn_rec(x)), ε = 0)   — the mode (= mean) of q(z | x); uses all of x
///   ℓ = emission logits of FdDense_out(FdBiRnn_gen(z)),  p(x_t = 1 | z) = σ(ℓ_t)
/// Inputs may be any values in [0, 1] (impute feeds uniform noise into the missing frames).
///
/// Ownership: owns a copy of the parameters. Thread safety: none (workspaces); one object per thread.
class VraeNet {
 public:
  /// @throws std::invalid_argument if config is not a valid vrae, or a parameter is missing or
  ///         shaped otherwise
  VraeNet(const model::ModelConfig& config, const model::ParamSet<float>& params);

  const model::ModelConfig& config() const { return config_; }

  /// The posterior mode z̃ (T × K) of x (T × D).
  model::Mat<float> posterior_mode(const Roll& x);
  /// Emission logits (T × D) of the generating model given z (T × K).
  model::Mat<float> logits(const model::Mat<float>& z);
  /// σ(logits(posterior_mode(x))): the emission probabilities at the posterior mode.
  Roll mode_probabilities(const Roll& x);

 private:
  model::ModelConfig config_;
  model::ParamSet<float> params_;
  model::FdBiRnn<float> rec_;
  model::detail::LatentHeads<float> heads_;
  model::FdBiRnn<float> gen_;
  model::FdDense<float> out_;
  model::FdBiRnnCache<float> rec_cache_, gen_cache_;
  model::detail::LatentHeadsCache<float> heads_cache_;
  model::FdDenseCache<float> out_cache_;
};

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_VRAE_NET_HPP
