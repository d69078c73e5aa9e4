#include "seqvi/model/fd_dense.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {

template <class S>
FdDense<S>::FdDense(ParamSet<S>& params, const std::string& prefix, Index in, Index out, Transfer transfer,
                    const KeepRateSpec& keep)
    : in_(in), out_(out), transfer_(transfer) {
  if (in < 0 || out < 0)
    throw std::invalid_argument("FdDense '" + prefix + "' has sizes in " + std::to_string(in) + ", out " +
                                std::to_string(out) + "; they must be ≥ 0");
  w_ = params.add(prefix + ".W", in, out);
  b_ = params.add(prefix + ".b", 1, out);
  keep_ = KeepRate<S>(params, prefix, in, keep);
}

template <class S>
void FdDense<S>::forward(const ParamSet<S>& params, const Moments<S>& in, FdDenseCache<S>& cache,
                         Moments<S>& out) const {
  if (in.mean.cols() != in_)
    throw std::invalid_argument("FdDense input has " + std::to_string(in.mean.cols()) + " features, the layer " +
                                std::to_string(in_));
  keep_.value(params, cache.keep);
  fd_affine<S>(in, cache.keep, params[w_], params[b_], cache.affine, cache.pre);
  const Index rows = in.mean.rows();
  out.mean.resize(rows, out_);
  if (cache.pre.var.size() == 0) {
    out.var.resize(0, 0);
    transfer_values<S>(transfer_, cache.pre.mean, out.mean);
    return;
  }
  out.var.resize(rows, out_);
  transfer_moments<S>(transfer_, cache.pre.mean, cache.pre.var, out.mean, out.var);
}

template <class S>
void FdDense<S>::backward(const ParamSet<S>& params, FdDenseCache<S>& cache, const Moments<S>& out_adj,
                          ParamSet<S>& grad, Moments<S>* in_adj) const {
  const Index rows = cache.pre.mean.rows();
  if (out_adj.mean.rows() != rows || out_adj.mean.cols() != out_)
    throw std::invalid_argument("FdDense out_adj.mean is " + std::to_string(out_adj.mean.rows()) + "×" +
                                std::to_string(out_adj.mean.cols()) + ", the output " + std::to_string(rows) + "×" +
                                std::to_string(out_));
  cache.pre_adj.mean.resize(rows, out_);
  cache.pre_adj.mean.setZero();
  if (cache.pre.var.size() == 0) {  // deterministic mode
    cache.pre_adj.var.resize(0, 0);
    transfer_values_backward<S>(transfer_, cache.pre.mean, out_adj.mean, cache.pre_adj.mean);
  } else {
    cache.pre_adj.var.resize(rows, out_);
    cache.pre_adj.var.setZero();
    const Mat<S>* var_adj = &out_adj.var;
    if (out_adj.var.size() == 0) {
      cache.zero.resize(rows, out_);
      cache.zero.setZero();
      var_adj = &cache.zero;
    }
    transfer_moments_backward<S>(transfer_, cache.pre.mean, cache.pre.var, out_adj.mean, *var_adj, cache.pre_adj.mean,
                                 cache.pre_adj.var);
  }
  RowVec<S>* keep_adj = nullptr;
  if (keep_.learned()) {
    cache.keep_adj.resize(in_);
    cache.keep_adj.setZero();
    keep_adj = &cache.keep_adj;
  }
  fd_affine_backward<S>(params[w_], cache.affine, cache.pre_adj, grad[w_], grad[b_], keep_adj, in_adj);
  if (keep_adj != nullptr) keep_.backward(params, cache.keep_adj, grad);
}

template class FdDense<float>;
template class FdDense<double>;

}  // namespace seqvi::model
