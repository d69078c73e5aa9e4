// Reverse passes of the FD moments (values in fd_moments.cpp). Every function adds (+=) into its
// adjoint outputs. The partial derivatives are derived in fd_moments.hpp.
#include "seqvi/model/fd_moments.hpp"

#include "fd_elementwise.hpp"
#include "fd_logistic_moments.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace seqvi::model {
namespace detail {
namespace {

// Partials of the sigmoid and tanh moments: one kernel, fd_logistic_moments.hpp.
template <class S>
void sigmoid_backward_run(const S* mu, const S* v, const S* g_mean, const S* g_var, S* mu_adj, S* v_adj, Index n) {
  logistic_moments_backward_run<S, false>(mu, v, g_mean, g_var, mu_adj, v_adj, n);
}

template <class S>
void tanh_backward_run(const S* mu, const S* v, const S* g_mean, const S* g_var, S* mu_adj, S* v_adj, Index n) {
  logistic_moments_backward_run<S, true>(mu, v, g_mean, g_var, mu_adj, v_adj, n);
}

// ∂E/∂μ, ∂E/∂v, ∂Var/∂μ, ∂Var/∂v of the rectifier at one element (fd_moments.hpp).
template <class S>
void rectifier_partials(S mu, S v, S& de_dmu, S& de_dv, S& dv_dmu, S& dv_dv) {
  de_dv = S(0);
  dv_dmu = S(0);
  if (v == S(0)) {  // limits v → 0⁺, except ∂E/∂v (+∞ at μ = 0), taken as 0
    de_dmu = mu > S(0) ? S(1) : (mu < S(0) ? S(0) : S(0.5));
    dv_dv = mu > S(0) ? S(1) : (mu < S(0) ? S(0) : S(0.5 - 0.5 / std::numbers::pi));
    return;
  }
  const S s = std::sqrt(v);
  const S z = mu / s;
  if (z > S(40)) {
    de_dmu = S(1);
    dv_dv = S(1);
    return;
  }
  if (z < S(-40)) {
    de_dmu = S(0);
    dv_dv = S(0);
    return;
  }
  // One erfc: the tail t = Φ(−|z|) directly, the other side as 1 − t (≥ ½, so no precision lost).
  const S tail = S(0.5) * std::erfc(std::abs(z) * S(std::numbers::sqrt2 / 2));
  const S cdf = z >= S(0) ? S(1) - tail : tail;
  const S ccdf = z >= S(0) ? tail : S(1) - tail;
  const S pdf = std::exp(S(-0.5) * z * z) * S(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
  const S e_over_s = z * cdf + pdf;  // E/s
  de_dmu = cdf;
  de_dv = pdf / (S(2) * s);
  const S r = z * z * cdf * ccdf + cdf + z * pdf * (ccdf - cdf) - pdf * pdf;  // Var/v
  if (r < S(0)) {                                                             // clamped
    dv_dv = S(0);
    return;
  }
  dv_dmu = S(2) * s * e_over_s * ccdf;
  dv_dv = cdf - pdf * e_over_s;
}

template <class S>
void rectifier_backward_run(const S* mu, const S* v, const S* g_mean, const S* g_var, S* mu_adj, S* v_adj, Index n) {
  for (Index i = 0; i < n; ++i) {
    S de_dmu, de_dv, dv_dmu, dv_dv;
    rectifier_partials(mu[i], v[i], de_dmu, de_dv, dv_dmu, dv_dv);
    mu_adj[i] += g_mean[i] * de_dmu + g_var[i] * dv_dmu;
    v_adj[i] += g_mean[i] * de_dv + g_var[i] * dv_dv;
  }
}

template <class S>
void identity_backward_run(const S*, const S*, const S* g_mean, const S* g_var, S* mu_adj, S* v_adj, Index n) {
  RunMap<S>(mu_adj, n) += ConstRunMap<S>(g_mean, n);
  RunMap<S>(v_adj, n) += ConstRunMap<S>(g_var, n);
}

template <class S>
void identity_value_backward_run(const S*, const S* g, S* mu_adj, Index n) {
  RunMap<S>(mu_adj, n) += ConstRunMap<S>(g, n);
}

template <class S>
void sigmoid_value_backward_run(const S* mu, const S* g, S* mu_adj, Index n) {
  const Run<S> e = (-ConstRunMap<S>(mu, n).abs()).exp();
  RunMap<S>(mu_adj, n) += ConstRunMap<S>(g, n) * e * (S(1) + e).inverse().square();
}

template <class S>
void tanh_value_backward_run(const S* mu, const S* g, S* mu_adj, Index n) {
  const Run<S> e = (S(-2) * ConstRunMap<S>(mu, n).abs()).exp();
  RunMap<S>(mu_adj, n) += S(4) * ConstRunMap<S>(g, n) * e * (S(1) + e).inverse().square();
}

template <class S>
void rectifier_value_backward_run(const S* mu, const S* g, S* mu_adj, Index n) {
  const ConstRunMap<S> m(mu, n);
  const ConstRunMap<S> gm(g, n);
  RunMap<S>(mu_adj, n) += (m > S(0)).select(gm, (m < S(0)).select(S(0), S(0.5) * gm));
}

}  // namespace

template <class S>
void fd_scale_inputs_backward(const Eigen::Ref<const RowVec<S>>& keep, const Eigen::Ref<const Mat<S>>& x_mean,
                              const Eigen::Ref<const Mat<S>>& x_var, const Eigen::Ref<const Mat<S>>& x_mean_adj,
                              const Eigen::Ref<const Mat<S>>& x_var_adj, Mat<S>* m_adj, Mat<S>* v_adj,
                              RowVec<S>* keep_sum) {
  const bool has_var = x_var.size() != 0;
  for (Index r = 0; r < x_mean.rows(); ++r) {
    if (m_adj != nullptr)
      m_adj->row(r).array() += x_mean_adj.row(r).array() * keep.array() +
                               S(2) * x_var_adj.row(r).array() * (S(1) - keep.array()) * x_mean.row(r).array();
    if (v_adj != nullptr) v_adj->row(r).array() += x_var_adj.row(r).array() * keep.array();
    if (keep_sum == nullptr) continue;
    if (has_var)
      keep_sum->array() += x_mean_adj.row(r).array() * x_mean.row(r).array() +
                           x_var_adj.row(r).array() * (x_var.row(r).array() - x_mean.row(r).array().square());
    else
      keep_sum->array() +=
          x_mean_adj.row(r).array() * x_mean.row(r).array() - x_var_adj.row(r).array() * x_mean.row(r).array().square();
  }
}

template <class S>
void transfer_backward_of_sum(Transfer f, const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& v,
                              const S* valid, const Eigen::Ref<const Mat<S>>& mean_adj,
                              const Eigen::Ref<const Mat<S>>& mean_carry, const Eigen::Ref<const Mat<S>>& var_adj,
                              const Eigen::Ref<const Mat<S>>& var_carry, Eigen::Ref<Mat<S>> mu_adj,
                              Eigen::Ref<Mat<S>> v_adj) {
  const bool values = v.size() == 0;
  require_same_shape(mean_adj, mu, "mean_adj", "mu");
  require_same_shape(mu_adj, mu, "mu_adj", "mu");
  if (mean_carry.size() != 0) require_same_shape(mean_carry, mu, "mean_carry", "mu");
  if (!values) {
    require_same_shape(v, mu, "v", "mu");
    require_same_shape(v_adj, mu, "v_adj", "mu");
    if (var_adj.size() != 0) require_same_shape(var_adj, mu, "var_adj", "mu");
    if (var_carry.size() != 0) require_same_shape(var_carry, mu, "var_carry", "mu");
  }
  // g = adj + carry over the run (an empty term is 0).
  auto sum_run = [](const Eigen::Ref<const Mat<S>>& adj, const Eigen::Ref<const Mat<S>>& carry, Index r, Index c,
                    Index n, Run<S>& g) {
    if (adj.size() == 0 && carry.size() == 0)
      g.setZero(n);
    else if (carry.size() == 0)
      g = ConstRunMap<S>(at(adj, r, c), n);
    else if (adj.size() == 0)
      g = ConstRunMap<S>(at(carry, r, c), n);
    else
      g = ConstRunMap<S>(at(adj, r, c), n) + ConstRunMap<S>(at(carry, r, c), n);
  };
  auto apply_moments = [&](auto kernel) {
    for_each_run(mu.rows(), mu.cols(), [&](Index r, Index c, Index n) {
      if (valid != nullptr && valid[r] == S(0)) return;
      Run<S> g_mean, g_var;
      sum_run(mean_adj, mean_carry, r, c, n, g_mean);
      sum_run(var_adj, var_carry, r, c, n, g_var);
      kernel(at(mu, r, c), at(v, r, c), g_mean.data(), g_var.data(), at(mu_adj, r, c), at(v_adj, r, c), n);
    });
  };
  auto apply_values = [&](auto kernel) {
    for_each_run(mu.rows(), mu.cols(), [&](Index r, Index c, Index n) {
      if (valid != nullptr && valid[r] == S(0)) return;
      Run<S> g_mean;
      sum_run(mean_adj, mean_carry, r, c, n, g_mean);
      kernel(at(mu, r, c), g_mean.data(), at(mu_adj, r, c), n);
    });
  };
  switch (f) {
    case Transfer::identity:
      return values ? apply_values(identity_value_backward_run<S>) : apply_moments(identity_backward_run<S>);
    case Transfer::sigmoid:
      return values ? apply_values(sigmoid_value_backward_run<S>) : apply_moments(sigmoid_backward_run<S>);
    case Transfer::tanh:
      return values ? apply_values(tanh_value_backward_run<S>) : apply_moments(tanh_backward_run<S>);
    case Transfer::rectifier:
      return values ? apply_values(rectifier_value_backward_run<S>) : apply_moments(rectifier_backward_run<S>);
  }
}

}  // namespace detail

template <class S>
void transfer_moments_backward(Transfer f, const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& v,
                               const Eigen::Ref<const Mat<S>>& mean_adj, const Eigen::Ref<const Mat<S>>& var_adj,
                               Eigen::Ref<Mat<S>> mu_adj, Eigen::Ref<Mat<S>> v_adj) {
  using namespace detail;
  require_same_shape(v, mu, "v", "mu");
  require_same_shape(mean_adj, mu, "mean_adj", "mu");
  require_same_shape(var_adj, mu, "var_adj", "mu");
  require_same_shape(mu_adj, mu, "mu_adj", "mu");
  require_same_shape(v_adj, mu, "v_adj", "mu");
  auto apply = [&](auto kernel) {
    for_each_run(mu.rows(), mu.cols(), [&](Index r, Index c, Index n) {
      kernel(at(mu, r, c), at(v, r, c), at(mean_adj, r, c), at(var_adj, r, c), at(mu_adj, r, c), at(v_adj, r, c), n);
    });
  };
  switch (f) {
    case Transfer::identity:
      apply(identity_backward_run<S>);
      return;
    case Transfer::sigmoid:
      apply(sigmoid_backward_run<S>);
      return;
    case Transfer::tanh:
      apply(tanh_backward_run<S>);
      return;
    case Transfer::rectifier:
      apply(rectifier_backward_run<S>);
      return;
  }
}

template <class S>
void transfer_values_backward(Transfer f, const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& out_adj,
                              Eigen::Ref<Mat<S>> mu_adj) {
  using namespace detail;
  require_same_shape(out_adj, mu, "out_adj", "mu");
  require_same_shape(mu_adj, mu, "mu_adj", "mu");
  auto apply = [&](auto kernel) {
    for_each_run(mu.rows(), mu.cols(),
                 [&](Index r, Index c, Index n) { kernel(at(mu, r, c), at(out_adj, r, c), at(mu_adj, r, c), n); });
  };
  switch (f) {
    case Transfer::identity:
      apply(identity_value_backward_run<S>);
      return;
    case Transfer::sigmoid:
      apply(sigmoid_value_backward_run<S>);
      return;
    case Transfer::tanh:
      apply(tanh_value_backward_run<S>);
      return;
    case Transfer::rectifier:
      apply(rectifier_value_backward_run<S>);
      return;
  }
}

template <class S>
void sigmoid_mean_logit_backward(const Eigen::Ref<const Mat<S>>& mu, const Eigen::Ref<const Mat<S>>& v,
                                 const Eigen::Ref<const Mat<S>>& logit_adj, Eigen::Ref<Mat<S>> mu_adj,
                                 Eigen::Ref<Mat<S>> v_adj) {
  using namespace detail;
  require_same_shape(logit_adj, mu, "logit_adj", "mu");
  require_same_shape(mu_adj, mu, "mu_adj", "mu");
  if (v.size() == 0) {  // deterministic input: ℓ = μ
    mu_adj += logit_adj;
    return;
  }
  require_same_shape(v, mu, "v", "mu");
  require_same_shape(v_adj, mu, "v_adj", "mu");
  const S c = S(kProbit);
  for_each_run(mu.rows(), mu.cols(), [&](Index r, Index col, Index n) {
    const ConstRunMap<S> m(at(mu, r, col), n);
    const ConstRunMap<S> g(at(logit_adj, r, col), n);
    const Run<S> k = (S(1) + c * ConstRunMap<S>(at(v, r, col), n)).sqrt().inverse();
    RunMap<S>(at(mu_adj, r, col), n) += g * k;
    RunMap<S>(at(v_adj, r, col), n) += S(-0.5) * c * g * m * k.cube();
  });
}

template <class S>
void fd_affine_backward(const Eigen::Ref<const Mat<S>>& w, FdAffineCache<S>& cache, const Moments<S>& out_adj,
                        Eigen::Ref<Mat<S>> w_adj, Eigen::Ref<Mat<S>> b_adj, RowVec<S>* keep_adj, Moments<S>* in_adj) {
  using namespace detail;
  const Index rows = cache.in_mean.rows();
  const Index n_in = cache.in_mean.cols();
  const Index n_out = cache.w_sq.cols();
  if (out_adj.mean.rows() != rows || out_adj.mean.cols() != n_out)
    throw std::invalid_argument("out_adj.mean is " + std::to_string(out_adj.mean.rows()) + "×" +
                                std::to_string(out_adj.mean.cols()) + ", the output " + std::to_string(rows) + "×" +
                                std::to_string(n_out));
  if (out_adj.var.size() != 0) require_same_shape(out_adj.var, out_adj.mean, "out_adj.var", "out_adj.mean");
  require_same_shape(w, cache.w_sq, "w", "the forward weights");
  require_same_shape(w_adj, cache.w_sq, "w_adj", "w");
  if (b_adj.rows() != 1 || b_adj.cols() != n_out)
    throw std::invalid_argument("b_adj is " + std::to_string(b_adj.rows()) + "×" + std::to_string(b_adj.cols()) +
                                ", must be 1×" + std::to_string(n_out));
  if (keep_adj != nullptr && keep_adj->cols() != n_in)
    throw std::invalid_argument("keep_adj has " + std::to_string(keep_adj->cols()) + " entries, the input " +
                                std::to_string(n_in) + " features");
  if (in_adj != nullptr) {
    require_same_shape(in_adj->mean, cache.in_mean, "in_adj.mean", "the input");
    if (in_adj->var.size() != 0) require_same_shape(in_adj->var, cache.in_mean, "in_adj.var", "the input");
  }
  // The variance path exists unless the forward ran in deterministic mode (no ṽ) or the caller
  // has no variance adjoint.
  const bool var_path = cache.in_var.size() != 0 && out_adj.var.size() != 0;

  add_column_sums<S>(out_adj.mean, b_adj.row(0));
  gemm_add<S>(Op::transpose, cache.in_mean, Op::none, out_adj.mean, S(1), w_adj, cache.gemm);
  if (var_path) {
    cache.w_tmp.resize(n_in, n_out);
    cache.w_tmp.setZero();
    gemm_add<S>(Op::transpose, cache.in_var, Op::none, out_adj.var, S(1), cache.w_tmp, cache.gemm);
    w_adj.array() += S(2) * w.array() * cache.w_tmp.array();
  }
  if (in_adj == nullptr && keep_adj == nullptr) return;

  cache.in_mean_adj.resize(rows, n_in);
  cache.in_mean_adj.setZero();
  gemm_add<S>(Op::none, out_adj.mean, Op::transpose, w, S(1), cache.in_mean_adj, cache.gemm);
  cache.in_var_adj.resize(rows, n_in);
  cache.in_var_adj.setZero();
  if (var_path) gemm_add<S>(Op::none, out_adj.var, Op::transpose, cache.w_sq, S(1), cache.in_var_adj, cache.gemm);
  cache.keep_sum.resize(n_in);
  cache.keep_sum.setZero();
  fd_scale_inputs_backward<S>(
      cache.keep, cache.in_mean, cache.in_var, cache.in_mean_adj, cache.in_var_adj,
      in_adj != nullptr ? &in_adj->mean : nullptr,
      in_adj != nullptr && in_adj->var.size() != 0 && cache.in_var.size() != 0 ? &in_adj->var : nullptr,
      keep_adj != nullptr ? &cache.keep_sum : nullptr);
  if (keep_adj != nullptr) keep_adj->array() += cache.keep_sum.array() / cache.keep.array();
}

// ---- explicit instantiations -----------------------------------------------------------------

template void transfer_moments_backward<float>(Transfer, const Eigen::Ref<const Mat<float>>&,
                                               const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                               const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>,
                                               Eigen::Ref<Mat<float>>);
template void transfer_values_backward<float>(Transfer, const Eigen::Ref<const Mat<float>>&,
                                              const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>);
template void sigmoid_mean_logit_backward<float>(const Eigen::Ref<const Mat<float>>&,
                                                 const Eigen::Ref<const Mat<float>>&,
                                                 const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>,
                                                 Eigen::Ref<Mat<float>>);
template void fd_affine_backward<float>(const Eigen::Ref<const Mat<float>>&, FdAffineCache<float>&,
                                        const Moments<float>&, Eigen::Ref<Mat<float>>, Eigen::Ref<Mat<float>>,
                                        RowVec<float>*, Moments<float>*);
template void detail::transfer_backward_of_sum<float>(
    Transfer, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&, const float*,
    const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
    const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>, Eigen::Ref<Mat<float>>);
template void detail::fd_scale_inputs_backward<float>(
    const Eigen::Ref<const RowVec<float>>&, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
    const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&, Mat<float>*, Mat<float>*, RowVec<float>*);

template void transfer_moments_backward<double>(Transfer, const Eigen::Ref<const Mat<double>>&,
                                                const Eigen::Ref<const Mat<double>>&,
                                                const Eigen::Ref<const Mat<double>>&,
                                                const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>,
                                                Eigen::Ref<Mat<double>>);
template void transfer_values_backward<double>(Transfer, const Eigen::Ref<const Mat<double>>&,
                                               const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>);
template void sigmoid_mean_logit_backward<double>(const Eigen::Ref<const Mat<double>>&,
                                                  const Eigen::Ref<const Mat<double>>&,
                                                  const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>,
                                                  Eigen::Ref<Mat<double>>);
template void fd_affine_backward<double>(const Eigen::Ref<const Mat<double>>&, FdAffineCache<double>&,
                                         const Moments<double>&, Eigen::Ref<Mat<double>>, Eigen::Ref<Mat<double>>,
                                         RowVec<double>*, Moments<double>*);
template void detail::transfer_backward_of_sum<double>(
    Transfer, const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&, const double*,
    const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
    const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>, Eigen::Ref<Mat<double>>);
template void detail::fd_scale_inputs_backward<double>(const Eigen::Ref<const RowVec<double>>&,
                                                       const Eigen::Ref<const Mat<double>>&,
                                                       const Eigen::Ref<const Mat<double>>&,
                                                       const Eigen::Ref<const Mat<double>>&,
                                                       const Eigen::Ref<const Mat<double>>&, Mat<double>*, Mat<double>*,
                                                       RowVec<double>*);

}  // namespace seqvi::model
