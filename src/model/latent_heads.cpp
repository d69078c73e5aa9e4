// LatentHeads: forward and reverse pass of the posterior heads (formulas in
// include/seqvi/model/detail/latent_heads.hpp).
#include "seqvi/model/detail/latent_heads.hpp"
#include "seqvi/model/detail/elementwise.hpp"

#include "seqvi/model/kl.hpp"
#include "seqvi/model/reparam.hpp"

#include "latent_markov.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace seqvi::model::detail {

template <class S>
LatentHeads<S>::LatentHeads(ParamSet<S>& params, RoleTable& roles, const std::string& prefix, Index in, Index latent,
                            const KeepRateSpec& keep, VarianceHead head, Posterior posterior)
    : mean_head_(params, prefix + ".mean", in, latent, Transfer::identity, keep), head_(head), posterior_(posterior) {
  roles.dense(mean_head_, ParamRole::bias);
  if (head_ == VarianceHead::softplus) {
    var_w_ = params.add(prefix + ".var.W", in, latent);
    var_b_ = params.add(prefix + ".var.b", 1, latent);
    roles.set(var_w_, ParamRole::weight);
    roles.set(var_b_, ParamRole::bias);
  }
  if (posterior_ == Posterior::markov) {
    coef_w_ = params.add(prefix + ".coef.W", in, latent);
    coef_b_ = params.add(prefix + ".coef.b", 1, latent);
    roles.set(coef_w_, ParamRole::weight);
    roles.set(coef_b_, ParamRole::bias);
  }
}

using detail::sigmoid_backward_into;
using detail::sigmoid_into;
using detail::softplus_backward_into;

template <class S>
double LatentHeads<S>::forward(const ParamSet<S>& params, const Moments<S>& h, const LatentSpec& spec,
                               const Eigen::Ref<const Mat<S>>& eps, const Eigen::Ref<const ColVec<S>>& mask, Index T,
                               Index B, LatentHeadsCache<S>& cache, Eigen::Ref<Mat<S>> z, bool per_sequence,
                               const LearnedPrior<S>& prior) const {
  const Index rows = T * B;
  const Index K = latent();
  const Index in = mean_head_.in();
  if (eps.rows() != rows || eps.cols() != K)
    throw std::invalid_argument("eps is " + std::to_string(eps.rows()) + "×" + std::to_string(eps.cols()) +
                                ", must be (T·B)×K = " + std::to_string(rows) + "×" + std::to_string(K));
  if (h.mean.rows() != rows || h.mean.cols() != in)
    throw std::invalid_argument("LatentHeads: h is " + std::to_string(h.mean.rows()) + "×" +
                                std::to_string(h.mean.cols()) + ", must be " + std::to_string(rows) + "×" +
                                std::to_string(in));
  if ((spec.posterior == Posterior::markov) != (posterior_ == Posterior::markov))
    throw std::invalid_argument("LatentHeads: posterior is " + std::string(to_string(spec.posterior)) + ", must be " +
                                std::string(to_string(posterior_)) +
                                " (the posterior the heads were built for: only markov has a "
                                "coefficient head)");
  const bool markov = posterior_ == Posterior::markov;
  cache.frames = T;
  cache.batch = B;
  const S floor = S(kVarianceFloor);
  const Index blocks = markov ? 3 : 2;  // softplus head: [μ | a_s | a_pre]
  cache.var.resize(rows, K);
  if (head_ == VarianceHead::fd) {
    mean_head_.forward(params, h, cache.mean_head, cache.head);
    if (cache.head.var.size() == 0)  // deterministic head: no FD variance, only the floor
      cache.var.setConstant(floor);
    else
      cache.var.array() = cache.head.var.array() + floor;
    if (markov) {
      cache.coef_pre.resize(rows, K);
      cache.coef_pre.rowwise() = params[coef_b_].row(0);
      gemm_add<S>(Op::none, h.mean, Op::none, params[coef_w_], S(1), cache.coef_pre, cache.gemm);
      sigmoid_into<S>(cache.coef_pre, cache.coef);
    }
  } else {
    // [μ | a_s] = E[h] [diag(d) W_μ | W_s] + [b_μ | b_s]: one product for both heads.
    mean_head_.keep_rate().value(params, cache.keep);
    cache.w_cat.resize(in, blocks * K);
    cache.w_cat.leftCols(K).array() = params[mean_head_.w_index()].array().colwise() * cache.keep.transpose().array();
    cache.w_cat.middleCols(K, K) = params[var_w_];
    cache.b_cat.resize(blocks * K);
    cache.b_cat.head(K) = params[mean_head_.b_index()].row(0);
    cache.b_cat.segment(K, K) = params[var_b_].row(0);
    if (markov) {
      cache.w_cat.rightCols(K) = params[coef_w_];
      cache.b_cat.tail(K) = params[coef_b_].row(0);
    }
    cache.pre.resize(rows, blocks * K);
    cache.pre.rowwise() = cache.b_cat;
    gemm_add<S>(Op::none, h.mean, Op::none, cache.w_cat, S(1), cache.pre, cache.gemm);
    detail::softplus_into(cache.pre.middleCols(K, K), cache.var, floor);
    if (markov) sigmoid_into<S>(cache.pre.rightCols(K), cache.coef);
  }
  if (!markov) cache.coef.resize(0, 0);
  const Eigen::Ref<const Mat<S>> mu = mean(cache);
  reparam_into<S>(spec.posterior, mu, cache.var, cache.coef, eps, mask, T, B, z);
  if (markov) cache.z = z;
  return static_cast<double>(kl_divergence<S>(
      {.spec = spec, .mean = mu, .var = cache.var, .coef = cache.coef, .prior = prior, .mask = mask, .T = T, .B = B},
      {.per_sequence = per_sequence ? &cache.kl_seq : nullptr, .per_dim = &cache.kl_dim}));
}

template <class S>
Eigen::Ref<const Mat<S>> LatentHeads<S>::mean(const LatentHeadsCache<S>& cache) const {
  if (head_ == VarianceHead::fd) return Eigen::Ref<const Mat<S>>(cache.head.mean);
  return Eigen::Ref<const Mat<S>>(cache.pre.leftCols(latent()));
}

template <class S>
void LatentHeads<S>::backward(const ParamSet<S>& params, const Moments<S>& h, const LatentSpec& spec,
                              const Eigen::Ref<const Mat<S>>& eps, const Eigen::Ref<const ColVec<S>>& mask,
                              LatentHeadsCache<S>& cache, const Eigen::Ref<const Mat<S>>& z_adj, S kl_adj,
                              ParamSet<S>& grad, Moments<S>& h_adj, const LearnedPrior<S>& prior,
                              const LearnedPriorAdj<S>& prior_adj) const {
  const Index T = cache.frames;
  const Index B = cache.batch;
  const Index rows = T * B;
  const Index K = latent();
  const Eigen::Ref<const Mat<S>> mu = mean(cache);
  const bool markov = posterior_ == Posterior::markov;
  Mat<S>& z = markov ? cache.z : cache.none;
  if (markov) {
    cache.coef_adj.resize(rows, K);
    cache.coef_adj.setZero();
  } else {
    cache.coef_adj.resize(0, 0);
  }

  if (head_ == VarianceHead::fd) {
    // The FD variance's adjoint goes straight into head_adj.var (a sink when there is none).
    const bool fd_var = cache.head.var.size() != 0;
    cache.head_adj.mean.resize(rows, K);
    cache.head_adj.mean.setZero();
    Mat<S>& var_adj = fd_var ? cache.head_adj.var : cache.var_adj;
    if (!fd_var) cache.head_adj.var.resize(0, 0);
    var_adj.resize(rows, K);
    var_adj.setZero();
    reparam_backward<S>(spec.posterior, cache.var, cache.coef, z, eps, mask, T, B, z_adj, cache.head_adj.mean, var_adj,
                        cache.coef_adj);
    kl_divergence_backward<S>(
        {.spec = spec, .mean = mu, .var = cache.var, .coef = cache.coef, .prior = prior, .mask = mask, .T = T, .B = B},
        kl_adj, {.mean = cache.head_adj.mean, .var = var_adj, .coef = cache.coef_adj, .prior = prior_adj});
    mean_head_.backward(params, cache.mean_head, cache.head_adj, grad, &h_adj);
    if (markov) {
      // a_pre_adj = a_adj · a(1 − a); then the affine a_pre = E[h] W_a + b_a.
      cache.coef_pre_adj.resize(rows, K);
      sigmoid_backward_into(cache.coef, cache.coef_adj, cache.coef_pre_adj);
      cache.b_cat_adj.resize(K);
      cache.b_cat_adj.setZero();
      add_column_sums<S>(cache.coef_pre_adj, cache.b_cat_adj);
      grad[coef_b_].row(0) += cache.b_cat_adj;
      gemm_add<S>(Op::transpose, h.mean, Op::none, cache.coef_pre_adj, S(1), grad[coef_w_], cache.gemm);
      gemm_add<S>(Op::none, cache.coef_pre_adj, Op::transpose, params[coef_w_], S(1), h_adj.mean, cache.gemm);
    }
    return;
  }

  const Index in = mean_head_.in();
  const Index blocks = markov ? 3 : 2;
  cache.pre_adj.resize(rows, blocks * K);  // [μ_adj | a_s_adj | a_pre_adj]
  cache.pre_adj.setZero();
  cache.var_adj.resize(rows, K);
  cache.var_adj.setZero();
  reparam_backward<S>(spec.posterior, cache.var, cache.coef, z, eps, mask, T, B, z_adj, cache.pre_adj.leftCols(K),
                      cache.var_adj, cache.coef_adj);
  kl_divergence_backward<S>(
      {.spec = spec, .mean = mu, .var = cache.var, .coef = cache.coef, .prior = prior, .mask = mask, .T = T, .B = B},
      kl_adj, {.mean = cache.pre_adj.leftCols(K), .var = cache.var_adj, .coef = cache.coef_adj, .prior = prior_adj});
  // a_s_adj = s²_adj · σ(a_s) (s² = softplus(a_s) + floor)
  auto s_pre = cache.pre.middleCols(K, K);
  auto s_adj = cache.pre_adj.middleCols(K, K);
  softplus_backward_into(s_pre, cache.var_adj, s_adj);
  // a_pre_adj = a_adj · a(1 − a)
  if (markov) {
    auto a_pre_adj = cache.pre_adj.rightCols(K);
    sigmoid_backward_into(cache.coef, cache.coef_adj, a_pre_adj);
  }

  const std::size_t w_mu = mean_head_.w_index(), b_mu = mean_head_.b_index();
  cache.b_cat_adj.resize(blocks * K);
  cache.b_cat_adj.setZero();
  add_column_sums<S>(cache.pre_adj, cache.b_cat_adj);
  grad[b_mu].row(0) += cache.b_cat_adj.head(K);
  grad[var_b_].row(0) += cache.b_cat_adj.segment(K, K);
  if (markov) grad[coef_b_].row(0) += cache.b_cat_adj.tail(K);
  cache.w_cat_adj.resize(in, blocks * K);
  cache.w_cat_adj.setZero();
  gemm_add<S>(Op::transpose, h.mean, Op::none, cache.pre_adj, S(1), cache.w_cat_adj, cache.gemm);
  // G = E[h]ᵀ μ_adj: W_μ_adj = diag(d) G, ∂/∂d_i = Σ_k W_μ[i,k] G[i,k].
  grad[w_mu].array() += cache.w_cat_adj.leftCols(K).array().colwise() * cache.keep.transpose().array();
  grad[var_w_] += cache.w_cat_adj.middleCols(K, K);
  if (markov) grad[coef_w_] += cache.w_cat_adj.rightCols(K);
  if (mean_head_.keep_rate().learned()) {
    cache.keep_adj.resize(in);
    cache.keep_adj = (params[w_mu].array() * cache.w_cat_adj.leftCols(K).array()).rowwise().sum().transpose();
    mean_head_.keep_rate().backward(params, cache.keep_adj, grad);
  }
  gemm_add<S>(Op::none, cache.pre_adj, Op::transpose, cache.w_cat, S(1), h_adj.mean, cache.gemm);
}

template <class S>
void reparam_into(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                  const Eigen::Ref<const Mat<S>>& coef, const Eigen::Ref<const Mat<S>>& noise,
                  const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, Eigen::Ref<Mat<S>> z) {
  const Index K = mean.cols();
  const Index rows = T * B;
  if (mean.rows() != rows || var.rows() != rows || var.cols() != K || noise.rows() != rows || noise.cols() != K ||
      z.rows() != rows || z.cols() != K || mask.size() != rows)
    throw std::invalid_argument("reparam_into: mean, var, noise and z must be (T·B)×K = " + std::to_string(rows) + "×" +
                                std::to_string(K) + " and the mask T·B");
  if (posterior == Posterior::markov ? (coef.rows() != rows || coef.cols() != K) : coef.size() != 0)
    throw std::invalid_argument(
        "reparam_into: coef is " + std::to_string(coef.rows()) + "×" + std::to_string(coef.cols()) + ", must be " +
        (posterior == Posterior::markov ? "(T·B)×K = " + std::to_string(rows) + "×" + std::to_string(K)
                                        : std::string("empty (a is fixed)")));
  z.setZero();
  reparam_rows<S>(posterior, mean, var, coef, noise, mask, T, B, z);
}

template <class S>
void reparam_into(Posterior posterior, const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                  const Eigen::Ref<const Mat<S>>& noise, const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B,
                  Eigen::Ref<Mat<S>> z) {
  const Mat<S> none;
  reparam_into<S>(posterior, mean, var, none, noise, mask, T, B, z);
}

template class LatentHeads<float>;
template class LatentHeads<double>;
template void reparam_into<float>(Posterior, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                  const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const ColVec<float>>&, Index,
                                  Index, Eigen::Ref<Mat<float>>);
template void reparam_into<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                   const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                   const Eigen::Ref<const ColVec<double>>&, Index, Index, Eigen::Ref<Mat<double>>);
template void reparam_into<float>(Posterior, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                  const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                  const Eigen::Ref<const ColVec<float>>&, Index, Index, Eigen::Ref<Mat<float>>);
template void reparam_into<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                   const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                   const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const ColVec<double>>&, Index,
                                   Index, Eigen::Ref<Mat<double>>);

}  // namespace seqvi::model::detail
