// Draws from the prior (include/seqvi/model/prior_sample.hpp).
#include "seqvi/model/prior_sample.hpp"

#include "prior_markov.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace seqvi::model {
namespace {

std::string shape(Index rows, Index cols) { return std::to_string(rows) + "×" + std::to_string(cols); }

}  // namespace

template <class S>
void prior_step(Prior prior, const LearnedPrior<S>& learned, const Eigen::Ref<const Mat<S>>& z_prev,
                const Eigen::Ref<const Mat<S>>& w, Eigen::Ref<Mat<S>> z) {
  (void)to_string(prior);  // throws on an invalid enum value
  if (z.rows() != w.rows() || z.cols() != w.cols() ||
      (z_prev.rows() != 0 && (z_prev.rows() != w.rows() || z_prev.cols() != w.cols())))
    throw std::invalid_argument("prior_step: w is " + shape(w.rows(), w.cols()) + ", z " + shape(z.rows(), z.cols()) +
                                ", z_prev " + shape(z_prev.rows(), z_prev.cols()) +
                                "; z and z_prev (unless empty) must be shaped like w");
  detail::check_learned_prior<S>("prior_step", prior, learned, nullptr, w.rows(), w.cols());
  const detail::PriorOf<S> p = detail::prior_of<S>(prior, learned);
  const bool first = z_prev.rows() == 0;
  for (Index r = 0; r < w.rows(); ++r)
    for (Index k = 0; k < w.cols(); ++k) {
      // α z_{t−1} + μ_t + √σ²_t w_t; for the fixed priors this is z_{t−1} + w_t or w_t exactly.
      // (In S, so that the fixed priors' float draws are the old ones bit for bit.)
      const S prev = first || !p.transition ? S(0) : static_cast<S>(p.alpha_k(k)) * z_prev(r, k);
      const S sd = p.fixed() ? S(1) : std::sqrt(static_cast<S>(p.var_at(r, k)));
      z(r, k) = prev + static_cast<S>(p.mean_at(r, k)) + sd * w(r, k);
    }
}

template <class S>
void prior_step(Prior prior, const Eigen::Ref<const Mat<S>>& z_prev, const Eigen::Ref<const Mat<S>>& w,
                Eigen::Ref<Mat<S>> z) {
  prior_step<S>(prior, LearnedPrior<S>{}, z_prev, w, z);
}

template <class S>
Mat<S> prior_sample(Prior prior, const LearnedPrior<S>& learned, const Eigen::Ref<const Mat<S>>& w, Index sequences) {
  if (sequences < 1 || w.rows() % sequences != 0)
    throw std::invalid_argument("prior_sample: noise has " + std::to_string(w.rows()) + " rows for " +
                                std::to_string(sequences) + " sequences; must be a multiple of the sequences (≥ 1)");
  if (prior == Prior::learned && learned.conditional())
    throw std::invalid_argument(
        "prior_sample: a learned conditional prior p(z_t | h_{t−1}) depends on the frames before t; "
        "draw it frame by frame with the model's step functions (Vosp::prior_step)");
  const Index B = sequences, T = w.rows() / B;
  Mat<S> z(w.rows(), w.cols());
  for (Index t = 0; t < T; ++t)
    prior_step<S>(prior, learned, z.middleRows(t > 0 ? (t - 1) * B : 0, t > 0 ? B : 0), w.middleRows(t * B, B),
                  z.middleRows(t * B, B));
  return z;
}

template <class S>
Mat<S> prior_sample(Prior prior, const Eigen::Ref<const Mat<S>>& w, Index sequences) {
  return prior_sample<S>(prior, LearnedPrior<S>{}, w, sequences);
}

template void prior_step<float>(Prior, const LearnedPrior<float>&, const Eigen::Ref<const Mat<float>>&,
                                const Eigen::Ref<const Mat<float>>&, Eigen::Ref<Mat<float>>);
template void prior_step<double>(Prior, const LearnedPrior<double>&, const Eigen::Ref<const Mat<double>>&,
                                 const Eigen::Ref<const Mat<double>>&, Eigen::Ref<Mat<double>>);
template void prior_step<float>(Prior, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                Eigen::Ref<Mat<float>>);
template void prior_step<double>(Prior, const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                 Eigen::Ref<Mat<double>>);
template Mat<float> prior_sample<float>(Prior, const LearnedPrior<float>&, const Eigen::Ref<const Mat<float>>&, Index);
template Mat<double> prior_sample<double>(Prior, const LearnedPrior<double>&, const Eigen::Ref<const Mat<double>>&,
                                          Index);
template Mat<float> prior_sample<float>(Prior, const Eigen::Ref<const Mat<float>>&, Index);
template Mat<double> prior_sample<double>(Prior, const Eigen::Ref<const Mat<double>>&, Index);

}  // namespace seqvi::model
