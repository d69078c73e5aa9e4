// LearnedPriorNet: the parameters and networks of the learned prior (latent.hpp, Prior::learned) —
// the VOSP's conditional prior head on h_{t−1} and the VRAE's linear-Gaussian transition — with
// their reverse passes. They produce the LearnedPrior (learned_prior.hpp) that kl.hpp,
// latent_density.hpp and prior_sample.hpp take. Internal to the models (variational_model.hpp).
#ifndef SEQVI_MODEL_DETAIL_LEARNED_PRIOR_NET_HPP
#define SEQVI_MODEL_DETAIL_LEARNED_PRIOR_NET_HPP

#include "seqvi/model/detail/gemm.hpp"
#include "seqvi/model/detail/param_roles.hpp"
#include "seqvi/model/learned_prior.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/model/types.hpp"

#include <cstddef>

namespace seqvi::model::detail {

/// What LearnedPriorNet::forward computes and its reverse pass needs (reused: after the first
/// forward and backward with given shapes nothing is allocated).
template <class S>
struct LearnedPriorNetCache {
  Mat<S> mean;       ///< conditional: μ_p, rows × K
  Mat<S> var_pre;    ///< conditional: E[h_{t−1}] W_v + b_v, rows × K
  Mat<S> var;        ///< conditional: σ²_p, rows × K; transition: β², 1 × K
  Mat<S> mean_adj;   ///< conditional: ∂objective/∂μ_p (filled by the KL's reverse pass)
  Mat<S> var_adj;    ///< ∂objective/∂σ²_p (rows × K) or ∂objective/∂β² (1 × K)
  Mat<S> alpha_adj;  ///< transition: ∂objective/∂α, 1 × K
  Mat<S> pre_adj;    ///< conditional: adjoint of var_pre (scratch)
  GemmWorkspace<S> gemm;
};

/// The learned prior's networks. With K latent dims, per dim:
///   conditional (VOSP), on the recognition state before frame t (rows × in means E[h_{t−1}];
///   h_0 = 0, as the VOSP's generating MLP reads it):
///       μ_p  = E[h_{t−1}] W_μ + b_μ
///       σ²_p = softplus(E[h_{t−1}] W_v + b_v) + 1e-4    (the posterior's softplus variance head
///                                                        and floor, detail/latent_heads.hpp)
///     parameters "prior.head.mean.{W,b}", "prior.head.var.{W,b}" (in × K, 1 × K); they start at
///     W = 0, b_μ = 0, b_v = softplus⁻¹(1 − 1e-4): the prior starts at N(0, 1), the normal prior.
///   transition (VRAE): p(z_t | z_{t−1}) = N(α z_{t−1}, β²) with β² = exp(ℓ):
///     parameters "prior.alpha" (α, 1 × K, any real) and "prior.log_beta2" (ℓ, 1 × K); they start
///     at α = 1, ℓ = 0: the Wiener prior.
/// Every parameter has ParamRole::preset (its initial value is set here; the trainer keeps it).
///
/// Ownership: indices into the ParamSet only. Thread safety: const methods, a cache per thread.
template <class S>
class LearnedPriorNet {
 public:
  enum class Kind { none, conditional, transition };

  /// No learned prior (the fixed priors): view() is empty, forward and backward do nothing.
  LearnedPriorNet() = default;
  /// Registers the VOSP's conditional prior head on `in` ≥ 1 features, K = latent.
  static LearnedPriorNet conditional(ParamSet<S>& params, RoleTable& roles, Index in, Index latent);
  /// Registers the VRAE's transition prior, K = latent.
  static LearnedPriorNet transition(ParamSet<S>& params, RoleTable& roles, Index latent);

  Kind kind() const { return kind_; }
  Index in() const { return in_; }

  /// Computes the prior's parameters into cache: the conditional head on h_prev (rows × in, the
  /// means of h_{t−1}; rows = T·B for a chunk, B for one frame), or the transition's β² (h_prev
  /// unread, may be empty). @throws std::invalid_argument if h_prev has other than in() columns
  void forward(const ParamSet<S>& params, const Eigen::Ref<const Mat<S>>& h_prev, LearnedPriorNetCache<S>& cache) const;
  /// The prior of the last forward, views into params and cache (empty for Kind::none).
  LearnedPrior<S> view(const ParamSet<S>& params, const LearnedPriorNetCache<S>& cache) const;
  /// Zeroes the cache's adjoints, shaped like view()'s matrices, and returns pointers to them for
  /// kl_divergence_backward (empty for Kind::none).
  LearnedPriorAdj<S> zero_adjoints(const ParamSet<S>& params, LearnedPriorNetCache<S>& cache) const;
  /// Reverse pass from the adjoints in cache (filled through zero_adjoints' pointers): ADDS the
  /// parameter gradients into grad and, for the conditional head, the adjoint of the means of
  /// h_prev into h_prev_adj (rows × in; null to skip).
  void backward(const ParamSet<S>& params, const Eigen::Ref<const Mat<S>>& h_prev, LearnedPriorNetCache<S>& cache,
                ParamSet<S>& grad, Eigen::Ref<Mat<S>>* h_prev_adj) const;

 private:
  Kind kind_ = Kind::none;
  Index in_ = 0, latent_ = 0;
  std::size_t mean_w_ = 0, mean_b_ = 0, var_w_ = 0, var_b_ = 0;  ///< conditional
  std::size_t alpha_ = 0, log_beta2_ = 0;                        ///< transition
};

extern template class LearnedPriorNet<float>;
extern template class LearnedPriorNet<double>;

}  // namespace seqvi::model::detail

#endif  // SEQVI_MODEL_DETAIL_LEARNED_PRIOR_NET_HPP
