// Values of KL(q(z | x) ‖ p(z)); the formulas are in include/seqvi/model/kl.hpp.
#include "seqvi/model/kl.hpp"

#include "kl_form.hpp"

#include <cmath>

namespace seqvi::model {

namespace {

/// KL of one latent dim k of sequence b, whose valid frames are t0 … T − 1.
template <class S>
double sequence_dim_kl(detail::KlForm form, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                       const detail::Coef<S>& a, const detail::PriorOf<S>& p, Index T, Index B, Index b, Index k,
                       Index t0) {
  using detail::KlForm;
  double sum = 0;
  if (form == KlForm::wiener_marginal_paper) {
    double mu_prev = 0, v_prev = 0;  // μ_{t−1}, v_{t−1}; 0 before the first valid frame
    for (Index t = t0; t < T; ++t) {
      const double mu = mean(t * B + b, k);
      const double v = var(t * B + b, k);
      const double lambda = t < T - 1 ? 2.0 : 1.0;
      const double dmu = mu - mu_prev;
      sum += lambda * v + dmu * dmu - 1 - std::log(v + v_prev);
      mu_prev = mu;
      v_prev = v;
    }
    return 0.5 * sum;
  }
  // Marginal moments of q: m_t = a_t m_{t−1} + μ_t, v_t = a_t² v_{t−1} + σ²_t, m_0 = v_0 = 0.
  double m_prev = 0, v_prev = 0;
  if (form == KlForm::transition_markov) {
    // Frame t's term carries (a_{t+1} − α)² v_t instead of (a_t − α)² v_{t−1} (the same sum, as
    // β² is the same at every frame), so that under the Wiener prior a ≡ 0 adds σ²_t + σ²_t = 2σ²_t
    // and a ≡ 1 adds σ²_t + 0: bit for bit the marginal and increments forms this code replaced.
    const double alpha = p.alpha_k(k);
    const double beta2 = p.var_at(0, k);
    const double log_beta2 = p.fixed() ? 0.0 : std::log(beta2);
    for (Index t = t0; t < T; ++t) {
      const Index r = t * B + b;
      const double mu = mean(r, k);
      const double s2 = var(r, k);
      const double at = a(r, k);
      const double v = at * at * v_prev + s2;
      const double d = (at - alpha) * m_prev + mu;
      double spread = s2;
      if (t < T - 1) {
        const double c = static_cast<double>(a(r + B, k)) - alpha;
        spread += c * c * v;
      }
      sum += (spread + d * d) / beta2 - 1 - std::log(s2) + log_beta2;
      m_prev = at * m_prev + mu;
      v_prev = v;
    }
    return 0.5 * sum;
  }
  for (Index t = t0; t < T; ++t) {
    const Index r = t * B + b;
    const double mu = mean(r, k);
    const double s2 = var(r, k);
    const double at = a(r, k);
    const double m = at * m_prev + mu;
    const double v = at * at * v_prev + s2;
    const double dm = m - p.mean_at(r, k);
    const double pv = p.var_at(r, k);
    sum += (v + dm * dm) / pv - 1 - std::log(s2) + (p.fixed() ? 0.0 : std::log(pv));
    m_prev = m;
    v_prev = v;
  }
  return 0.5 * sum;
}

}  // namespace

template <class S>
S kl_divergence(const KlInput<S>& in, const KlOutputs<S>& out) {
  const LatentSpec& spec = in.spec;
  const Eigen::Ref<const Mat<S>>& mean = in.mean;
  const Index T = in.T, B = in.B;
  ColVec<S>* const per_sequence = out.per_sequence;
  Eigen::VectorXd* const per_dim = out.per_dim;
  detail::check_kl_arguments<S>("kl_divergence", in);
  if (per_sequence != nullptr) {
    per_sequence->resize(B);
    per_sequence->setZero();
  }
  const detail::PriorOf<S> p = detail::prior_of<S>(spec.prior, in.prior);
  const detail::KlForm form = detail::kl_form<S>(spec, p);
  const detail::Coef<S> a = detail::coef_of<S>(spec.posterior, in.coef);
  const Index K = mean.cols();
  if (per_dim != nullptr) {
    per_dim->resize(K);
    per_dim->setZero();
  }
  double total = 0;
  for (Index b = 0; b < B; ++b) {
    const Index t0 = detail::first_valid_frame<S>(in.mask, T, B, b);
    double kl_b = 0;
    for (Index k = 0; k < K && t0 < T; ++k) {
      const double kl_bk = sequence_dim_kl<S>(form, mean, in.var, a, p, T, B, b, k, t0);
      kl_b += kl_bk;
      if (per_dim != nullptr) (*per_dim)[k] += kl_bk;
    }
    if (per_sequence != nullptr) (*per_sequence)[b] = static_cast<S>(kl_b);
    total += kl_b;
  }
  return static_cast<S>(total);
}

template float kl_divergence<float>(const KlInput<float>&, const KlOutputs<float>&);
template double kl_divergence<double>(const KlInput<double>&, const KlOutputs<double>&);

}  // namespace seqvi::model
