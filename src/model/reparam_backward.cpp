// Hand-written gradient of reparam; the adjoints are listed in include/seqvi/model/reparam.hpp.
#include "seqvi/model/reparam.hpp"

#include "chunk_checks.hpp"
#include "latent_markov.hpp"

#include <cmath>

namespace seqvi::model {

namespace {

template <class S>
void reparam_backward_impl(Posterior posterior, const Eigen::Ref<const Mat<S>>& var,
                           const Eigen::Ref<const Mat<S>>& coef, const Eigen::Ref<const Mat<S>>& z,
                           const Eigen::Ref<const Mat<S>>& noise, const Eigen::Ref<const ColVec<S>>& mask, Index T,
                           Index B, const Eigen::Ref<const Mat<S>>& z_adj, Eigen::Ref<Mat<S>> mean_adj,
                           Eigen::Ref<Mat<S>> var_adj, Eigen::Ref<Mat<S>>* coef_adj) {
  constexpr std::string_view fn = "reparam_backward";
  detail::check_dims(fn, T, B);
  const Index K = var.cols();
  detail::check_rows(fn, "var", var.rows(), K, T, B);
  detail::check_rows(fn, "noise", noise.rows(), noise.cols(), T, B, K);
  detail::check_rows(fn, "z_adj", z_adj.rows(), z_adj.cols(), T, B, K);
  detail::check_rows(fn, "mean_adj", mean_adj.rows(), mean_adj.cols(), T, B, K);
  detail::check_rows(fn, "var_adj", var_adj.rows(), var_adj.cols(), T, B, K);
  detail::check_mask<S>(fn, mask, T, B, /*pre_padded=*/true);
  detail::check_var<S>(fn, var, mask);
  detail::check_coef<S>(fn, posterior, coef, mask, T, B, K);
  const bool markov = posterior == Posterior::markov;
  if (markov) {
    if (coef_adj == nullptr) detail::fail(fn, "posterior is markov: pass coef, z and coef_adj");
    detail::check_rows(fn, "z", z.rows(), z.cols(), T, B, K);
    detail::check_rows(fn, "coef_adj", coef_adj->rows(), coef_adj->cols(), T, B, K);
  } else if (coef_adj != nullptr && coef_adj->size() != 0) {
    detail::fail(fn, "coef_adj is " + std::to_string(coef_adj->rows()) + "×" + std::to_string(coef_adj->cols()) +
                         ", must be empty for posterior " + std::string(to_string(posterior)));
  }

  const detail::Coef<S> a = detail::coef_of<S>(posterior, coef);
  for (Index b = 0; b < B; ++b) {
    const Index t0 = detail::first_valid_frame<S>(mask, T, B, b);
    for (Index k = 0; k < K; ++k) {
      // Z_t = ∂objective/∂z_t through all later frames: Z_t = z_adj_t + a_{t+1} Z_{t+1}.
      S carry = 0;  // a_{t+1} Z_{t+1}
      for (Index t = T - 1; t >= t0; --t) {
        const Index r = t * B + b;
        const S Z = z_adj(r, k) + carry;
        mean_adj(r, k) += Z;
        // ∂(s ε)/∂v = ε / (2 s)
        var_adj(r, k) += Z * noise(r, k) / (S(2) * std::sqrt(var(r, k)));
        if (markov && t > t0) (*coef_adj)(r, k) += Z * z(r - B, k);
        carry = a(r, k) * Z;
      }
    }
  }
}

}  // namespace

template <class S>
void reparam_backward(Posterior posterior, const Eigen::Ref<const Mat<S>>& var, const Eigen::Ref<const Mat<S>>& noise,
                      const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, const Eigen::Ref<const Mat<S>>& z_adj,
                      Eigen::Ref<Mat<S>> mean_adj, Eigen::Ref<Mat<S>> var_adj) {
  const Mat<S> none;
  reparam_backward_impl<S>(posterior, var, none, none, noise, mask, T, B, z_adj, mean_adj, var_adj, nullptr);
}

template <class S>
void reparam_backward(Posterior posterior, const Eigen::Ref<const Mat<S>>& var, const Eigen::Ref<const Mat<S>>& coef,
                      const Eigen::Ref<const Mat<S>>& z, const Eigen::Ref<const Mat<S>>& noise,
                      const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, const Eigen::Ref<const Mat<S>>& z_adj,
                      Eigen::Ref<Mat<S>> mean_adj, Eigen::Ref<Mat<S>> var_adj, Eigen::Ref<Mat<S>> coef_adj) {
  reparam_backward_impl<S>(posterior, var, coef, z, noise, mask, T, B, z_adj, mean_adj, var_adj, &coef_adj);
}

template void reparam_backward<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                      const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const ColVec<float>>&,
                                      Index, Index, const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>,
                                      Eigen::Ref<Mat<float>>);
template void reparam_backward<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                       const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const ColVec<double>>&,
                                       Index, Index, const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>,
                                       Eigen::Ref<Mat<double>>);
template void reparam_backward<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                      const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                      const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const ColVec<float>>&,
                                      Index, Index, const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>,
                                      Eigen::Ref<Mat<float>>, Eigen::Ref<Mat<float>>);
template void reparam_backward<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                       const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                       const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const ColVec<double>>&,
                                       Index, Index, const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>,
                                       Eigen::Ref<Mat<double>>, Eigen::Ref<Mat<double>>);

}  // namespace seqvi::model
