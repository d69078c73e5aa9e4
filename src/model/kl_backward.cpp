// Hand-written gradient of kl_divergence; the partials are listed in include/seqvi/model/kl.hpp.
#include "seqvi/model/kl.hpp"

#include "kl_form.hpp"

#include <vector>

namespace seqvi::model {

template <class S>
void kl_divergence_backward(const KlInput<S>& in, S kl_adj, KlAdjoints<S> adj) {
  const LatentSpec& spec = in.spec;
  const Eigen::Ref<const Mat<S>>& mean = in.mean;
  const Eigen::Ref<const Mat<S>>& var = in.var;
  const LearnedPrior<S>& prior = in.prior;
  const Index T = in.T, B = in.B;
  Eigen::Ref<Mat<S>>& mean_adj = adj.mean;
  Eigen::Ref<Mat<S>>& var_adj = adj.var;
  Eigen::Ref<Mat<S>>& coef_adj = adj.coef;
  const LearnedPriorAdj<S>& prior_adj = adj.prior;
  constexpr std::string_view fn = "kl_divergence_backward";
  detail::check_kl_arguments<S>(fn, in);
  const Index K = mean.cols();
  detail::check_rows(fn, "mean_adj", mean_adj.rows(), mean_adj.cols(), T, B, K);
  detail::check_rows(fn, "var_adj", var_adj.rows(), var_adj.cols(), T, B, K);
  const bool markov = spec.posterior == Posterior::markov;
  if (markov) {
    detail::check_rows(fn, "coef_adj", coef_adj.rows(), coef_adj.cols(), T, B, K);
  } else if (coef_adj.size() != 0) {
    detail::fail(fn, "coef_adj is " + std::to_string(coef_adj.rows()) + "×" + std::to_string(coef_adj.cols()) +
                         ", must be empty for posterior " + std::string(to_string(spec.posterior)));
  }

  // The learned prior's adjoints: exactly where the prior has parameters, shaped like them.
  const bool learned = spec.prior == Prior::learned;
  if (learned) {
    auto check_adj = [&](const char* what, Mat<S>* adj, const Mat<S>* like) {
      if ((adj == nullptr) != (like == nullptr) ||
          (adj != nullptr && (adj->rows() != like->rows() || adj->cols() != like->cols())))
        detail::fail(
            fn, std::string("prior_adj.") + what + " must be " +
                    (like == nullptr ? std::string("null")
                                     : "shaped " + std::to_string(like->rows()) + "×" + std::to_string(like->cols())) +
                    ", like the learned prior's " + what);
    };
    check_adj("mean", prior_adj.mean, prior.mean);
    check_adj("var", prior_adj.var, prior.var);
    check_adj("alpha", prior_adj.alpha, prior.alpha);
  } else if (!prior_adj.empty()) {
    detail::fail(fn, "prior_adj given for prior " + std::string(to_string(spec.prior)) + ", which has no parameters");
  }

  using detail::KlForm;
  const detail::PriorOf<S> p = detail::prior_of<S>(spec.prior, prior);
  const KlForm form = detail::kl_form<S>(spec, p);
  const detail::Coef<S> a = detail::coef_of<S>(spec.posterior, in.coef);
  const double g = kl_adj;
  // The marginal moments m_t, v_t of the current (b, k) (2 per frame); one buffer per thread,
  // grown on demand, so a training step allocates nothing after the first with a given T.
  thread_local std::vector<double> moments;
  if (form != KlForm::wiener_marginal_paper && moments.size() < static_cast<std::size_t>(2 * T))
    moments.resize(static_cast<std::size_t>(2 * T));

  for (Index b = 0; b < B; ++b) {
    const Index t0 = detail::first_valid_frame<S>(in.mask, T, B, b);
    for (Index k = 0; k < K && t0 < T; ++k) {
      auto mu = [&](Index t) { return static_cast<double>(mean(t * B + b, k)); };
      auto s2 = [&](Index t) { return static_cast<double>(var(t * B + b, k)); };
      auto add = [&](Index t, double g_mean, double g_var) {
        mean_adj(t * B + b, k) += static_cast<S>(g * g_mean);
        var_adj(t * B + b, k) += static_cast<S>(g * g_var);
      };
      if (form == KlForm::wiener_marginal_paper) {
        // ½ Σ [Λ_tt v_t + (μ_t − μ_{t−1})² − 1 − ln(v_t + v_{t−1})]
        for (Index t = t0; t < T; ++t) {
          const bool has_prev = t > t0, has_next = t < T - 1;
          const double mu_prev = has_prev ? mu(t - 1) : 0.0;
          double g_mean = mu(t) - mu_prev;
          if (has_next) g_mean -= mu(t + 1) - mu(t);
          const double lambda = has_next ? 2.0 : 1.0;
          const double v_prev = has_prev ? s2(t - 1) : 0.0;
          double g_var = 0.5 * (lambda - 1 / (s2(t) + v_prev));
          if (has_next) g_var -= 0.5 / (s2(t + 1) + s2(t));
          add(t, g_mean, g_var);
        }
        continue;
      }
      auto m_at = [&](Index t) -> double& { return moments[static_cast<std::size_t>(2 * t)]; };
      auto v_at = [&](Index t) -> double& { return moments[static_cast<std::size_t>(2 * t + 1)]; };
      {
        double m = 0, v = 0;
        for (Index t = t0; t < T; ++t) {
          const double at = a(t * B + b, k);
          m = at * m + mu(t);
          v = at * at * v + s2(t);
          m_at(t) = m;
          v_at(t) = v;
        }
      }
      // M, V: the adjoints of m_t, v_t carried from the frames after t.
      double M = 0, V = 0;
      // The transition prior's α_k, β²_k (1 and 1 for wiener) and their adjoints, summed over t.
      const double alpha = p.alpha_k(k);
      const double inv_beta2 = form == KlForm::transition_markov ? 1 / p.var_at(0, k) : 1.0;
      double alpha_adj = 0, beta2_adj = 0;
      for (Index t = T - 1; t >= t0; --t) {
        const Index r = t * B + b;
        const double at = a(r, k);
        const double m_prev = t > t0 ? m_at(t - 1) : 0.0;
        const double v_prev = t > t0 ? v_at(t - 1) : 0.0;
        double g_mean, g_var, g_coef;
        if (form == KlForm::transition_markov) {
          // ½ [(σ²_t + d_t² + (a_t − α)² v_{t−1})/β² − 1 − ln σ²_t + ln β²],
          // d_t = (a_t − α) m_{t−1} + μ_t
          const double c = at - alpha;
          const double d = c * m_prev + mu(t);
          const double dd = d * inv_beta2;
          g_mean = dd + M;
          g_var = 0.5 * (inv_beta2 - 1 / s2(t)) + V;
          g_coef = (dd + M) * m_prev + (c * inv_beta2 + 2 * at * V) * v_prev;
          if (learned) {
            alpha_adj -= dd * m_prev + c * inv_beta2 * v_prev;
            beta2_adj += 0.5 * inv_beta2 * (1 - (s2(t) + d * d + c * c * v_prev) * inv_beta2);
          }
          const double M_prev = dd * c + at * M;
          V = 0.5 * c * c * inv_beta2 + at * at * V;
          M = M_prev;
        } else {
          // ½ [(v_t + (m_t − μ_p,t)²)/σ²_p,t − 1 − ln σ²_t + ln σ²_p,t]
          const double pv = p.var_at(r, k);
          const double inv_pv = 1 / pv;
          const double dm = m_at(t) - p.mean_at(r, k);
          M += dm * inv_pv;
          V += 0.5 * inv_pv;
          g_mean = M;
          g_var = V - 0.5 / s2(t);
          g_coef = M * m_prev + 2 * at * V * v_prev;
          if (learned) {
            (*prior_adj.mean)(r, k) += static_cast<S>(g * (-dm * inv_pv));
            (*prior_adj.var)(r, k) += static_cast<S>(g * 0.5 * inv_pv * (1 - (v_at(t) + dm * dm) * inv_pv));
          }
          M *= at;
          V *= at * at;
        }
        add(t, g_mean, g_var);
        if (markov) coef_adj(r, k) += static_cast<S>(g * g_coef);
      }
      if (learned && form == KlForm::transition_markov) {
        (*prior_adj.alpha)(0, k) += static_cast<S>(g * alpha_adj);
        (*prior_adj.var)(0, k) += static_cast<S>(g * beta2_adj);
      }
    }
  }
}

template void kl_divergence_backward<float>(const KlInput<float>&, float, KlAdjoints<float>);
template void kl_divergence_backward<double>(const KlInput<double>&, double, KlAdjoints<double>);

}  // namespace seqvi::model
