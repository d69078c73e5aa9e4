// Log densities of latent sequences; the formulas are in include/seqvi/model/latent_density.hpp.
#include "seqvi/model/latent_density.hpp"

#include "chunk_checks.hpp"
#include "latent_markov.hpp"
#include "prior_markov.hpp"

#include <cmath>
#include <numbers>

namespace seqvi::model {

namespace {

/// log N(x; m, v) without the constant −½ ln 2π (added once per frame and dim by the caller).
inline double log_normal_kernel(double x, double m, double v) {
  const double d = x - m;
  return -0.5 * (d * d / v + std::log(v));
}

const double kHalfLog2Pi = 0.5 * std::log(2 * std::numbers::pi);

}  // namespace

namespace {

/// log p(z) per sequence for every prior: p(z_t | z_{t−1}, past) = N(α z_{t−1} + μ_p,t, σ²_p,t)
/// (prior_markov.hpp; wiener α = 1, normal α = 0, both μ_p = 0, σ²_p = 1).
template <class S>
ColVec<S> log_prior_impl(Prior prior, const LearnedPrior<S>& learned, const Eigen::Ref<const Mat<S>>& z,
                         const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  constexpr std::string_view fn = "log_prior_density";
  detail::check_dims(fn, T, B);
  detail::check_rows(fn, "z", z.rows(), z.cols(), T, B);
  detail::check_mask<S>(fn, mask, T, B, /*pre_padded=*/true);
  const Index K = z.cols();
  detail::check_learned_prior<S>(fn, prior, learned, &mask, T * B, K);
  const detail::PriorOf<S> p = detail::prior_of<S>(prior, learned);
  ColVec<S> out(B);
  for (Index b = 0; b < B; ++b) {
    const Index t0 = detail::first_valid_frame<S>(mask, T, B, b);
    double sum = 0;
    for (Index t = t0; t < T; ++t) {
      const Index r = t * B + b;
      for (Index k = 0; k < K; ++k) {
        // E[z_t | z_{t−1}] = α z_{t−1} + μ_p,t (a transition prior has μ_p = 0, a conditional α = 0)
        double prev = 0.0;
        if (t > t0 && p.transition) prev = p.alpha_k(k) * static_cast<double>(z(r - B, k));
        const double d = static_cast<double>(z(r, k)) - (prev + p.mean_at(r, k));
        // One expression for every prior (v = 1, ln v = 0 for the fixed ones), so that a learned
        // prior at the fixed values gives the same bits whatever the compiler fuses.
        const double v = p.var_at(r, k);
        const double log_v = p.fixed() ? 0.0 : std::log(v);
        sum += -0.5 * (d * d / v + log_v);
      }
    }
    sum -= kHalfLog2Pi * static_cast<double>((T - t0) * K);
    out[b] = static_cast<S>(sum);
  }
  return out;
}

}  // namespace

template <class S>
ColVec<S> log_prior_density(Prior prior, const Eigen::Ref<const Mat<S>>& z, const Eigen::Ref<const ColVec<S>>& mask,
                            Index T, Index B) {
  return log_prior_impl<S>(prior, {}, z, mask, T, B);
}

template <class S>
ColVec<S> log_prior_density(Prior prior, const LearnedPrior<S>& learned, const Eigen::Ref<const Mat<S>>& z,
                            const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  return log_prior_impl<S>(prior, learned, z, mask, T, B);
}

namespace {

template <class S>
ColVec<S> log_posterior_impl(Posterior posterior, const Eigen::Ref<const Mat<S>>& z,
                             const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                             const Eigen::Ref<const Mat<S>>& coef, const Eigen::Ref<const ColVec<S>>& mask, Index T,
                             Index B) {
  constexpr std::string_view fn = "log_posterior_density";
  detail::check_dims(fn, T, B);
  const Index K = z.cols();
  detail::check_rows(fn, "z", z.rows(), K, T, B);
  detail::check_rows(fn, "mean", mean.rows(), mean.cols(), T, B, K);
  detail::check_rows(fn, "var", var.rows(), var.cols(), T, B, K);
  detail::check_mask<S>(fn, mask, T, B, /*pre_padded=*/true);
  detail::check_var<S>(fn, var, mask);
  detail::check_coef<S>(fn, posterior, coef, mask, T, B, K);
  const detail::Coef<S> a = detail::coef_of<S>(posterior, coef);
  ColVec<S> out(B);
  for (Index b = 0; b < B; ++b) {
    const Index t0 = detail::first_valid_frame<S>(mask, T, B, b);
    double sum = 0;
    for (Index t = t0; t < T; ++t) {
      const Index r = t * B + b;
      for (Index k = 0; k < K; ++k) {
        // q(z_t | z_{t−1}) = N(a_t z_{t−1} + μ_t, σ²_t); a_t z_{t−1} is 0 at t0 and for marginal.
        const double prev = t > t0 ? static_cast<double>(a(r, k)) * static_cast<double>(z(r - B, k)) : 0.0;
        sum += log_normal_kernel(static_cast<double>(z(r, k)) - prev, mean(r, k), var(r, k));
      }
    }
    sum -= kHalfLog2Pi * static_cast<double>((T - t0) * K);
    out[b] = static_cast<S>(sum);
  }
  return out;
}

}  // namespace

template <class S>
ColVec<S> log_posterior_density(Posterior posterior, const Eigen::Ref<const Mat<S>>& z,
                                const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                                const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  const Mat<S> none;
  return log_posterior_impl<S>(posterior, z, mean, var, none, mask, T, B);
}

template <class S>
ColVec<S> log_posterior_density(Posterior posterior, const Eigen::Ref<const Mat<S>>& z,
                                const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                                const Eigen::Ref<const Mat<S>>& coef, const Eigen::Ref<const ColVec<S>>& mask, Index T,
                                Index B) {
  return log_posterior_impl<S>(posterior, z, mean, var, coef, mask, T, B);
}

template ColVec<float> log_prior_density<float>(Prior, const Eigen::Ref<const Mat<float>>&,
                                                const Eigen::Ref<const ColVec<float>>&, Index, Index);
template ColVec<double> log_prior_density<double>(Prior, const Eigen::Ref<const Mat<double>>&,
                                                  const Eigen::Ref<const ColVec<double>>&, Index, Index);
template ColVec<float> log_prior_density<float>(Prior, const LearnedPrior<float>&, const Eigen::Ref<const Mat<float>>&,
                                                const Eigen::Ref<const ColVec<float>>&, Index, Index);
template ColVec<double> log_prior_density<double>(Prior, const LearnedPrior<double>&,
                                                  const Eigen::Ref<const Mat<double>>&,
                                                  const Eigen::Ref<const ColVec<double>>&, Index, Index);
template ColVec<float> log_posterior_density<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                                    const Eigen::Ref<const Mat<float>>&,
                                                    const Eigen::Ref<const Mat<float>>&,
                                                    const Eigen::Ref<const ColVec<float>>&, Index, Index);
template ColVec<double> log_posterior_density<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                                      const Eigen::Ref<const Mat<double>>&,
                                                      const Eigen::Ref<const Mat<double>>&,
                                                      const Eigen::Ref<const ColVec<double>>&, Index, Index);
template ColVec<float> log_posterior_density<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                                    const Eigen::Ref<const Mat<float>>&,
                                                    const Eigen::Ref<const Mat<float>>&,
                                                    const Eigen::Ref<const Mat<float>>&,
                                                    const Eigen::Ref<const ColVec<float>>&, Index, Index);
template ColVec<double> log_posterior_density<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                                      const Eigen::Ref<const Mat<double>>&,
                                                      const Eigen::Ref<const Mat<double>>&,
                                                      const Eigen::Ref<const Mat<double>>&,
                                                      const Eigen::Ref<const ColVec<double>>&, Index, Index);

}  // namespace seqvi::model
