// Vrae: the variational recurrent auto-encoder of Bayer & Osendorfer (2014, "STORN"), sec. 3 —
// bidirectional FD-RNN recognition model q(z_{1:T} | x_{1:T}) and bidirectional FD-RNN generating
// model p(x_{1:T} | z_{1:T}), trained by SGVB.
#ifndef SEQVI_MODEL_VRAE_HPP
#define SEQVI_MODEL_VRAE_HPP

#include "seqvi/model/fd_birnn.hpp"
#include "seqvi/model/fd_dense.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/model/types.hpp"
#include "seqvi/model/variational_model.hpp"

namespace seqvi::model {

/// The VRAE. With x_{1:T} the (T·B) × D piano-roll chunk (D = config.inputs), H = config.hidden,
/// K = config.latent:
///   recognition:  h = FdBiRnn_rec(x)                        ((T·B) × 2H moments; x deterministic)
///                 (μ, s²) = LatentHeads(h)                  (detail/latent_heads.hpp)
///                 z = reparam(μ, s², ε)                     (reparam.hpp; posterior of the spec)
///   generating:   g = FdBiRnn_gen(z)                        ((T·B) × 2H; z deterministic)
///                 a = FDaffine(g; W_out, b_out, keep_hidden),  ℓ = sigmoid_mean_logit(a)
///                 p(x_t | z_{1:T}) = Π_d Bernoulli(x_td; σ(ℓ_td))
///   terms:        recon = Σ_{valid t} −log p(x_t | z),  kl = KL(q ‖ p) (kl.hpp, with the spec)
/// Every frame's emission depends on the whole z_{1:T} through the bidirectional generating RNN.
/// Keep rates: the recognition RNN's input units keep_inputs, its hidden units and the heads'
/// inputs keep_hidden — learned when config.learn_keep (and the rate is below 1); the generating
/// RNN's inputs z and hidden units and the output layer's inputs keep_hidden, fixed.
/// Parameters: "rec.{fwd,rev}.*", "rec.head.mean.*", "rec.head.var.*" (softplus head),
/// "gen.{fwd,rev}.*", "gen.out.{W,b}"; with prior learned (the transition p(z_t | z_{t−1}) =
/// N(α ⊙ z_{t−1}, diag β²), detail/learned_prior_net.hpp) also "prior.alpha", "prior.log_beta2".
///
/// Cost per chunk (T frames, B sequences; R = T·B rows): the two bi-RNNs (fd_rnn.hpp) plus
/// O(R·2H·(K + D)) for heads and output, all as (T·B)-deep GEMMs.
/// Ownership: owns its structure and workspaces, never the parameters. Thread safety: none (the
/// workspaces are reused by every call); one model object per thread.
template <class S>
class Vrae final : public VariationalModel<S> {
 public:
  /// @throws std::invalid_argument if config is invalid or not a vrae.
  explicit Vrae(const ModelConfig& config);

  /// Emission logits ((T·B) × D) of the generating model given any z ((T·B) × K, B sequences of
  /// T frames, no padding): the generating half of forward() (the same code). Used to sample
  /// (z from prior_sample) and by the applications.
  /// @throws std::invalid_argument if z is not (T·B) × K
  void emission_given(const ParamSet<S>& params, const Eigen::Ref<const Mat<S>>& z, Index sequences, Mat<S>& logits);

 private:
  using Base = VariationalModel<S>;
  void forward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
               bool per_sequence, BoundTerms& terms) override;
  void backward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                ParamSet<S>& grad, S grad_scale) override;
  Eigen::Ref<const Mat<S>> latent_sample() const override { return z_.mean; }
  /// The generating model on z_: g_, then a_ (output pre-activations).
  void generate(const ParamSet<S>& params, const Eigen::Ref<const ColVec<S>>& mask, Index B);

  FdBiRnn<S> rec_;
  FdBiRnn<S> gen_;
  FdDense<S> out_;

  // Workspaces, reused across calls (no allocation after the first call with given T, B).
  FdBiRnnCache<S> rec_cache_;
  Moments<S> z_;  ///< the sample as the generating RNN's input, (T·B) × K (var empty)
  FdBiRnnCache<S> gen_cache_;
  Moments<S> g_;  ///< generating states, (T·B) × 2H
  FdDenseCache<S> out_cache_;
  Moments<S> g_adj_, z_adj_, h_adj_;
  ColVec<S> all_valid_;  ///< the mask of emission_given
};

extern template class Vrae<float>;
extern template class Vrae<double>;

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_VRAE_HPP
