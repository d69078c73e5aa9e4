// KL(q(z | x) ‖ p(z)) for every prior × posterior of latent.hpp, exact and O(T·B·K), and its
// hand-written gradient.
//
// Bayer & Osendorfer 2014 ("STORN"): the KL term of the variational bound. Per sequence b
// with n = len_b valid frames t = 1..n and per latent dimension (dims are independent; sums over
// them), writing μ_t = mean, v_t = var, μ_0 = 0, v_0 = 0:
//
//   wiener + increments, normal + marginal (q and p both diagonal over the same variables):
//       KL = ½ Σ_t [v_t + μ_t² − 1 − ln v_t]
//   wiener + marginal, exact (Λ = C⁻¹ tridiagonal, Λ_tt = 2 for t < n, Λ_nn = 1, det C = 1):
//       KL = ½ Σ_t [Λ_tt v_t + (μ_t − μ_{t−1})² − 1 − ln v_t]      ≥ ½ ln 2 · (n − 1)
//   wiener + marginal, paper-diagonal (authors' code; NOT a bound; ≥ 0 but inf = 0 < the floor):
//       KL_pd = ½ Σ_t [Λ_tt v_t + (μ_t − μ_{t−1})² − 1 − ln(v_t + v_{t−1})]
//             = KL − ½ Σ_{t≥2} ln(1 + v_{t−1}/v_t)
//   normal + increments (q(z) = N(Lμ, L diag(v) Lᵀ), L lower-triangular ones, det L = 1):
//       KL = ½ [Σ_t (n − t + 1) v_t + Σ_t (Σ_{r≤t} μ_r)² − n − Σ_t ln v_t]
//
// Each is the closed form of ½[tr(Σp⁻¹Σq) + (μp − μq)ᵀΣp⁻¹(μp − μq) − n + ln det Σp − ln det Σq].
// Layout (types.hpp): mean, var are (T·B) × K time-major, row t·B + b = frame t of sequence b;
// chunks are pre-padded, so sequence b's valid frames are t0_b = T − len_b … T − 1 and its last
// valid frame (Λ_nn = 1) is always the chunk's last frame. Each sequence starts fresh at t0_b
// (μ_0 = 0, v_0 = 0): nothing is differenced across padding. Padded rows are never read, add
// nothing and get zero gradient; a sequence of length 0 has KL 0. Units: nats.
#ifndef SEQVI_MODEL_KL_HPP
#define SEQVI_MODEL_KL_HPP

#include "seqvi/model/latent.hpp"
#include "seqvi/model/types.hpp"

namespace seqvi::model {

/// KL(q(z | x) ‖ p(z)) summed over valid frames, sequences and latent dims (see the file comment
/// for the formula of each spec). Exact — hence part of a bound — unless spec.kl is paper_diagonal.
///
/// S is float or double (explicitly instantiated; call as `kl_divergence<S>(…)`); sums are
/// accumulated in double.
/// @param spec     prior, posterior and KL mode (validated)
/// @param mean     (T·B) × K posterior means μ (of z_t for marginal, of d_t for increments)
/// @param var      (T·B) × K posterior variances v > 0 on valid rows (padded rows are not read)
/// @param mask     T·B, 1 on valid frames, 0 on padding; pre-padded
/// @param T        frames per sequence in the chunk
/// @param B        sequences in the chunk
/// @param per_sequence  if not null, resized to B and set to each sequence's KL (nats)
/// @return the total KL in nats (≥ 0 for exact modes; paper-diagonal is ≥ 0 too, but can be
///         below the exact KL's floor)
/// @throws std::invalid_argument on an invalid spec, shapes that are not (T·B) × K, a mask entry
///         other than 0/1 or not pre-padded, or var ≤ 0 on a valid row.
template <class S>
S kl_divergence(const LatentSpec& spec, const Eigen::Ref<const Mat<S>>& mean,
                const Eigen::Ref<const Mat<S>>& var, const Eigen::Ref<const ColVec<S>>& mask,
                Index T, Index B, ColVec<S>* per_sequence = nullptr);

/// The reverse pass of kl_divergence: ADDS kl_adj · ∂KL/∂mean into mean_adj and kl_adj · ∂KL/∂var
/// into var_adj (padded rows receive nothing). Per sequence and dim, t = 1..n over valid frames:
///   diagonal forms:      ∂/∂μ_t = μ_t,                        ∂/∂v_t = ½(1 − 1/v_t)
///   wiener + marginal:   ∂/∂μ_t = (μ_t − μ_{t−1}) − [t < n](μ_{t+1} − μ_t),
///                        ∂/∂v_t = ½(Λ_tt − 1/v_t)   (exact)
///                        ∂/∂v_t = ½(Λ_tt − 1/(v_t + v_{t−1}) − [t < n]/(v_{t+1} + v_t)) (paper)
///   normal + increments: ∂/∂μ_r = Σ_{t≥r} Σ_{u≤t} μ_u,        ∂/∂v_t = ½(n − t + 1 − 1/v_t)
/// @param kl_adj   ∂objective/∂KL (a scalar: the KL enters the objective as one pooled sum)
/// @param mean_adj (T·B) × K, accumulated into
/// @param var_adj  (T·B) × K, accumulated into
/// Other parameters and throws as kl_divergence (plus a shape check of the adjoints).
template <class S>
void kl_divergence_backward(const LatentSpec& spec, const Eigen::Ref<const Mat<S>>& mean,
                            const Eigen::Ref<const Mat<S>>& var,
                            const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, S kl_adj,
                            Eigen::Ref<Mat<S>> mean_adj, Eigen::Ref<Mat<S>> var_adj);

extern template float kl_divergence<float>(const LatentSpec&, const Eigen::Ref<const Mat<float>>&,
                                           const Eigen::Ref<const Mat<float>>&,
                                           const Eigen::Ref<const ColVec<float>>&, Index, Index,
                                           ColVec<float>*);
extern template double kl_divergence<double>(const LatentSpec&,
                                             const Eigen::Ref<const Mat<double>>&,
                                             const Eigen::Ref<const Mat<double>>&,
                                             const Eigen::Ref<const ColVec<double>>&, Index, Index,
                                             ColVec<double>*);
extern template void kl_divergence_backward<float>(const LatentSpec&,
                                                   const Eigen::Ref<const Mat<float>>&,
                                                   const Eigen::Ref<const Mat<float>>&,
                                                   const Eigen::Ref<const ColVec<float>>&, Index,
                                                   Index, float, Eigen::Ref<Mat<float>>,
                                                   Eigen::Ref<Mat<float>>);
extern template void kl_divergence_backward<double>(const LatentSpec&,
                                                    const Eigen::Ref<const Mat<double>>&,
                                                    const Eigen::Ref<const Mat<double>>&,
                                                    const Eigen::Ref<const ColVec<double>>&, Index,
                                                    Index, double, Eigen::Ref<Mat<double>>,
                                                    Eigen::Ref<Mat<double>>);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_KL_HPP
