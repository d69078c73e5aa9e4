// Log densities of latent sequences; the formulas are in include/seqvi/model/latent_density.hpp.
#include "seqvi/model/latent_density.hpp"

#include "chunk_checks.hpp"
#include "latent_markov.hpp"

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

template <class S>
ColVec<S> log_prior_density(Prior prior, const Eigen::Ref<const Mat<S>>& z,
                            const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  constexpr std::string_view fn = "log_prior_density";
  detail::check_dims(fn, T, B);
  detail::check_rows(fn, "z", z.rows(), z.cols(), T, B);
  detail::check_mask<S>(fn, mask, T, B, /*pre_padded=*/true);
  const Index K = z.cols();
  const bool wiener = prior == Prior::wiener;
  ColVec<S> out(B);
  for (Index b = 0; b < B; ++b) {
    const Index t0 = detail::first_valid_frame<S>(mask, T, B, b);
    double sum = 0;
    for (Index t = t0; t < T; ++t) {
      const Index r = t * B + b;
      for (Index k = 0; k < K; ++k) {
        const double prev = wiener && t > t0 ? static_cast<double>(z(r - B, k)) : 0.0;
        const double d = static_cast<double>(z(r, k)) - prev;
        sum += -0.5 * d * d;
      }
    }
    sum -= kHalfLog2Pi * static_cast<double>((T - t0) * K);
    out[b] = static_cast<S>(sum);
  }
  return out;
}

namespace {

template <class S>
ColVec<S> log_posterior_impl(Posterior posterior, const Eigen::Ref<const Mat<S>>& z,
                             const Eigen::Ref<const Mat<S>>& mean,
                             const Eigen::Ref<const Mat<S>>& var,
                             const Eigen::Ref<const Mat<S>>& coef,
                             const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
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
        const double prev =
            t > t0 ? static_cast<double>(a(r, k)) * static_cast<double>(z(r - B, k)) : 0.0;
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
                                const Eigen::Ref<const Mat<S>>& mean,
                                const Eigen::Ref<const Mat<S>>& var,
                                const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  const Mat<S> none;
  return log_posterior_impl<S>(posterior, z, mean, var, none, mask, T, B);
}

template <class S>
ColVec<S> log_posterior_density(Posterior posterior, const Eigen::Ref<const Mat<S>>& z,
                                const Eigen::Ref<const Mat<S>>& mean,
                                const Eigen::Ref<const Mat<S>>& var,
                                const Eigen::Ref<const Mat<S>>& coef,
                                const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  return log_posterior_impl<S>(posterior, z, mean, var, coef, mask, T, B);
}

template ColVec<float> log_prior_density<float>(Prior, const Eigen::Ref<const Mat<float>>&,
                                                const Eigen::Ref<const ColVec<float>>&, Index,
                                                Index);
template ColVec<double> log_prior_density<double>(Prior, const Eigen::Ref<const Mat<double>>&,
                                                  const Eigen::Ref<const ColVec<double>>&, Index,
                                                  Index);
template ColVec<float> log_posterior_density<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                                    const Eigen::Ref<const Mat<float>>&,
                                                    const Eigen::Ref<const Mat<float>>&,
                                                    const Eigen::Ref<const ColVec<float>>&, Index,
                                                    Index);
template ColVec<double> log_posterior_density<double>(
    Posterior, const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
    const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const ColVec<double>>&, Index, Index);
template ColVec<float> log_posterior_density<float>(
    Posterior, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
    const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
    const Eigen::Ref<const ColVec<float>>&, Index, Index);
template ColVec<double> log_posterior_density<double>(
    Posterior, const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
    const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
    const Eigen::Ref<const ColVec<double>>&, Index, Index);

}  // namespace seqvi::model
