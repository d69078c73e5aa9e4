#include "seqvi/model/detail/emission.hpp"

#include "seqvi/model/fd_moments.hpp"

namespace seqvi::model::detail {

template <class S>
void emission_logits(const Moments<S>& out, Mat<S>& logits) {
  logits.resize(out.mean.rows(), out.mean.cols());
  if (out.var.size() == 0) {
    logits = out.mean;
    return;
  }
  sigmoid_mean_logit<S>(out.mean, out.var, logits);
}

template <class S>
void emission_logits_backward(const Moments<S>& out, const Mat<S>& logits_adj, Moments<S>& out_adj) {
  out_adj.mean.resize(out.mean.rows(), out.mean.cols());
  if (out.var.size() == 0) {
    out_adj.mean = logits_adj;
    out_adj.var.resize(0, 0);
    return;
  }
  out_adj.mean.setZero();
  out_adj.var.resize(out.var.rows(), out.var.cols());
  out_adj.var.setZero();
  sigmoid_mean_logit_backward<S>(out.mean, out.var, logits_adj, out_adj.mean, out_adj.var);
}

template void emission_logits<float>(const Moments<float>&, Mat<float>&);
template void emission_logits<double>(const Moments<double>&, Mat<double>&);
template void emission_logits_backward<float>(const Moments<float>&, const Mat<float>&, Moments<float>&);
template void emission_logits_backward<double>(const Moments<double>&, const Mat<double>&, Moments<double>&);

}  // namespace seqvi::model::detail
