#include "seqvi/model/fd_birnn.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {
namespace {

FdRnnSpec with_direction(FdRnnSpec spec, Direction direction) {
  spec.direction = direction;
  return spec;
}

// dst = src.middleCols(col, width) (dst resized); an empty src gives an empty dst.
template <class S>
void copy_cols(const Mat<S>& src, Index col, Index width, Mat<S>& dst) {
  if (src.size() == 0) {
    dst.resize(0, 0);
    return;
  }
  dst.resize(src.rows(), width);
  dst = src.middleCols(col, width);
}

}  // namespace

template <class S>
FdBiRnn<S>::FdBiRnn(ParamSet<S>& params, const std::string& prefix, const FdRnnSpec& spec)
    : fwd_(params, prefix + ".fwd", with_direction(spec, Direction::forward)),
      rev_(params, prefix + ".rev", with_direction(spec, Direction::reverse)) {}

template <class S>
void FdBiRnn<S>::forward(const ParamSet<S>& params, const Moments<S>& x, Index batch,
                         const Eigen::Ref<const ColVec<S>>& mask, FdBiRnnCache<S>& cache, Moments<S>& out) const {
  fwd_.forward(params, x, batch, mask, cache.fwd, cache.h_fwd);
  rev_.forward(params, x, batch, mask, cache.rev, cache.h_rev);
  const Index rows = x.mean.rows();
  const Index n_h = hidden();
  out.mean.resize(rows, 2 * n_h);
  out.mean.leftCols(n_h) = cache.h_fwd.mean;
  out.mean.rightCols(n_h) = cache.h_rev.mean;
  if (cache.h_fwd.var.size() == 0) {  // deterministic mode (both directions share the spec)
    out.var.resize(0, 0);
    return;
  }
  out.var.resize(rows, 2 * n_h);
  out.var.leftCols(n_h) = cache.h_fwd.var;
  out.var.rightCols(n_h) = cache.h_rev.var;
}

template <class S>
void FdBiRnn<S>::backward(const ParamSet<S>& params, FdBiRnnCache<S>& cache, const Moments<S>& out_adj,
                          ParamSet<S>& grad, Moments<S>* x_adj) const {
  const Index n_h = hidden();
  if (out_adj.mean.cols() != 2 * n_h || (out_adj.var.size() != 0 && out_adj.var.cols() != 2 * n_h))
    throw std::invalid_argument("FdBiRnn out_adj has " + std::to_string(out_adj.mean.cols()) +
                                " features, the output " + std::to_string(2 * n_h));
  copy_cols<S>(out_adj.mean, 0, n_h, cache.adj_fwd.mean);
  copy_cols<S>(out_adj.var, 0, n_h, cache.adj_fwd.var);
  copy_cols<S>(out_adj.mean, n_h, n_h, cache.adj_rev.mean);
  copy_cols<S>(out_adj.var, n_h, n_h, cache.adj_rev.var);
  fwd_.backward(params, cache.fwd, cache.adj_fwd, grad, x_adj);
  rev_.backward(params, cache.rev, cache.adj_rev, grad, x_adj);
}

template class FdBiRnn<float>;
template class FdBiRnn<double>;

}  // namespace seqvi::model
