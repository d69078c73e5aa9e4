// The model's element-wise functions, each computed one stable way everywhere it is used:
// σ(a) = 1/(1 + e^{−a}) and softplus(a) = ln(1 + e^{a}), both through e^{−|a|} so that nothing
// overflows and the saturated tails keep their relative precision.
#ifndef SEQVI_MODEL_DETAIL_ELEMENTWISE_HPP
#define SEQVI_MODEL_DETAIL_ELEMENTWISE_HPP

#include "seqvi/model/types.hpp"

#include <Eigen/Core>

#include <cmath>

namespace seqvi::model::detail {

/// σ(a), one value.
template <class S>
S sigmoid(S a) {
  const S e = std::exp(-std::abs(a));
  return a >= S(0) ? S(1) / (S(1) + e) : e / (S(1) + e);
}

/// out = σ(x), element-wise (out is resized; it may not alias x).
template <class S>
void sigmoid_into(const Eigen::Ref<const Mat<S>>& x, Mat<S>& out) {
  out.resize(x.rows(), x.cols());
  out.array() = (-x.array().abs()).exp();
  out.array() = (x.array() >= S(0)).select(S(1) / (S(1) + out.array()), out.array() / (S(1) + out.array()));
}

/// out = softplus(x) + floor, element-wise, as max(x, 0) + log1p(e^{−|x|}) + floor (out has x's shape
/// and may not alias it).
template <class S, class In, class Out>
void softplus_into(const Eigen::DenseBase<In>& x, Eigen::DenseBase<Out>& out, S floor) {
  out.derived().array() = x.derived().array().max(S(0)) + (-x.derived().array().abs()).exp().log1p() + floor;
}

/// x_adj = y_adj · σ(x), element-wise: the reverse pass of y = softplus(x) + floor (softplus′ = σ),
/// σ through e^{−|x|} as in sigmoid_into. x_adj has x's shape and may alias neither x nor y_adj.
template <class X, class YAdj, class XAdj>
void softplus_backward_into(const Eigen::DenseBase<X>& x, const Eigen::DenseBase<YAdj>& y_adj,
                            Eigen::DenseBase<XAdj>& x_adj) {
  using S = typename X::Scalar;
  auto e = x_adj.derived().array();
  e = (-x.derived().array().abs()).exp();
  e = y_adj.derived().array() * (x.derived().array() >= S(0)).select(S(1) / (S(1) + e), e / (S(1) + e));
}

/// x_adj = y_adj · y(1 − y), element-wise: the reverse pass of y = σ(x), from y itself. x_adj has
/// y's shape.
template <class Y, class YAdj, class XAdj>
void sigmoid_backward_into(const Eigen::DenseBase<Y>& y, const Eigen::DenseBase<YAdj>& y_adj,
                           Eigen::DenseBase<XAdj>& x_adj) {
  using S = typename Y::Scalar;
  x_adj.derived().array() = y_adj.derived().array() * y.derived().array() * (S(1) - y.derived().array());
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_MODEL_DETAIL_ELEMENTWISE_HPP
