// Bernoulli emissions: the negative log-likelihood of binary frames (88 piano keys) given logits,
// and its hand-written gradient (Bayer & Osendorfer 2014, "STORN": p(x_t | ·) is a product of
// Bernoullis over the keys).
//
// With a = logit(p) the model's output for one key and x ∈ [0, 1] the target,
//   −log p(x | a) = softplus(a) − x·a = max(a, 0) − x·a + log1p(exp(−|a|)),
// computed as a·([a > 0] − x) + log1p(exp(−|a|)), which is exact to rounding for any finite a
// (no overflow, no cancellation at x ∈ {0, 1}; tested up to |a| = 1e4). Its derivative is
//   ∂/∂a = σ(a) − x = (1 − x)·σ(a) − x·σ(−a),
// evaluated with the stable σ so that saturated logits keep full relative precision.
// Layout (types.hpp): logits and targets are (T·B) × D time-major (D = 88 keys), row t·B + b =
// frame t of sequence b; padded rows (mask 0) are not read and get zero gradient. Units: nats.
#ifndef SEQVI_MODEL_BERNOULLI_HPP
#define SEQVI_MODEL_BERNOULLI_HPP

#include "seqvi/model/types.hpp"

namespace seqvi::model {

/// Σ over valid rows and keys of softplus(a) − x·a (nats), accumulated in double.
/// S is float or double (explicitly instantiated; call as `bernoulli_nll<S>(…)`).
/// @param logits   (T·B) × D logits a of the emission probabilities
/// @param targets  (T·B) × D observed frames x, each in [0, 1] (binary piano rolls: 0 or 1)
/// @param mask     T·B, 1 on valid frames, 0 on padding (any 0/1 pattern is accepted)
/// @param T, B     frames per sequence, sequences in the chunk
/// @param per_sequence  if not null, resized to B and set to each sequence's NLL (nats)
/// @return the total negative log-likelihood in nats (≥ 0 for binary targets)
/// @throws std::invalid_argument on shapes other than (T·B) × D, a mask entry other than 0/1, or a
///         target outside [0, 1] on a valid row (NaN passes and propagates).
template <class S>
S bernoulli_nll(const Eigen::Ref<const Mat<S>>& logits, const Eigen::Ref<const Mat<S>>& targets,
                const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, ColVec<S>* per_sequence = nullptr);

/// The reverse pass: logits_adj += nll_adj · (σ(a) − x) on valid rows (padded rows unchanged).
/// @param nll_adj     ∂objective/∂NLL
/// @param logits_adj  (T·B) × D, accumulated into
/// Other parameters and throws as bernoulli_nll.
template <class S>
void bernoulli_nll_backward(const Eigen::Ref<const Mat<S>>& logits, const Eigen::Ref<const Mat<S>>& targets,
                            const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, S nll_adj,
                            Eigen::Ref<Mat<S>> logits_adj);

extern template float bernoulli_nll<float>(const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
                                           const Eigen::Ref<const ColVec<float>>&, Index, Index, ColVec<float>*);
extern template double bernoulli_nll<double>(const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
                                             const Eigen::Ref<const ColVec<double>>&, Index, Index, ColVec<double>*);
extern template void bernoulli_nll_backward<float>(const Eigen::Ref<const Mat<float>>&,
                                                   const Eigen::Ref<const Mat<float>>&,
                                                   const Eigen::Ref<const ColVec<float>>&, Index, Index, float,
                                                   Eigen::Ref<Mat<float>>);
extern template void bernoulli_nll_backward<double>(const Eigen::Ref<const Mat<double>>&,
                                                    const Eigen::Ref<const Mat<double>>&,
                                                    const Eigen::Ref<const ColVec<double>>&, Index, Index, double,
                                                    Eigen::Ref<Mat<double>>);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_BERNOULLI_HPP
