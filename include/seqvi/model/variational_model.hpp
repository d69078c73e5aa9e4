// VariationalModel: what the VRAE and the VOSP share — the SGVB plumbing around their forward and
// reverse passes (forward_backward, log_weights), and the API through which everything else that
// runs a trained model (eval, denoise, impute, sample) reaches its networks: one forward pass that
// also returns its intermediates, and draws from the prior.
//
// Why one base: the applications must run the model's own code, never a second implementation of
// its forward pass (docs/architecture.md). A new prior or posterior form plugs into the latent heads
// (detail/latent_heads.hpp), the learned prior's networks (detail/learned_prior_net.hpp) and the
// prior draws below; forward_pass and the training bound then use it alike, with no change in
// infer/.
#ifndef SEQVI_MODEL_VARIATIONAL_MODEL_HPP
#define SEQVI_MODEL_VARIATIONAL_MODEL_HPP

#include "seqvi/model/detail/latent_heads.hpp"
#include "seqvi/model/detail/learned_prior_net.hpp"
#include "seqvi/model/detail/param_roles.hpp"
#include "seqvi/model/fd_rnn.hpp"
#include "seqvi/model/keep_rate.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/model/types.hpp"

#include <vector>

namespace seqvi::model {

/// What one forward pass of a VRAE or VOSP computed, for the applications. Rows are time-major
/// (T·B, types.hpp); padded rows of z are 0. With H the recognition RNN's state width (H for the
/// VOSP, 2H for the VRAE's bidirectional RNN), K = latent, D = inputs:
template <class S>
struct ForwardPass {
  BoundTerms terms;       ///< exactly what forward_backward returns for the same (params, batch, eps)
  Mat<S> z;               ///< (T·B) × K, z drawn from q(z | x) by eps; at eps = 0 the posterior mode
  Mat<S> posterior_mean;  ///< (T·B) × K, μ of the heads (of the increments for Posterior::increments)
  Mat<S> posterior_var;   ///< (T·B) × K, s² of the heads (with the variance floor)
  Mat<S> posterior_coef;  ///< (T·B) × K, a_t of the markov posterior; empty (0 × 0) otherwise
  /// (T·B) × K, the VOSP's learned prior p(z_t | h_{t−1}) = N(prior_mean, prior_var) at every
  /// frame; empty (0 × 0) for the other priors (fixed, or the VRAE's transition: its α, β² are
  /// parameters, "prior.alpha", "prior.log_beta2")
  Mat<S> prior_mean;
  Mat<S> prior_var;
  Moments<S> recognition;  ///< (T·B) × H recognition states h (var empty when deterministic)
  Mat<S> logits;           ///< (T·B) × D emission logits ℓ
  Mat<S> probabilities;    ///< (T·B) × D, σ(ℓ) = p(x_td = 1 | z, …)
  /// B values, nats: log p(z) under the model's prior and log q(z | x) of this z (latent_density.hpp,
  /// the densities of log_weights), so that an application can weight z by the likelihood of only
  /// some frames: log p(x_S | z) + log p(z) − log q(z | x) with log p(x_S | z) from `logits`
  /// (bernoulli_nll with a mask over S), e.g. imputation's observed frames.
  ColVec<double> log_prior;
  ColVec<double> log_posterior;
};

/// The shared part of the VRAE (vrae.hpp) and the VOSP (vosp.hpp). A derived model registers its
/// networks in prototype_ / roles_ (and the posterior heads in heads_) in its constructor and
/// implements forward (into the workspaces below) and backward; this class does the checks, the
/// bound, the importance weights and the applications' API on top of them.
///
/// Ownership, thread safety: as SequenceModel (workspaces; one model object per thread).
template <class S>
class VariationalModel : public SequenceModel<S> {
 public:
  const ModelConfig& config() const override { return config_; }
  ParamSet<S> make_params() const override { return prototype_; }
  ParamRole role(std::size_t i) const override { return roles_.at(i); }
  Index noise_dim() const override { return config_.latent; }
  BoundTerms forward_backward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                              ParamSet<S>* grad, S grad_scale) override;
  ColVec<double> log_weights(const ParamSet<S>& params, const BatchView<S>& batch,
                             const Eigen::Ref<const Mat<S>>& eps) override;

  /// The forward pass of forward_backward — the same code, so terms, z and logits are the numbers
  /// training sees — with its intermediates (ForwardPass). With eps = 0, z is the posterior mode
  /// argmax q(z | x) (reparam is affine in ε, z = mode + scale·ε).
  /// @throws std::invalid_argument as forward_backward
  ForwardPass<S> forward_pass(const ParamSet<S>& params, const BatchView<S>& batch,
                              const Eigen::Ref<const Mat<S>>& eps);

  /// z_{1:T} drawn from the prior p(z) of config().latent_spec by standard normal noise w
  /// ((T·B) × K, time-major, B sequences of T frames, no padding): prior_sample.hpp. Takes the
  /// parameters so that a learned prior draws through the same call (the VRAE's transition).
  /// @throws std::invalid_argument if w is not (T·B) × K for some T, or for the VOSP's learned
  ///         prior, which depends on the frames before t (draw it with Vosp::prior_step)
  Mat<S> prior_sample(const ParamSet<S>& params, const Eigen::Ref<const Mat<S>>& w, Index sequences) const;

 protected:
  /// Checks that config is valid and of `kind`; `name` prefixes error messages ("Vrae", "Vosp").
  /// @throws std::invalid_argument
  VariationalModel(const ModelConfig& config, ModelKind kind, const char* name);

  /// The recognition RNN reading the data: D inputs, H hidden units, keep rates keep_inputs and
  /// keep_hidden (learned when config.learn_keep and below 1).
  FdRnnSpec recognition_spec() const;
  /// Keep rate of the generating model's inputs and hidden units: keep_hidden, fixed.
  KeepRateSpec generating_keep() const;
  /// Registers the posterior heads ("rec.head.*") on `in` recognition features into heads_.
  void add_posterior_heads(detail::RoleTable& roles, Index in);
  /// With prior learned, registers the learned prior into prior_net_: for in ≥ 1 the conditional
  /// head on `in` features (the VOSP's, on h_{t−1}), for in = 0 the transition (the VRAE's).
  /// Nothing for the fixed priors. Call after the other networks (old parameter lists unchanged).
  void add_learned_prior(detail::RoleTable& roles, Index in);
  /// Ends the constructor: roles_ from the role table.
  void finish_roles(detail::RoleTable& roles);

  /// The derived model's forward pass: sets h_, heads_cache_ (through posterior()), the sample
  /// (latent_sample()), a_ and, through emission(), logits_ (and nll_seq_ when per_sequence).
  /// Called after the batch and the parameters are checked, with T, B ≥ 1.
  virtual void forward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                       bool per_sequence, BoundTerms& terms) = 0;
  /// The derived model's reverse pass after forward: adds grad_scale · ∂(recon + kl)/∂θ into grad.
  virtual void backward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                        ParamSet<S>& grad, S grad_scale) = 0;
  /// The z of the last forward, (T·B) × K.
  virtual Eigen::Ref<const Mat<S>> latent_sample() const = 0;

  /// The learned prior (if any) on prior_input — the means of h_{t−1}, (T·B) × in, for the
  /// conditional prior; unread otherwise — then the posterior heads on h_: μ, s² into
  /// heads_cache_, z into `z` (pre-sized (T·B) × K); returns the KL (nats, summed over valid
  /// frames).
  double posterior(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                   bool per_sequence, Eigen::Ref<Mat<S>> z, const Eigen::Ref<const Mat<S>>& prior_input = Mat<S>());
  /// Reverse of posterior(): the adjoint of z (and the KL's, grad_scale · β) into grad and h_adj,
  /// and the conditional prior's adjoint of prior_input (the same matrix as the forward's) ADDED
  /// into prior_input_adj ((T·B) × in; unused otherwise).
  void posterior_backward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                          const Eigen::Ref<const Mat<S>>& z_adj, S grad_scale, ParamSet<S>& grad, Moments<S>& h_adj,
                          const Eigen::Ref<const Mat<S>>& prior_input = Mat<S>(),
                          Eigen::Ref<Mat<S>>* prior_input_adj = nullptr);
  /// Emission: logits_ from the output moments a_; returns recon = Σ −log p(x | …) (nats).
  double emission(const BatchView<S>& batch, bool per_sequence);
  /// Reverse of emission(): a_adj_ = the adjoint of a_ for the objective grad_scale · recon.
  void emission_backward(const BatchView<S>& batch, S grad_scale);

  ModelConfig config_;
  const char* name_;
  ParamSet<S> prototype_;
  std::vector<ParamRole> roles_;
  detail::LatentHeads<S> heads_;
  detail::LearnedPriorNet<S> prior_net_;  ///< Kind::none unless the prior is learned

  // Workspaces, reused across calls (no allocation after the first call with given T, B).
  Moments<S> x_;  ///< the data as moments (var empty)
  Moments<S> h_;  ///< recognition states
  detail::LatentHeadsCache<S> heads_cache_;
  detail::LearnedPriorNetCache<S> prior_cache_;
  Moments<S> a_;  ///< output pre-activations, (T·B) × D
  Mat<S> logits_;
  ColVec<S> nll_seq_;
  Mat<S> logits_adj_;
  Moments<S> a_adj_;

 private:
  /// Checks params (and grad, if given) and the batch, then runs forward(): the one forward pass
  /// behind forward_backward, log_weights and forward_pass.
  BoundTerms run_forward(const ParamSet<S>& params, const BatchView<S>& batch, const Eigen::Ref<const Mat<S>>& eps,
                         bool per_sequence, const ParamSet<S>* grad = nullptr);
};

extern template class VariationalModel<float>;
extern template class VariationalModel<double>;

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_VARIATIONAL_MODEL_HPP
