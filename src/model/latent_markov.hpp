// Internal: the Gauss–Markov coefficient a_t of a posterior (latent.hpp) and the recursion
// z_t = a_t z_{t−1} + μ_t + σ_t ε_t shared by reparam.cpp and LatentHeads (reparam_into), so that
// increments (a ≡ 1), marginal (a ≡ 0) and markov run through one code path.
#ifndef SEQVI_SRC_MODEL_LATENT_MARKOV_HPP
#define SEQVI_SRC_MODEL_LATENT_MARKOV_HPP

#include "seqvi/model/latent.hpp"
#include "seqvi/model/types.hpp"

#include <cmath>

namespace seqvi::model::detail {

/// a_t of row r, dim k: the fixed coefficient of increments / marginal, or coef(r, k) for markov.
template <class S>
struct Coef {
  const Eigen::Ref<const Mat<S>>* coef;  ///< null when fixed
  S fixed;
  S operator()(Index r, Index k) const { return coef != nullptr ? (*coef)(r, k) : fixed; }
};

/// The accessor for `posterior` with coefficients `coef` (read only for markov).
template <class S>
Coef<S> coef_of(Posterior posterior, const Eigen::Ref<const Mat<S>>& coef) {
  if (posterior == Posterior::markov) return {&coef, S(0)};
  return {nullptr, static_cast<S>(fixed_coef(posterior))};
}

/// Writes z_t = a_t z_{t−1} + μ_t + √σ²_t ε_t (z_{t0 − 1} = 0) into the valid rows of z; padded
/// rows of z are left as they are and padded rows of the inputs are not read. Arguments checked
/// by the caller. With a ≡ 1 and a ≡ 0 this is bit for bit the running sum and the identity.
template <class S>
void reparam_rows(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                  const Eigen::Ref<const Mat<S>>& coef, const Eigen::Ref<const Mat<S>>& noise,
                  const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, Eigen::Ref<Mat<S>> z) {
  const Coef<S> a = coef_of<S>(posterior, coef);
  const Index K = mean.cols();
  for (Index b = 0; b < B; ++b) {
    Index t0 = 0;
    while (t0 < T && mask[t0 * B + b] == S(0)) ++t0;
    for (Index t = t0; t < T; ++t) {
      const Index r = t * B + b;
      for (Index k = 0; k < K; ++k) {
        const S step = mean(r, k) + std::sqrt(var(r, k)) * noise(r, k);
        z(r, k) = t > t0 ? a(r, k) * z(r - B, k) + step : step;
      }
    }
  }
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_SRC_MODEL_LATENT_MARKOV_HPP
