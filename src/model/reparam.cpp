// Values of the reparametrised posterior sample; the formulas are in
// include/seqvi/model/reparam.hpp.
#include "seqvi/model/reparam.hpp"

#include "chunk_checks.hpp"
#include "kl_form.hpp"

#include <cmath>

namespace seqvi::model {

namespace {

template <class S>
Mat<S> reparam_impl(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                    const Eigen::Ref<const Mat<S>>& coef, const Eigen::Ref<const Mat<S>>& noise,
                    const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  constexpr std::string_view fn = "reparam";
  detail::check_dims(fn, T, B);
  const Index K = mean.cols();
  detail::check_rows(fn, "mean", mean.rows(), K, T, B);
  detail::check_rows(fn, "var", var.rows(), var.cols(), T, B, K);
  detail::check_rows(fn, "noise", noise.rows(), noise.cols(), T, B, K);
  detail::check_mask<S>(fn, mask, T, B, /*pre_padded=*/true);
  detail::check_var<S>(fn, var, mask, /*allow_zero=*/true);
  detail::check_coef<S>(fn, posterior, coef, mask, T, B, K);

  Mat<S> z = Mat<S>::Zero(T * B, K);
  detail::reparam_rows<S>(posterior, mean, var, coef, noise, mask, T, B, z);
  return z;
}

}  // namespace

template <class S>
Mat<S> reparam(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
               const Eigen::Ref<const Mat<S>>& noise, const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  const Mat<S> none;
  return reparam_impl<S>(posterior, mean, var, none, noise, mask, T, B);
}

template <class S>
Mat<S> reparam(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
               const Eigen::Ref<const Mat<S>>& coef, const Eigen::Ref<const Mat<S>>& noise,
               const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  return reparam_impl<S>(posterior, mean, var, coef, noise, mask, T, B);
}

template Mat<float> reparam<float>(Posterior, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                   const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const ColVec<float>>&, Index,
                                   Index);
template Mat<double> reparam<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                     const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                     const Eigen::Ref<const ColVec<double>>&, Index, Index);
template Mat<float> reparam<float>(Posterior, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                   const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                   const Eigen::Ref<const ColVec<float>>&, Index, Index);
template Mat<double> reparam<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                     const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                     const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const ColVec<double>>&,
                                     Index, Index);

}  // namespace seqvi::model
