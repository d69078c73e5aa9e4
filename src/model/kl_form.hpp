// Internal: the closed form of KL(q ‖ p) a LatentSpec reduces to (kl.hpp), shared by kl.cpp and
// kl_backward.cpp, and their argument checks.
#ifndef SEQVI_SRC_MODEL_KL_FORM_HPP
#define SEQVI_SRC_MODEL_KL_FORM_HPP

#include "seqvi/model/latent.hpp"
#include "seqvi/model/types.hpp"

#include "chunk_checks.hpp"

#include <string_view>

namespace seqvi::model::detail {

enum class KlForm {
  diagonal,         ///< ½ Σ [v + μ² − 1 − ln v]: wiener + increments, normal + marginal
  wiener_marginal,  ///< ½ Σ [Λ_tt v_t + (μ_t − μ_{t−1})² − 1 − ln v_t]
  wiener_marginal_paper,  ///< as above with ln(v_t + v_{t−1})
  normal_increments,  ///< ½ [Σ (n − t + 1) v_t + Σ (Σ_{r≤t} μ_r)² − n − Σ ln v_t]
};

/// The form of a validated spec.
inline KlForm kl_form(const LatentSpec& spec) {
  if (spec.prior == Prior::wiener) {
    if (spec.posterior == Posterior::increments) return KlForm::diagonal;
    return spec.kl == KlMode::paper_diagonal ? KlForm::wiener_marginal_paper
                                             : KlForm::wiener_marginal;
  }
  return spec.posterior == Posterior::marginal ? KlForm::diagonal : KlForm::normal_increments;
}

/// The argument checks of kl_divergence and its backward (see kl.hpp for the rules).
template <class S>
void check_kl_arguments(std::string_view fn, const LatentSpec& spec,
                        const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                        const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B) {
  validate(spec);
  check_dims(fn, T, B);
  check_rows(fn, "mean", mean.rows(), mean.cols(), T, B);
  check_rows(fn, "var", var.rows(), var.cols(), T, B, mean.cols());
  check_mask<S>(fn, mask, T, B, /*pre_padded=*/true);
  check_var<S>(fn, var, mask);
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_SRC_MODEL_KL_FORM_HPP
