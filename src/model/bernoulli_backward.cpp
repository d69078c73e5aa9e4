// Hand-written gradient of bernoulli_nll: ∂/∂a = σ(a) − x (include/seqvi/model/bernoulli.hpp).
#include "seqvi/model/bernoulli.hpp"
#include "seqvi/model/detail/elementwise.hpp"

#include "bernoulli_checks.hpp"

#include <cmath>

namespace seqvi::model {

using detail::sigmoid;

template <class S>
void bernoulli_nll_backward(const Eigen::Ref<const Mat<S>>& logits, const Eigen::Ref<const Mat<S>>& targets,
                            const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, S nll_adj,
                            Eigen::Ref<Mat<S>> logits_adj) {
  constexpr std::string_view fn = "bernoulli_nll_backward";
  detail::check_bernoulli_arguments<S>(fn, logits, targets, mask, T, B);
  const Index D = logits.cols();
  detail::check_rows(fn, "logits_adj", logits_adj.rows(), logits_adj.cols(), T, B, D);
  for (Index r = 0; r < T * B; ++r) {
    if (mask[r] == S(0)) continue;
    for (Index j = 0; j < D; ++j) {
      const S a = logits(r, j);
      const S x = targets(r, j);
      // σ(a) − x = (1 − x)·σ(a) − x·σ(−a): no cancellation for x ∈ {0, 1}
      logits_adj(r, j) += nll_adj * ((S(1) - x) * sigmoid(a) - x * sigmoid(-a));
    }
  }
}

template void bernoulli_nll_backward<float>(const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                            const Eigen::Ref<const ColVec<float>>&, Index, Index, float,
                                            Eigen::Ref<Mat<float>>);
template void bernoulli_nll_backward<double>(const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                             const Eigen::Ref<const ColVec<double>>&, Index, Index, double,
                                             Eigen::Ref<Mat<double>>);

}  // namespace seqvi::model
