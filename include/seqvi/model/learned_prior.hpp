// LearnedPrior: the parameters of a learned prior (latent.hpp, Prior::learned) for one chunk, as the
// model computed them, in the form kl.hpp, latent_density.hpp and prior_sample.hpp take them; and
// LearnedPriorAdj, where their reverse passes add the adjoints.
//
// Two kinds, per latent dimension (dims are independent), z_0 = 0:
//   conditional (the VOSP's):  p(z_t | h_{t−1}) = N(mean_t, var_t)
//       with mean_t, var_t functions of the frames before t (h_{t−1}, the recognition RNN's state),
//       so given x the prior factorises over t. The normal prior is mean = 0, var = 1.
//   transition (the VRAE's):   p(z_t | z_{t−1}) = N(α z_{t−1}, β²)
//       with α, β² per latent dim (the same at every frame). The Wiener prior is α = β² = 1.
// kl.hpp runs the fixed priors through the same code as these (wiener: a transition with α = β² = 1;
// normal: a conditional prior with mean 0 and var 1), so the two are one implementation.
//
// Shapes (types.hpp layout): conditional mean, var (T·B) × K (padded rows unread); transition
// alpha, var 1 × K. The struct holds non-owning pointers; the matrices must outlive its use.
#ifndef SEQVI_MODEL_LEARNED_PRIOR_HPP
#define SEQVI_MODEL_LEARNED_PRIOR_HPP

#include "seqvi/model/types.hpp"

namespace seqvi::model {

/// The learned prior's parameters for one chunk (or one frame, for prior_step): exactly one kind set
/// for Prior::learned, nothing for the fixed priors.
template <class S>
struct LearnedPrior {
  /// conditional: (T·B) × K means μ_p; null for a transition prior
  const Mat<S>* mean = nullptr;
  /// conditional: (T·B) × K variances σ²_p > 0; transition: 1 × K variances β² > 0
  const Mat<S>* var = nullptr;
  /// transition: 1 × K coefficients α (any real); null for a conditional prior
  const Mat<S>* alpha = nullptr;

  bool empty() const { return mean == nullptr && var == nullptr && alpha == nullptr; }
  bool conditional() const { return mean != nullptr && var != nullptr && alpha == nullptr; }
  bool transition() const { return mean == nullptr && var != nullptr && alpha != nullptr; }

  /// A conditional prior N(mean_t, var_t).
  static LearnedPrior conditional_prior(const Mat<S>& mean, const Mat<S>& var) { return {&mean, &var, nullptr}; }
  /// A transition prior N(α z_{t−1}, β²).
  static LearnedPrior transition_prior(const Mat<S>& alpha, const Mat<S>& beta2) { return {nullptr, &beta2, &alpha}; }
};

/// Where a reverse pass ADDS kl_adj · ∂KL/∂(the prior's parameters): shaped like the LearnedPrior's
/// matrices (mean and var for a conditional prior, alpha and var for a transition prior).
template <class S>
struct LearnedPriorAdj {
  Mat<S>* mean = nullptr;
  Mat<S>* var = nullptr;
  Mat<S>* alpha = nullptr;

  bool empty() const { return mean == nullptr && var == nullptr && alpha == nullptr; }
};

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_LEARNED_PRIOR_HPP
