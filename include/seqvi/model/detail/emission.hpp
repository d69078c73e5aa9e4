// Emission logits: from the output layer's FD moments to the logits of the Bernoulli emissions
// (bernoulli.hpp), and back. Internal to the models.
#ifndef SEQVI_MODEL_DETAIL_EMISSION_HPP
#define SEQVI_MODEL_DETAIL_EMISSION_HPP

#include "seqvi/model/types.hpp"

namespace seqvi::model::detail {

/// ℓ = sigmoid_mean_logit(μ_a, v_a) = μ_a/√(1 + πv_a/8) (fd_moments.hpp), so that the emission
/// probability is E[σ(a)] ≈ σ(ℓ) for a ~ N(μ_a, v_a); a deterministic output (empty var) gives
/// ℓ = μ_a. Bayer & Osendorfer (2014): the generating model's output is a sigmoid FD layer.
/// @param out    rows × D output pre-activation moments
/// @param logits rows × D (resized)
template <class S>
void emission_logits(const Moments<S>& out, Mat<S>& logits);

/// Reverse pass: out_adj (resized, overwritten) = the adjoints of μ_a and v_a (var left empty when
/// out.var is empty) given logits_adj.
template <class S>
void emission_logits_backward(const Moments<S>& out, const Mat<S>& logits_adj, Moments<S>& out_adj);

extern template void emission_logits<float>(const Moments<float>&, Mat<float>&);
extern template void emission_logits<double>(const Moments<double>&, Mat<double>&);
extern template void emission_logits_backward<float>(const Moments<float>&, const Mat<float>&, Moments<float>&);
extern template void emission_logits_backward<double>(const Moments<double>&, const Mat<double>&, Moments<double>&);

}  // namespace seqvi::model::detail

#endif  // SEQVI_MODEL_DETAIL_EMISSION_HPP
