// Hand-written gradient of kl_divergence; the partials are listed in include/seqvi/model/kl.hpp.
#include "seqvi/model/kl.hpp"

#include "kl_form.hpp"

#include <vector>

namespace seqvi::model {

template <class S>
void kl_divergence_backward(const LatentSpec& spec, const Eigen::Ref<const Mat<S>>& mean,
                            const Eigen::Ref<const Mat<S>>& var,
                            const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, S kl_adj,
                            Eigen::Ref<Mat<S>> mean_adj, Eigen::Ref<Mat<S>> var_adj) {
  constexpr std::string_view fn = "kl_divergence_backward";
  detail::check_kl_arguments<S>(fn, spec, mean, var, mask, T, B);
  const Index K = mean.cols();
  detail::check_rows(fn, "mean_adj", mean_adj.rows(), mean_adj.cols(), T, B, K);
  detail::check_rows(fn, "var_adj", var_adj.rows(), var_adj.cols(), T, B, K);

  using detail::KlForm;
  const KlForm form = detail::kl_form(spec);
  const double a = kl_adj;
  // normal + increments: c_t = Σ_{r≤t} μ_r of the current (b, k); one buffer per call.
  std::vector<double> cum(form == KlForm::normal_increments ? static_cast<std::size_t>(T) : 0);

  for (Index b = 0; b < B; ++b) {
    const Index t0 = detail::first_valid_frame<S>(mask, T, B, b);
    for (Index k = 0; k < K && t0 < T; ++k) {
      auto mu = [&](Index t) { return static_cast<double>(mean(t * B + b, k)); };
      auto v = [&](Index t) { return static_cast<double>(var(t * B + b, k)); };
      auto add = [&](Index t, double g_mean, double g_var) {
        mean_adj(t * B + b, k) += static_cast<S>(a * g_mean);
        var_adj(t * B + b, k) += static_cast<S>(a * g_var);
      };
      switch (form) {
        case KlForm::diagonal:
          // ½ Σ [v + μ² − 1 − ln v]
          for (Index t = t0; t < T; ++t) add(t, mu(t), 0.5 * (1 - 1 / v(t)));
          break;
        case KlForm::wiener_marginal:
        case KlForm::wiener_marginal_paper:
          // ½ Σ [Λ_tt v_t + (μ_t − μ_{t−1})² − 1 − ln v_t]  (or ln(v_t + v_{t−1}))
          for (Index t = t0; t < T; ++t) {
            const bool has_prev = t > t0, has_next = t < T - 1;
            const double mu_prev = has_prev ? mu(t - 1) : 0.0;
            double g_mean = mu(t) - mu_prev;
            if (has_next) g_mean -= mu(t + 1) - mu(t);
            const double lambda = has_next ? 2.0 : 1.0;
            double g_var;
            if (form == KlForm::wiener_marginal) {
              g_var = 0.5 * (lambda - 1 / v(t));
            } else {
              const double v_prev = has_prev ? v(t - 1) : 0.0;
              g_var = 0.5 * (lambda - 1 / (v(t) + v_prev));
              if (has_next) g_var -= 0.5 / (v(t + 1) + v(t));
            }
            add(t, g_mean, g_var);
          }
          break;
        case KlForm::normal_increments: {
          // ½ [Σ (T − t) v_t + Σ c_t² − n − Σ ln v_t], 0-based t; ∂/∂μ_r = Σ_{t≥r} c_t.
          double c = 0;
          for (Index t = t0; t < T; ++t) {
            c += mu(t);
            cum[static_cast<std::size_t>(t)] = c;
          }
          double tail = 0;
          for (Index t = T - 1; t >= t0; --t) {
            tail += cum[static_cast<std::size_t>(t)];
            add(t, tail, 0.5 * (static_cast<double>(T - t) - 1 / v(t)));
          }
          break;
        }
      }
    }
  }
}

template void kl_divergence_backward<float>(const LatentSpec&, const Eigen::Ref<const Mat<float>>&,
                                            const Eigen::Ref<const Mat<float>>&,
                                            const Eigen::Ref<const ColVec<float>>&, Index, Index,
                                            float, Eigen::Ref<Mat<float>>, Eigen::Ref<Mat<float>>);
template void kl_divergence_backward<double>(const LatentSpec&,
                                             const Eigen::Ref<const Mat<double>>&,
                                             const Eigen::Ref<const Mat<double>>&,
                                             const Eigen::Ref<const ColVec<double>>&, Index, Index,
                                             double, Eigen::Ref<Mat<double>>,
                                             Eigen::Ref<Mat<double>>);

}  // namespace seqvi::model
