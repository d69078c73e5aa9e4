// Internal: argument checks of bernoulli_nll and its backward (see bernoulli.hpp for the rules).
#ifndef SEQVI_SRC_MODEL_BERNOULLI_CHECKS_HPP
#define SEQVI_SRC_MODEL_BERNOULLI_CHECKS_HPP

#include "chunk_checks.hpp"

namespace seqvi::model::detail {

template <class S>
void check_bernoulli_arguments(std::string_view fn, const Eigen::Ref<const Mat<S>>& logits,
                               const Eigen::Ref<const Mat<S>>& targets, const Eigen::Ref<const ColVec<S>>& mask,
                               Index T, Index B) {
  check_dims(fn, T, B);
  check_rows(fn, "logits", logits.rows(), logits.cols(), T, B);
  check_rows(fn, "targets", targets.rows(), targets.cols(), T, B, logits.cols());
  check_mask<S>(fn, mask, T, B, /*pre_padded=*/false);
  for (Index r = 0; r < targets.rows(); ++r) {
    if (mask[r] == S(0)) continue;
    for (Index j = 0; j < targets.cols(); ++j) {
      const S x = targets(r, j);
      if (x < S(0) || x > S(1))
        fail(fn, "targets(" + std::to_string(r) + ", " + std::to_string(j) + ") is " +
                     describe_number(static_cast<double>(x)) + ", must be in [0, 1]");
    }
  }
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_SRC_MODEL_BERNOULLI_CHECKS_HPP
