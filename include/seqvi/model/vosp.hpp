// Vosp: the variational one-step predictor of Bayer & Osendorfer (2014, "STORN"), sec. 3 — a
// forward FD-RNN recognition model q(z_t | x_{1:t}) and a generating FD-MLP
// p(x_t | z_t, h_{t−1}) that reads the recognition RNN's previous state, trained by SGVB.
#ifndef SEQVI_MODEL_VOSP_HPP
#define SEQVI_MODEL_VOSP_HPP

#include "seqvi/model/detail/latent_heads.hpp"
#include "seqvi/model/fd_mlp.hpp"
#include "seqvi/model/fd_rnn.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/model/types.hpp"

#include <vector>

namespace seqvi::model {

/// The VOSP. With x the (T·B) × D chunk (D = config.inputs), H = config.hidden, K = config.latent:
///   recognition:  h_t = FdRnn_rec(x_{1:t})                   ((T·B) × H moments; forward in time)
///                 (μ_t, s²_t) = LatentHeads(h_t),  z = reparam(μ, s², ε)
///   generating:   u_t = [z_t | h_{t−1}]  (mean [z_t | E h_{t−1}], var [0 | Var h_{t−1}]; h_0 = 0)
///                 a_t = FdMlp(u_t): one hidden layer of H units (config.transfer), then an
///                 identity layer to D;  ℓ = sigmoid_mean_logit(a),  p(x_t | ·) = Π_d Bern(σ(ℓ_td))
///   terms:        recon = Σ_{valid t} −log p(x_t | z_t, h_{t−1}),  kl = KL(q ‖ p) (kl.hpp)
/// h_{t−1} is h shifted down by one frame block (zero at t = 0); since FdRnn's outputs are exactly
/// zero on padded rows and chunks are pre-padded, it is 0 at every sequence's first valid frame.
/// The recognition RNN gets gradients both through the heads (KL, z) and through h_{t−1} (MLP).
/// Keep rates: recognition inputs keep_inputs, its hidden units and the heads' inputs keep_hidden
/// (learned when config.learn_keep and below 1); the MLP's inputs [z | h] and hidden units
/// keep_hidden, fixed. Parameters: "rec.*", "rec.head.mean.*", "rec.head.var.*" (softplus head),
/// "gen.0.{W,b}" (hidden layer), "gen.1.{W,b}" (output layer).
///
/// Ownership, thread safety: as Vrae (one model object per thread).
template <class S>
class Vosp final : public SequenceModel<S> {
 public:
  /// @throws std::invalid_argument if config is invalid or not a vosp.
  explicit Vosp(const ModelConfig& config);

  const ModelConfig& config() const override { return config_; }
  ParamSet<S> make_params() const override { return prototype_; }
  ParamRole role(std::size_t i) const override;
  Index noise_dim() const override { return config_.latent; }
  BoundTerms forward_backward(const ParamSet<S>& params, const BatchView<S>& batch,
                              const Eigen::Ref<const Mat<S>>& eps, ParamSet<S>* grad,
                              S grad_scale) override;
  ColVec<double> log_weights(const ParamSet<S>& params, const BatchView<S>& batch,
                             const Eigen::Ref<const Mat<S>>& eps) override;

 private:
  BoundTerms forward(const ParamSet<S>& params, const BatchView<S>& batch,
                     const Eigen::Ref<const Mat<S>>& eps, bool per_sequence);
  void backward(const ParamSet<S>& params, const BatchView<S>& batch,
                const Eigen::Ref<const Mat<S>>& eps, ParamSet<S>& grad, S grad_scale);

  ModelConfig config_;
  ParamSet<S> prototype_;
  std::vector<ParamRole> roles_;
  FdRnn<S> rec_;
  detail::LatentHeads<S> heads_;
  FdMlp<S> gen_;

  // Workspaces, reused across calls.
  Moments<S> x_;  ///< the data as moments (var empty)
  FdRnnCache<S> rec_cache_;
  Moments<S> h_;  ///< recognition states, (T·B) × H
  detail::LatentHeadsCache<S> heads_cache_;
  Moments<S> u_;  ///< the MLP's input [z | h_{t−1}], (T·B) × (K + H); z lives in its left K columns
  FdMlpCache<S> gen_cache_;
  Moments<S> a_;  ///< output pre-activations, (T·B) × D
  Mat<S> logits_;
  ColVec<S> nll_seq_;
  Mat<S> logits_adj_;
  Moments<S> a_adj_, u_adj_, h_adj_;
};

extern template class Vosp<float>;
extern template class Vosp<double>;

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_VOSP_HPP
