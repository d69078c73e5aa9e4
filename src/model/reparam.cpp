// Values of the reparametrised posterior sample; the formulas are in
// include/seqvi/model/reparam.hpp.
#include "seqvi/model/reparam.hpp"

#include "chunk_checks.hpp"

#include <cmath>

namespace seqvi::model {

template <class S>
Mat<S> reparam(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean,
               const Eigen::Ref<const Mat<S>>& var, const Eigen::Ref<const Mat<S>>& noise,
               const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  constexpr std::string_view fn = "reparam";
  detail::check_dims(fn, T, B);
  const Index K = mean.cols();
  detail::check_rows(fn, "mean", mean.rows(), K, T, B);
  detail::check_rows(fn, "var", var.rows(), var.cols(), T, B, K);
  detail::check_rows(fn, "noise", noise.rows(), noise.cols(), T, B, K);
  detail::check_mask<S>(fn, mask, T, B, /*pre_padded=*/true);
  detail::check_var<S>(fn, var, mask, /*allow_zero=*/true);

  Mat<S> z = Mat<S>::Zero(T * B, K);
  const bool running_sum = posterior == Posterior::increments;
  for (Index b = 0; b < B; ++b) {
    const Index t0 = detail::first_valid_frame<S>(mask, T, B, b);
    for (Index t = t0; t < T; ++t) {
      const Index r = t * B + b;
      for (Index k = 0; k < K; ++k) {
        const S step = mean(r, k) + std::sqrt(var(r, k)) * noise(r, k);
        z(r, k) = running_sum && t > t0 ? z(r - B, k) + step : step;
      }
    }
  }
  return z;
}

template Mat<float> reparam<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                   const Eigen::Ref<const Mat<float>>&,
                                   const Eigen::Ref<const Mat<float>>&,
                                   const Eigen::Ref<const ColVec<float>>&, Index, Index);
template Mat<double> reparam<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                     const Eigen::Ref<const Mat<double>>&,
                                     const Eigen::Ref<const Mat<double>>&,
                                     const Eigen::Ref<const ColVec<double>>&, Index, Index);

}  // namespace seqvi::model
