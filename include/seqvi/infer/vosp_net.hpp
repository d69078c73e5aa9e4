// VospNet: a trained VOSP's networks for inference on one sequence at a time — the posterior mode
// z̃ = argmax q(z | x), the emission logits given z and the recognition states, and the pieces of
// step-by-step generation.
#ifndef SEQVI_INFER_VOSP_NET_HPP
#define SEQVI_INFER_VOSP_NET_HPP

#include "seqvi/infer/roll.hpp"
#include "seqvi/model/detail/latent_heads.hpp"
#include "seqvi/model/fd_mlp.hpp"
#include "seqvi/model/fd_rnn.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"

namespace seqvi::infer {

/// The VOSP of model/vosp.hpp rebuilt from its public pieces (FdRnn, LatentHeads, FdMlp) with the
/// same parameter names, so that a checkpoint's parameters bind by name; the constructor checks
/// that the structure equals model::Vosp's. With x the T × D roll, H = hidden, K = latent:
///   h_t = FdRnn_rec(x_{1:t}) (moments),  (μ_t, s²_t) = heads(h_t),
///   z̃ = reparam(μ, s², ε = 0)  — the mode (= mean) of q(z | x), online: z̃_t depends on x_{1:t} only
///   ℓ_t = emission logits of FdMlp([z_t | h_{t−1}]) (h_0 = 0),  p(x_t = 1 | ·) = σ(ℓ_t).
/// Dropout is integrated out by the FD moments (the networks' expected behaviour), as in training.
///
/// Ownership: owns a copy of the parameters. Thread safety: none (workspaces); one object per thread.
class VospNet {
 public:
  /// @param config  a vosp configuration (from the checkpoint's hyper-parameters)
  /// @param params  parameters by name (a checkpoint's best_params or params)
  /// @throws std::invalid_argument if config is not a valid vosp, or a parameter is missing or
  ///         shaped otherwise
  VospNet(const model::ModelConfig& config, const model::ParamSet<float>& params);

  const model::ModelConfig& config() const { return config_; }

  /// Recognition states h_{1:T} (T × H moments; var empty when deterministic) of x (T × D).
  model::Moments<float> hidden(const Roll& x);
  /// The posterior mode z̃ (T × K) of x, and h into *h if given.
  model::Mat<float> posterior_mode(const Roll& x, model::Moments<float>* h = nullptr);
  /// Emission logits (T × D) given z (T × K) and the recognition states h (T × H; row t is h_t, so
  /// frame t reads row t − 1 and frame 0 reads 0).
  model::Mat<float> logits(const model::Mat<float>& z, const model::Moments<float>& h);
  /// Logits of one frame (1 × D) given z_t (1 × K) and h_{t−1} (1 × H moments, or empty = h_0 = 0).
  model::Mat<float> step_logits(const model::Mat<float>& z_t, const model::Moments<float>& h_prev);
  /// Emission probabilities σ(ℓ) (T × D) at the posterior mode: p(x_t | z̃_t, h_{t−1}).
  Roll mode_probabilities(const Roll& x);

 private:
  model::ModelConfig config_;
  model::ParamSet<float> params_;
  model::FdRnn<float> rec_;
  model::detail::LatentHeads<float> heads_;
  model::FdMlp<float> gen_;
  model::FdRnnCache<float> rec_cache_;
  model::detail::LatentHeadsCache<float> heads_cache_;
  model::FdMlpCache<float> gen_cache_;
};

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_VOSP_NET_HPP
