// The Gaussian scale mixture behind the sigmoid and tanh transfer moments (fd_moments.hpp):
//   σ(x) ≈ ĝ(x) = Σ_k w_k Φ(x/s_k),   σ'(x) ≈ ĝ'(x) = Σ_k w_k φ(x/s_k)/s_k.
// Three terms, fitted (minimax over x, both functions at once) so that sup|σ − ĝ| and sup|σ' − ĝ'|
// are both below 7.8e−5 (tests/model/fd_moments_test.cpp measures them); the weights sum to 1,
// so ĝ is a distribution function with ĝ(−x) = 1 − ĝ(x), as σ is.
#ifndef SEQVI_MODEL_DETAIL_LOGISTIC_MIXTURE_HPP
#define SEQVI_MODEL_DETAIL_LOGISTIC_MIXTURE_HPP

#include <array>

namespace seqvi::model::detail {

inline constexpr int kMixtureTerms = 3;
inline constexpr std::array<double, kMixtureTerms> kMixtureWeight{0.59054861135906755, 0.21252463007093253,
                                                                  0.19692675856999978};
inline constexpr std::array<double, kMixtureTerms> kMixtureScale{1.6688793985337591, 1.0701713064889009,
                                                                 2.660636548628732};

}  // namespace seqvi::model::detail

#endif  // SEQVI_MODEL_DETAIL_LOGISTIC_MIXTURE_HPP
