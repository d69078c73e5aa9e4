// LearnedPriorNet: forward and reverse pass of the learned prior's networks (formulas in
// include/seqvi/model/detail/learned_prior_net.hpp).
#include "seqvi/model/detail/learned_prior_net.hpp"
#include "seqvi/model/detail/elementwise.hpp"

#include "seqvi/model/detail/latent_heads.hpp"
#include "seqvi/model/fd_moments.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace seqvi::model::detail {

template <class S>
LearnedPriorNet<S> LearnedPriorNet<S>::conditional(ParamSet<S>& params, RoleTable& roles, Index in, Index latent) {
  if (in < 1 || latent < 1)
    throw std::invalid_argument("LearnedPriorNet: in is " + std::to_string(in) + " and latent " +
                                std::to_string(latent) + ", both must be >= 1");
  LearnedPriorNet net;
  net.kind_ = Kind::conditional;
  net.in_ = in;
  net.latent_ = latent;
  net.mean_w_ = params.add("prior.head.mean.W", in, latent);
  net.mean_b_ = params.add("prior.head.mean.b", 1, latent);
  net.var_w_ = params.add("prior.head.var.W", in, latent);
  net.var_b_ = params.add("prior.head.var.b", 1, latent);
  // σ²_p = softplus(b_v) + floor = 1 at W = 0: b_v = softplus⁻¹(1 − floor) = ln(e^{1 − floor} − 1).
  params[net.var_b_].setConstant(static_cast<S>(std::log(std::expm1(1.0 - kVarianceFloor))));
  for (std::size_t i : {net.mean_w_, net.mean_b_, net.var_w_, net.var_b_}) roles.set(i, ParamRole::preset);
  return net;
}

template <class S>
LearnedPriorNet<S> LearnedPriorNet<S>::transition(ParamSet<S>& params, RoleTable& roles, Index latent) {
  if (latent < 1)
    throw std::invalid_argument("LearnedPriorNet: latent is " + std::to_string(latent) + ", must be >= 1");
  LearnedPriorNet net;
  net.kind_ = Kind::transition;
  net.latent_ = latent;
  net.alpha_ = params.add("prior.alpha", 1, latent);
  net.log_beta2_ = params.add("prior.log_beta2", 1, latent);
  params[net.alpha_].setOnes();  // α = 1, β² = e⁰ = 1: the Wiener prior
  roles.set(net.alpha_, ParamRole::preset);
  roles.set(net.log_beta2_, ParamRole::preset);
  return net;
}

template <class S>
void LearnedPriorNet<S>::forward(const ParamSet<S>& params, const Eigen::Ref<const Mat<S>>& h_prev,
                                 LearnedPriorNetCache<S>& cache) const {
  if (kind_ == Kind::none) return;
  if (kind_ == Kind::transition) {
    cache.var.resize(1, latent_);
    cache.var.array() = params[log_beta2_].array().exp();
    return;
  }
  if (h_prev.cols() != in_)
    throw std::invalid_argument("LearnedPriorNet: h_prev has " + std::to_string(h_prev.cols()) +
                                " columns, must have " + std::to_string(in_));
  const Index rows = h_prev.rows();
  cache.mean.resize(rows, latent_);
  cache.mean.rowwise() = params[mean_b_].row(0);
  gemm_add<S>(Op::none, h_prev, Op::none, params[mean_w_], S(1), cache.mean, cache.gemm);
  cache.var_pre.resize(rows, latent_);
  cache.var_pre.rowwise() = params[var_b_].row(0);
  gemm_add<S>(Op::none, h_prev, Op::none, params[var_w_], S(1), cache.var_pre, cache.gemm);
  cache.var.resize(rows, latent_);
  detail::softplus_into(cache.var_pre, cache.var, S(kVarianceFloor));
}

template <class S>
LearnedPrior<S> LearnedPriorNet<S>::view(const ParamSet<S>& params, const LearnedPriorNetCache<S>& cache) const {
  switch (kind_) {
    case Kind::none:
      return {};
    case Kind::conditional:
      return LearnedPrior<S>::conditional_prior(cache.mean, cache.var);
    case Kind::transition:
      return LearnedPrior<S>::transition_prior(params[alpha_], cache.var);
  }
  return {};
}

template <class S>
LearnedPriorAdj<S> LearnedPriorNet<S>::zero_adjoints(const ParamSet<S>& params, LearnedPriorNetCache<S>& cache) const {
  switch (kind_) {
    case Kind::none:
      return {};
    case Kind::conditional:
      cache.mean_adj.setZero(cache.mean.rows(), latent_);
      cache.var_adj.setZero(cache.var.rows(), latent_);
      return {&cache.mean_adj, &cache.var_adj, nullptr};
    case Kind::transition:
      cache.var_adj.setZero(1, latent_);
      cache.alpha_adj.setZero(params[alpha_].rows(), latent_);
      return {nullptr, &cache.var_adj, &cache.alpha_adj};
  }
  return {};
}

template <class S>
void LearnedPriorNet<S>::backward(const ParamSet<S>& params, const Eigen::Ref<const Mat<S>>& h_prev,
                                  LearnedPriorNetCache<S>& cache, ParamSet<S>& grad,
                                  Eigen::Ref<Mat<S>>* h_prev_adj) const {
  if (kind_ == Kind::none) return;
  if (kind_ == Kind::transition) {
    grad[alpha_] += cache.alpha_adj;
    // β² = e^ℓ: ∂/∂ℓ = β² ∂/∂β²
    grad[log_beta2_].array() += cache.var_adj.array() * cache.var.array();
    return;
  }
  // a_v_adj = σ²_adj · σ(a_v) (σ²_p = softplus(a_v) + floor)
  cache.pre_adj.resize(cache.var_pre.rows(), latent_);
  detail::softplus_backward_into(cache.var_pre, cache.var_adj, cache.pre_adj);
  add_column_sums<S>(cache.mean_adj, grad[mean_b_].row(0));
  add_column_sums<S>(cache.pre_adj, grad[var_b_].row(0));
  gemm_add<S>(Op::transpose, h_prev, Op::none, cache.mean_adj, S(1), grad[mean_w_], cache.gemm);
  gemm_add<S>(Op::transpose, h_prev, Op::none, cache.pre_adj, S(1), grad[var_w_], cache.gemm);
  if (h_prev_adj != nullptr) {
    gemm_add<S>(Op::none, cache.mean_adj, Op::transpose, params[mean_w_], S(1), *h_prev_adj, cache.gemm);
    gemm_add<S>(Op::none, cache.pre_adj, Op::transpose, params[var_w_], S(1), *h_prev_adj, cache.gemm);
  }
}

template class LearnedPriorNet<float>;
template class LearnedPriorNet<double>;

}  // namespace seqvi::model::detail
