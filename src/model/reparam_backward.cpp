// Hand-written gradient of reparam; the adjoints are listed in include/seqvi/model/reparam.hpp.
#include "seqvi/model/reparam.hpp"

#include "chunk_checks.hpp"

#include <cmath>

namespace seqvi::model {

template <class S>
void reparam_backward(Posterior posterior, const Eigen::Ref<const Mat<S>>& var,
                      const Eigen::Ref<const Mat<S>>& noise,
                      const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B,
                      const Eigen::Ref<const Mat<S>>& z_adj, Eigen::Ref<Mat<S>> mean_adj,
                      Eigen::Ref<Mat<S>> var_adj) {
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

  const bool running_sum = posterior == Posterior::increments;
  for (Index b = 0; b < B; ++b) {
    const Index t0 = detail::first_valid_frame<S>(mask, T, B, b);
    for (Index k = 0; k < K; ++k) {
      S d_adj = 0;  // Σ_{r ≥ t} z_adj_r for increments, z_adj_t for marginal
      for (Index t = T - 1; t >= t0; --t) {
        const Index r = t * B + b;
        d_adj = running_sum ? d_adj + z_adj(r, k) : z_adj(r, k);
        mean_adj(r, k) += d_adj;
        // ∂(s ε)/∂v = ε / (2 s)
        var_adj(r, k) += d_adj * noise(r, k) / (S(2) * std::sqrt(var(r, k)));
      }
    }
  }
}

template void reparam_backward<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                      const Eigen::Ref<const Mat<float>>&,
                                      const Eigen::Ref<const ColVec<float>>&, Index, Index,
                                      const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>,
                                      Eigen::Ref<Mat<float>>);
template void reparam_backward<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                       const Eigen::Ref<const Mat<double>>&,
                                       const Eigen::Ref<const ColVec<double>>&, Index, Index,
                                       const Eigen::Ref<const Mat<double>>&,
                                       Eigen::Ref<Mat<double>>, Eigen::Ref<Mat<double>>);

}  // namespace seqvi::model
