// Values of KL(q(z | x) ‖ p(z)); the formulas are in include/seqvi/model/kl.hpp.
#include "seqvi/model/kl.hpp"

#include "kl_form.hpp"

#include <cmath>

namespace seqvi::model {

namespace {

/// KL of one latent dim k of sequence b, whose valid frames are t0 … T − 1.
template <class S>
double sequence_dim_kl(detail::KlForm form, const Eigen::Ref<const Mat<S>>& mean,
                       const Eigen::Ref<const Mat<S>>& var, Index T, Index B, Index b, Index k,
                       Index t0) {
  using detail::KlForm;
  double sum = 0;
  double mu_prev = 0, v_prev = 0;  // μ_{t−1}, v_{t−1}; 0 before the first valid frame
  double cum = 0;                  // Σ_{r≤t} μ_r (normal + increments)
  for (Index t = t0; t < T; ++t) {
    const double mu = mean(t * B + b, k);
    const double v = var(t * B + b, k);
    switch (form) {
      case KlForm::diagonal:
        sum += v + mu * mu - 1 - std::log(v);
        break;
      case KlForm::wiener_marginal:
      case KlForm::wiener_marginal_paper: {
        const double lambda = t < T - 1 ? 2.0 : 1.0;
        const double dmu = mu - mu_prev;
        const double entropy = form == KlForm::wiener_marginal ? std::log(v) : std::log(v + v_prev);
        sum += lambda * v + dmu * dmu - 1 - entropy;
        break;
      }
      case KlForm::normal_increments:
        cum += mu;
        sum += static_cast<double>(T - t) * v + cum * cum - 1 - std::log(v);
        break;
    }
    mu_prev = mu;
    v_prev = v;
  }
  return 0.5 * sum;
}

}  // namespace

template <class S>
S kl_divergence(const LatentSpec& spec, const Eigen::Ref<const Mat<S>>& mean,
                const Eigen::Ref<const Mat<S>>& var, const Eigen::Ref<const ColVec<S>>& mask,
                Index T, Index B, ColVec<S>* per_sequence) {
  detail::check_kl_arguments<S>("kl_divergence", spec, mean, var, mask, T, B);
  if (per_sequence != nullptr) {
    per_sequence->resize(B);
    per_sequence->setZero();
  }
  const detail::KlForm form = detail::kl_form(spec);
  const Index K = mean.cols();
  double total = 0;
  for (Index b = 0; b < B; ++b) {
    const Index t0 = detail::first_valid_frame<S>(mask, T, B, b);
    double kl_b = 0;
    for (Index k = 0; k < K && t0 < T; ++k)
      kl_b += sequence_dim_kl<S>(form, mean, var, T, B, b, k, t0);
    if (per_sequence != nullptr) (*per_sequence)[b] = static_cast<S>(kl_b);
    total += kl_b;
  }
  return static_cast<S>(total);
}

template float kl_divergence<float>(const LatentSpec&, const Eigen::Ref<const Mat<float>>&,
                                    const Eigen::Ref<const Mat<float>>&,
                                    const Eigen::Ref<const ColVec<float>>&, Index, Index,
                                    ColVec<float>*);
template double kl_divergence<double>(const LatentSpec&, const Eigen::Ref<const Mat<double>>&,
                                      const Eigen::Ref<const Mat<double>>&,
                                      const Eigen::Ref<const ColVec<double>>&, Index, Index,
                                      ColVec<double>*);

}  // namespace seqvi::model
