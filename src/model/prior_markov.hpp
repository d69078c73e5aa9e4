// Internal: every prior of latent.hpp as one Gauss–Markov form, shared by kl.cpp, kl_backward.cpp,
// latent_density.cpp and prior_sample.cpp, so that the fixed priors and the learned ones
// (learned_prior.hpp) run through the same code:
//   transition:   p(z_t | z_{t−1}) = N(α z_{t−1}, β²)      wiener: α = β² = 1; learned (VRAE): α_k, β²_k
//   conditional:  p(z_t | past)    = N(μ_p,t, σ²_p,t)       normal: μ_p = 0, σ²_p = 1; learned (VOSP)
// The fixed cases read constants, so their arithmetic is the old forms' bit for bit (x/1, x − 0,
// x + ln 1 are exact).
#ifndef SEQVI_SRC_MODEL_PRIOR_MARKOV_HPP
#define SEQVI_SRC_MODEL_PRIOR_MARKOV_HPP

#include "seqvi/model/latent.hpp"
#include "seqvi/model/learned_prior.hpp"
#include "seqvi/model/types.hpp"

#include "chunk_checks.hpp"

#include <cmath>
#include <string>
#include <string_view>
#include <utility>

namespace seqvi::model::detail {

/// The prior's parameters at row r, dim k (constants for the fixed priors).
template <class S>
struct PriorOf {
  bool transition = true;         ///< transition form (wiener, learned transition), else conditional
  const Mat<S>* alpha = nullptr;  ///< transition: 1 × K, null = α ≡ 1 (wiener)
  const Mat<S>* mean = nullptr;   ///< conditional: rows × K, null = μ_p ≡ 0 (normal)
  const Mat<S>* var = nullptr;    ///< 1 × K (transition) or rows × K (conditional); null = 1

  bool fixed() const { return var == nullptr; }
  double alpha_k(Index k) const { return alpha != nullptr ? static_cast<double>((*alpha)(0, k)) : 1.0; }
  double mean_at(Index r, Index k) const { return mean != nullptr ? static_cast<double>((*mean)(r, k)) : 0.0; }
  /// σ²_p at row r (a transition prior's β²_k ignores r).
  double var_at(Index r, Index k) const {
    if (var == nullptr) return 1.0;
    return static_cast<double>(transition ? (*var)(0, k) : (*var)(r, k));
  }
};

/// The form of `prior` with the (checked) learned parameters `learned`.
template <class S>
PriorOf<S> prior_of(Prior prior, const LearnedPrior<S>& learned) {
  PriorOf<S> p;
  if (prior == Prior::wiener) return p;
  if (prior == Prior::normal) {
    p.transition = false;
    return p;
  }
  p.transition = learned.transition();
  p.alpha = learned.alpha;
  p.mean = learned.mean;
  p.var = learned.var;
  return p;
}

/// The learned prior's parameters are given exactly when the prior is learned, of one kind, shaped
/// for `rows` rows of K dims (conditional: rows × K; transition: 1 × K), with var > 0 on valid rows
/// (mask null = every row valid; NaN passes, so that it propagates).
template <class S>
void check_learned_prior(std::string_view fn, Prior prior, const LearnedPrior<S>& learned,
                         const Eigen::Ref<const ColVec<S>>* mask, Index rows, Index K) {
  if (prior != Prior::learned) {
    if (!learned.empty())
      fail(fn, "learned prior parameters given for prior " + std::string(to_string(prior)) +
                   ", which has none (only prior learned takes them)");
    return;
  }
  if (!learned.conditional() && !learned.transition())
    fail(fn,
         "prior is learned: pass its parameters, either a conditional prior's mean and var or "
         "a transition prior's alpha and var (learned_prior.hpp)");
  auto shape = [](const Mat<S>& m) { return std::to_string(m.rows()) + "×" + std::to_string(m.cols()); };
  const Mat<S>& var = *learned.var;
  if (learned.conditional()) {
    for (const auto& [name, m] :
         {std::pair<const char*, const Mat<S>*>{"prior mean", learned.mean}, {"prior var", learned.var}})
      if (m->rows() != rows || m->cols() != K)
        fail(fn, std::string(name) + " is " + shape(*m) + ", must be " + std::to_string(rows) + "×" +
                     std::to_string(K) + " (one row per frame and sequence)");
  } else {
    for (const auto& [name, m] :
         {std::pair<const char*, const Mat<S>*>{"prior alpha", learned.alpha}, {"prior var", learned.var}})
      if (m->rows() != 1 || m->cols() != K)
        fail(fn, std::string(name) + " is " + shape(*m) + ", must be 1×" + std::to_string(K) +
                     " (one value per latent dim)");
  }
  for (Index r = 0; r < var.rows(); ++r) {
    if (learned.conditional() && mask != nullptr && (*mask)[r] == S(0)) continue;
    for (Index k = 0; k < K; ++k)
      if (var(r, k) <= S(0))
        fail(fn, "prior var(" + std::to_string(r) + ", " + std::to_string(k) + ") is " +
                     describe_number(static_cast<double>(var(r, k))) + ", must be > 0");
  }
}

}  // namespace seqvi::model::detail

#endif  // SEQVI_SRC_MODEL_PRIOR_MARKOV_HPP
