// Values of the FD moments (the reverse passes are in fd_moments_backward.cpp).
#include "seqvi/model/fd_moments.hpp"

#include "fd_elementwise.hpp"
#include "fd_logistic_moments.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace seqvi::model {

// ---- Transfer names --------------------------------------------------------------------------

std::string_view to_string(Transfer f) {
  switch (f) {
    case Transfer::identity:
      return "identity";
    case Transfer::sigmoid:
      return "sigmoid";
    case Transfer::tanh:
      return "tanh";
    case Transfer::rectifier:
      return "rectifier";
  }
  throw std::invalid_argument("transfer has the invalid value " + std::to_string(static_cast<int>(f)));
}

Transfer parse_transfer(std::string_view name) {
  for (Transfer f : {Transfer::identity, Transfer::sigmoid, Transfer::tanh, Transfer::rectifier})
    if (name == to_string(f)) return f;
  throw std::invalid_argument("transfer is '" + std::string(name) +
                              "', must be one of identity, sigmoid, tanh, rectifier");
}

namespace detail {
namespace {

// Sigmoid and tanh moments: one kernel, fd_logistic_moments.hpp.
template <class S>
void sigmoid_run(const S* mu, const S* v, S* mean, S* var, Index n) {
  logistic_moments_run<S, false>(mu, v, mean, var, n);
}

template <class S>
void tanh_run(const S* mu, const S* v, S* mean, S* var, Index n) {
  logistic_moments_run<S, true>(mu, v, mean, var, n);
}

template <class S>
void rectifier_run(const S* mu, const S* v, S* mean, S* var, Index n) {
  for (Index i = 0; i < n; ++i) rectifier_moments(mu[i], v[i], mean[i], var[i]);
}

template <class S>
void identity_run(const S* mu, const S* v, S* mean, S* var, Index n) {
  RunMap<S>(mean, n) = ConstRunMap<S>(mu, n);
  RunMap<S>(var, n) = ConstRunMap<S>(v, n);
}

template <class S>
void identity_value_run(const S* mu, S* out, Index n) {
  RunMap<S>(out, n) = ConstRunMap<S>(mu, n);
}

template <class S>
void sigmoid_value_run(const S* mu, S* out, Index n) {
  const ConstRunMap<S> m(mu, n);
  const Run<S> e = (-m.abs()).exp();
  const Run<S> p = (S(1) + e).inverse();
  RunMap<S>(out, n) = (m >= S(0)).select(p, e * p);
}

template <class S>
void tanh_value_run(const S* mu, S* out, Index n) {
  RunMap<S>(out, n) = ConstRunMap<S>(mu, n).tanh();
}

template <class S>
void rectifier_value_run(const S* mu, S* out, Index n) {
  const ConstRunMap<S> m(mu, n);
  RunMap<S>(out, n) = (m < S(0)).select(S(0), m);  // keeps NaN
}

}  // namespace

template <class S>
void rectifier_moments(S mu, S v, S& mean, S& var) {
  if (v == S(0)) {
    mean = mu < S(0) ? S(0) : mu;  // keeps NaN
    var = std::isnan(mu) ? mu : S(0);
    return;
  }
  const S s = std::sqrt(v);
  const S z = mu / s;
  // Beyond |z| = 40, Φ(−|z|) < 1e−349: the moments are their limits to working precision (and z²
  // below could overflow).
  if (z > S(40)) {
    mean = mu;
    var = v;
    return;
  }
  if (z < S(-40)) {
    mean = S(0);
    var = S(0);
    return;
  }
  // One erfc: the tail t = Φ(−|z|) directly, the other side as 1 − t (≥ ½, so no precision lost).
  const S tail = S(0.5) * std::erfc(std::abs(z) * S(std::numbers::sqrt2 / 2));
  const S cdf = z >= S(0) ? S(1) - tail : tail;
  const S ccdf = z >= S(0) ? tail : S(1) - tail;
  const S pdf = std::exp(S(-0.5) * z * z) * S(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
  mean = s * (z * cdf + pdf);
  const S r = z * z * cdf * ccdf + cdf + z * pdf * (ccdf - cdf) - pdf * pdf;
  var = v * (r < S(0) ? S(0) : r);
}

template <class S>
void fd_scale_inputs(const Eigen::Ref<const Mat<S>>& m, const Eigen::Ref<const Mat<S>>& v,
                     const Eigen::Ref<const RowVec<S>>& keep, const S* valid, Eigen::Ref<Mat<S>> x_mean,
                     Eigen::Ref<Mat<S>> x_var) {
  const bool has_v = v.size() != 0;
  const bool want_var = x_var.size() != 0;
  for (Index r = 0; r < m.rows(); ++r) {
    if (valid != nullptr && valid[r] == S(0)) {
      x_mean.row(r).setZero();
      if (want_var) x_var.row(r).setZero();
      continue;
    }
    x_mean.row(r).array() = m.row(r).array() * keep.array();
    if (!want_var) continue;
    if (has_v)
      x_var.row(r).array() =
          v.row(r).array() * keep.array() + keep.array() * (S(1) - keep.array()) * m.row(r).array().square();
    else
      x_var.row(r).array() = keep.array() * (S(1) - keep.array()) * m.row(r).array().square();
  }
}

template <class S>
void add_column_sums(const Eigen::Ref<const Mat<S>>& a, Eigen::Ref<RowVec<S>> acc) {
  for (Index r = 0; r < a.rows(); ++r) acc += a.row(r);
}

}  // namespace detail

// ---- transfer moments ------------------------------------------------------------------------

template <class S>
void transfer_moments(Transfer f, const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& v,
                      Eigen::Ref<Mat<S>> mean, Eigen::Ref<Mat<S>> var) {
  using namespace detail;
  require_same_shape(v, mu, "v", "mu");
  require_same_shape(mean, mu, "mean", "mu");
  require_same_shape(var, mu, "var", "mu");
  auto apply = [&](auto kernel) {
    for_each_run(mu.rows(), mu.cols(), [&](Index r, Index c, Index n) {
      kernel(at(mu, r, c), at(v, r, c), at(mean, r, c), at(var, r, c), n);
    });
  };
  switch (f) {
    case Transfer::identity:
      apply(identity_run<S>);
      return;
    case Transfer::sigmoid:
      apply(sigmoid_run<S>);
      return;
    case Transfer::tanh:
      apply(tanh_run<S>);
      return;
    case Transfer::rectifier:
      apply(rectifier_run<S>);
      return;
  }
}

template <class S>
void transfer_values(Transfer f, const Eigen::Ref<const Mat<S>>& mu, Eigen::Ref<Mat<S>> out) {
  using namespace detail;
  require_same_shape(out, mu, "out", "mu");
  auto apply = [&](auto kernel) {
    for_each_run(mu.rows(), mu.cols(), [&](Index r, Index c, Index n) { kernel(at(mu, r, c), at(out, r, c), n); });
  };
  switch (f) {
    case Transfer::identity:
      apply(identity_value_run<S>);
      return;
    case Transfer::sigmoid:
      apply(sigmoid_value_run<S>);
      return;
    case Transfer::tanh:
      apply(tanh_value_run<S>);
      return;
    case Transfer::rectifier:
      apply(rectifier_value_run<S>);
      return;
  }
}

template <class S>
void sigmoid_mean_logit(const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& v,
                        Eigen::Ref<Mat<S>> logit) {
  using namespace detail;
  require_same_shape(logit, mu, "logit", "mu");
  if (v.size() == 0) {  // deterministic input: ℓ = μ
    logit = mu;
    return;
  }
  require_same_shape(v, mu, "v", "mu");
  const S c = S(kProbit);
  for (Index r = 0; r < mu.rows(); ++r)
    logit.row(r).array() = mu.row(r).array() * (S(1) + c * v.row(r).array()).sqrt().inverse();
}

// ---- FD affine -------------------------------------------------------------------------------

template <class S>
void fd_affine(const Moments<S>& in, const Eigen::Ref<const RowVec<S>>& keep, const Eigen::Ref<const Mat<S>>& w,
               const Eigen::Ref<const Mat<S>>& b, FdAffineCache<S>& cache, Moments<S>& out) {
  using namespace detail;
  const Index rows = in.mean.rows();
  const Index n_in = in.mean.cols();
  const Index n_out = w.cols();
  if (in.var.size() != 0) require_same_shape(in.var, in.mean, "in.var", "in.mean");
  if (keep.cols() != n_in)
    throw std::invalid_argument("keep has " + std::to_string(keep.cols()) + " entries, the input " +
                                std::to_string(n_in) + " features");
  if (w.rows() != n_in)
    throw std::invalid_argument("w has " + std::to_string(w.rows()) + " rows, the input " + std::to_string(n_in) +
                                " features");
  if (b.rows() != 1 || b.cols() != n_out)
    throw std::invalid_argument("b is " + std::to_string(b.rows()) + "×" + std::to_string(b.cols()) + ", must be 1×" +
                                std::to_string(n_out));

  cache.keep.resize(n_in);
  cache.keep = keep;
  cache.w_sq.resize(n_in, n_out);
  cache.w_sq.array() = w.array().square();
  // d ≡ 1 on a deterministic input: the dropped-out input has no variance at all.
  const bool deterministic = in.var.size() == 0 && (keep.array() == S(1)).all();
  cache.in_mean.resize(rows, n_in);
  cache.in_var.resize(deterministic ? 0 : rows, deterministic ? 0 : n_in);
  fd_scale_inputs<S>(in.mean, in.var, keep, nullptr, cache.in_mean, cache.in_var);

  out.mean.resize(rows, n_out);
  out.mean.rowwise() = b.row(0);
  gemm_add<S>(Op::none, cache.in_mean, Op::none, w, S(1), out.mean, cache.gemm);
  if (deterministic) {
    out.var.resize(0, 0);
    return;
  }
  out.var.resize(rows, n_out);
  out.var.setZero();
  gemm_add<S>(Op::none, cache.in_var, Op::none, cache.w_sq, S(1), out.var, cache.gemm);
}

// ---- explicit instantiations -----------------------------------------------------------------

template void transfer_moments<float>(Transfer, const Eigen::Ref<const Mat<float>>&,
                                      const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>,
                                      Eigen::Ref<Mat<float>>);
template void transfer_values<float>(Transfer, const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>);
template void sigmoid_mean_logit<float>(const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                        Eigen::Ref<Mat<float>>);
template void fd_affine<float>(const Moments<float>&, const Eigen::Ref<const RowVec<float>>&,
                               const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                               FdAffineCache<float>&, Moments<float>&);
template void detail::fd_scale_inputs<float>(const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                             const Eigen::Ref<const RowVec<float>>&, const float*,
                                             Eigen::Ref<Mat<float>>, Eigen::Ref<Mat<float>>);
template void detail::add_column_sums<float>(const Eigen::Ref<const Mat<float>>&, Eigen::Ref<RowVec<float>>);
template void detail::rectifier_moments<float>(float, float, float&, float&);

template void transfer_moments<double>(Transfer, const Eigen::Ref<const Mat<double>>&,
                                       const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>,
                                       Eigen::Ref<Mat<double>>);
template void transfer_values<double>(Transfer, const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>);
template void sigmoid_mean_logit<double>(const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                         Eigen::Ref<Mat<double>>);
template void fd_affine<double>(const Moments<double>&, const Eigen::Ref<const RowVec<double>>&,
                                const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                FdAffineCache<double>&, Moments<double>&);
template void detail::fd_scale_inputs<double>(const Eigen::Ref<const Mat<double>>&,
                                              const Eigen::Ref<const Mat<double>>&,
                                              const Eigen::Ref<const RowVec<double>>&, const double*,
                                              Eigen::Ref<Mat<double>>, Eigen::Ref<Mat<double>>);
template void detail::add_column_sums<double>(const Eigen::Ref<const Mat<double>>&, Eigen::Ref<RowVec<double>>);
template void detail::rectifier_moments<double>(double, double, double&, double&);

}  // namespace seqvi::model
