// Values of the Bernoulli negative log-likelihood; the formula is in
// include/seqvi/model/bernoulli.hpp.
#include "seqvi/model/bernoulli.hpp"

#include "bernoulli_checks.hpp"

#include <cmath>

namespace seqvi::model {

template <class S>
S bernoulli_nll(const Eigen::Ref<const Mat<S>>& logits, const Eigen::Ref<const Mat<S>>& targets,
                const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, ColVec<S>* per_sequence) {
  detail::check_bernoulli_arguments<S>("bernoulli_nll", logits, targets, mask, T, B);
  if (per_sequence != nullptr) {
    per_sequence->resize(B);
    per_sequence->setZero();
  }
  const Index D = logits.cols();
  double total = 0;
  for (Index b = 0; b < B; ++b) {
    double seq = 0;
    for (Index t = 0; t < T; ++t) {
      const Index r = t * B + b;
      if (mask[r] == S(0)) continue;
      for (Index j = 0; j < D; ++j) {
        const double a = logits(r, j);
        const double x = targets(r, j);
        // softplus(a) − x·a = a·([a > 0] − x) + log1p(exp(−|a|))
        seq += a * ((a > 0 ? 1.0 : 0.0) - x) + std::log1p(std::exp(-std::abs(a)));
      }
    }
    if (per_sequence != nullptr) (*per_sequence)[b] = static_cast<S>(seq);
    total += seq;
  }
  return static_cast<S>(total);
}

template float bernoulli_nll<float>(const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                    const Eigen::Ref<const ColVec<float>>&, Index, Index, ColVec<float>*);
template double bernoulli_nll<double>(const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                      const Eigen::Ref<const ColVec<double>>&, Index, Index, ColVec<double>*);

}  // namespace seqvi::model
