// Draws from the prior (include/seqvi/model/prior_sample.hpp).
#include "seqvi/model/prior_sample.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::model {
namespace {

std::string shape(Index rows, Index cols) { return std::to_string(rows) + "×" + std::to_string(cols); }

}  // namespace

template <class S>
void prior_step(Prior prior, const Eigen::Ref<const Mat<S>>& z_prev, const Eigen::Ref<const Mat<S>>& w,
                Eigen::Ref<Mat<S>> z) {
  (void)to_string(prior);  // throws on an invalid enum value
  if (z.rows() != w.rows() || z.cols() != w.cols() ||
      (z_prev.rows() != 0 && (z_prev.rows() != w.rows() || z_prev.cols() != w.cols())))
    throw std::invalid_argument("prior_step: w is " + shape(w.rows(), w.cols()) + ", z " +
                                shape(z.rows(), z.cols()) + ", z_prev " +
                                shape(z_prev.rows(), z_prev.cols()) +
                                "; z and z_prev (unless empty) must be shaped like w");
  if (prior == Prior::wiener && z_prev.rows() != 0)
    z = z_prev + w;
  else
    z = w;
}

template <class S>
Mat<S> prior_sample(Prior prior, const Eigen::Ref<const Mat<S>>& w, Index sequences) {
  if (sequences < 1 || w.rows() % sequences != 0)
    throw std::invalid_argument("prior_sample: noise has " + std::to_string(w.rows()) +
                                " rows for " + std::to_string(sequences) +
                                " sequences; must be a multiple of the sequences (≥ 1)");
  const Index B = sequences, T = w.rows() / B;
  Mat<S> z(w.rows(), w.cols());
  for (Index t = 0; t < T; ++t)
    prior_step<S>(prior, z.middleRows(t > 0 ? (t - 1) * B : 0, t > 0 ? B : 0),
                  w.middleRows(t * B, B), z.middleRows(t * B, B));
  return z;
}

template void prior_step<float>(Prior, const Eigen::Ref<const Mat<float>>&,
                                const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>);
template void prior_step<double>(Prior, const Eigen::Ref<const Mat<double>>&,
                                 const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>);
template Mat<float> prior_sample<float>(Prior, const Eigen::Ref<const Mat<float>>&, Index);
template Mat<double> prior_sample<double>(Prior, const Eigen::Ref<const Mat<double>>&, Index);

}  // namespace seqvi::model
