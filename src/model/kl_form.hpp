// Internal: the closed form of KL(q ‖ p) a LatentSpec reduces to (kl.hpp), shared by kl.cpp and
// kl_backward.cpp, and their argument checks.
#ifndef SEQVI_SRC_MODEL_KL_FORM_HPP
#define SEQVI_SRC_MODEL_KL_FORM_HPP

#include "seqvi/model/kl.hpp"
#include "seqvi/model/latent.hpp"
#include "seqvi/model/learned_prior.hpp"
#include "seqvi/model/types.hpp"

#include "chunk_checks.hpp"
#include "latent_markov.hpp"
#include "prior_markov.hpp"

#include <string_view>

namespace seqvi::model::detail {

enum class KlForm {
  /// p(z_t | z_{t−1}) = N(α z_{t−1}, β²) (wiener: α = β² = 1; the learned transition), with
  /// d_t = (a_t − α) m_{t−1} + μ_t:
  /// ½ Σ_t [(σ²_t + [t < n](a_{t+1} − α)² v_t + d_t²)/β² − 1 − ln σ²_t + ln β²]
  transition_markov,
  /// p(z_t | past) = N(μ_p,t, σ²_p,t) (normal: 0, 1; the learned conditional prior):
  /// ½ Σ_t [(v_t + (m_t − μ_p,t)²)/σ²_p,t − 1 − ln σ²_t + ln σ²_p,t]
  conditional_markov,
  /// wiener + marginal with ln(v_t + v_{t−1}) for ln v_t, Λ_tt v_t for the variance term
  wiener_marginal_paper,
};

/// The form of a validated spec with its (checked) learned prior. Every exact spec is a Markov
/// form: increments and marginal are the cases a ≡ 1 and a ≡ 0 (latent.hpp, fixed_coef).
template <class S>
KlForm kl_form(const LatentSpec& spec, const PriorOf<S>& prior) {
  if (spec.kl == KlMode::paper_diagonal) return KlForm::wiener_marginal_paper;
  return prior.transition ? KlForm::transition_markov : KlForm::conditional_markov;
}

/// The argument checks of kl_divergence and its backward (see kl.hpp for the rules).
template <class S>
void check_kl_arguments(std::string_view fn, const KlInput<S>& in) {
  const LatentSpec& spec = in.spec;
  const Index T = in.T, B = in.B, K = in.mean.cols();
  validate(spec);
  check_dims(fn, T, B);
  check_rows(fn, "mean", in.mean.rows(), K, T, B);
  check_rows(fn, "var", in.var.rows(), in.var.cols(), T, B, K);
  check_mask<S>(fn, in.mask, T, B, /*pre_padded=*/true);
  check_var<S>(fn, in.var, in.mask);
  check_coef<S>(fn, spec.posterior, in.coef, in.mask, T, B, K);
  check_learned_prior<S>(fn, spec.prior, in.prior, &in.mask, T * B, K);
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_SRC_MODEL_KL_FORM_HPP
