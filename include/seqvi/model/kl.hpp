// KL(q(z | x) ‖ p(z)) for every prior × posterior of latent.hpp, exact and O(T·B·K), and its
// hand-written gradient.
//
// Bayer & Osendorfer 2014 ("STORN"): the KL term of the variational bound. Per sequence b
// with n = len_b valid frames t = 1..n and per latent dimension (dims are independent; sums over
// them), writing μ_t = mean, σ²_t = var, a_t = coef:
//
// Every exact form is the Gauss–Markov one. q: z_t = a_t z_{t−1} + μ_t + σ_t ε_t (z_0 = 0), with
// a ≡ 1 for increments, a ≡ 0 for marginal and a emitted by the model for markov. Its marginal
// moments are m_t = a_t m_{t−1} + μ_t, v_t = a_t² v_{t−1} + σ²_t (m_0 = v_0 = 0), and
//   wiener:  KL = ½ Σ_t [σ²_t + ((a_t − 1) m_{t−1} + μ_t)² + (a_t − 1)² v_{t−1} − 1 − ln σ²_t]
//   normal:  KL = ½ Σ_t [m_t² + v_t − 1 − ln σ²_t]
// Derivation: by the chain rule of the KL, KL(q(z_{1:n}) ‖ p(z_{1:n})) = Σ_t E_q[KL(q(z_t | z_{t−1})
// ‖ p(z_t | z_{t−1}))], both conditionals Gaussian with variance σ²_t (q) and 1 (p). For the Wiener
// prior p(z_t | z_{t−1}) = N(z_{t−1}, 1), the conditional KL is ½[σ²_t + ((a_t − 1) z_{t−1} +
// μ_t)² − 1 − ln σ²_t], and E_q over z_{t−1} ~ N(m_{t−1}, v_{t−1}) of the square gives
// ((a_t − 1) m_{t−1} + μ_t)² + (a_t − 1)² v_{t−1}. For the normal prior p(z_{1:n}) = Π N(z_t; 0, 1),
// KL = −H[q] − E_q log p = Σ_t [−½ ln(2πe σ²_t)] + Σ_t ½[ln 2π + m_t² + v_t] (q's entropy is the
// sum of its conditionals' entropies).
// Learned priors (learned_prior.hpp; the same chain rule, now with p's conditional variance):
//   transition  p(z_t | z_{t−1}) = N(α z_{t−1}, β²) (VRAE):
//       KL = ½ Σ_t [ln β² − ln σ²_t + (σ²_t + ((a_t − α) m_{t−1} + μ_t)² + (a_t − α)² v_{t−1})/β² − 1]
//     (the conditional KL ½[ln β² − ln σ²_t + (σ²_t + ((a_t − α) z_{t−1} + μ_t)²)/β² − 1] averaged
//     over z_{t−1} ~ N(m_{t−1}, v_{t−1})); the Wiener form is its case α = β² = 1 — the same code.
//   conditional  p(z_t | h_{t−1}) = N(μ_p,t, σ²_p,t) (VOSP; h is a function of x, so given x
//     p(z_{1:n}) = Π_t N(z_t; μ_p,t, σ²_p,t) does not depend on z_{t−1}):
//       KL = −H[q] − E_q log p = ½ Σ_t [ln σ²_p,t − ln σ²_t + (v_t + (m_t − μ_p,t)²)/σ²_p,t − 1]
//     (q's entropy per frame is ½ ln(2πe σ²_t)); the normal form is its case μ_p = 0, σ²_p = 1.
// Special cases (the forms before the Markov posterior, bit for bit except normal + increments,
// which agrees to rounding):
//   wiener + increments, normal + marginal:  KL = ½ Σ_t [σ²_t + μ_t² − 1 − ln σ²_t]
//   wiener + marginal:  KL = ½ Σ_t [Λ_tt σ²_t + (μ_t − μ_{t−1})² − 1 − ln σ²_t] ≥ ½ ln 2 · (n − 1)
//                       (Λ = C⁻¹ the Wiener precision, Λ_tt = 2 for t < n, Λ_nn = 1)
//   normal + increments:  KL = ½ [Σ_t (n − t + 1) σ²_t + Σ_t (Σ_{r≤t} μ_r)² − n − Σ_t ln σ²_t]
//   wiener + marginal, paper-diagonal (authors' code; NOT a bound; ≥ 0 but inf = 0 < the floor):
//       KL_pd = ½ Σ_t [Λ_tt σ²_t + (μ_t − μ_{t−1})² − 1 − ln(σ²_t + σ²_{t−1})]
//             = KL − ½ Σ_{t≥2} ln(1 + σ²_{t−1}/σ²_t)
//
// Each is the closed form of ½[tr(Σp⁻¹Σq) + (μp − μq)ᵀΣp⁻¹(μp − μq) − n + ln det Σp − ln det Σq]
// (tests/model/kl_test.cpp checks them against it).
// Layout (types.hpp): mean, var, coef are (T·B) × K time-major, row t·B + b = frame t of sequence
// b; chunks are pre-padded, so sequence b's valid frames are t0_b = T − len_b … T − 1 and its last
// valid frame is always the chunk's last frame. Each sequence starts fresh at t0_b (z_0 = 0, so
// a_{t0} is unused): nothing is carried across padding. Padded rows are never read, add nothing
// and get zero gradient; a sequence of length 0 has KL 0. Units: nats.
#ifndef SEQVI_MODEL_KL_HPP
#define SEQVI_MODEL_KL_HPP

#include "seqvi/model/latent.hpp"
#include "seqvi/model/learned_prior.hpp"
#include "seqvi/model/types.hpp"

namespace seqvi::model {

/// KL(q(z | x) ‖ p(z)) summed over valid frames, sequences and latent dims (see the file comment
/// for the formula of each spec). Exact — hence part of a bound — unless spec.kl is paper_diagonal.
///
/// S is float or double (explicitly instantiated; call as `kl_divergence<S>(…)`); sums are
/// accumulated in double.
/// @param spec     prior, posterior and KL mode (validated)
/// Not for the markov posterior, whose coefficients only the overload with coef takes, nor for the
/// learned prior, whose parameters only the overload with prior takes.
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

/// The same for every posterior including markov: coef is the (T·B) × K matrix of a_t ∈ [0, 1]
/// for markov (padded rows unread) and must be empty for increments and marginal (a fixed).
/// Not for the learned prior (the overload with prior).
/// @param per_dim  if not null, resized to K and set to each latent dim's KL summed over the
///                 sequences (nats; the dims are independent, so they add up to the total)
/// @throws std::invalid_argument as above, and on coef of another shape or a ∉ [0, 1] on a valid
///         row.
template <class S>
S kl_divergence(const LatentSpec& spec, const Eigen::Ref<const Mat<S>>& mean,
                const Eigen::Ref<const Mat<S>>& var, const Eigen::Ref<const Mat<S>>& coef,
                const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B,
                ColVec<S>* per_sequence = nullptr, Eigen::VectorXd* per_dim = nullptr);

/// The reverse pass of kl_divergence: ADDS kl_adj · ∂KL/∂mean into mean_adj and kl_adj · ∂KL/∂var
/// into var_adj (padded rows receive nothing). Per sequence and dim, t = 1..n over valid frames:
/// Exact forms, through the adjoints M_t = ∂KL/∂m_t, V_t = ∂KL/∂v_t of the marginal moments
/// (M_n = V_n = 0 for wiener), accumulated backwards in O(n):
///   wiener (d_t = (a_t − 1) m_{t−1} + μ_t):
///     M_{t−1} = (a_t − 1) d_t + a_t M_t,   V_{t−1} = ½(a_t − 1)² + a_t² V_t
///     ∂/∂μ_t = d_t + M_t,  ∂/∂σ²_t = ½(1 − 1/σ²_t) + V_t,
///     ∂/∂a_t = (d_t + M_t) m_{t−1} + (a_t − 1 + 2 a_t V_t) v_{t−1}
///   normal: M_t = m_t + a_{t+1} M_{t+1},  V_t = ½ + a_{t+1}² V_{t+1},
///     ∂/∂μ_t = M_t,  ∂/∂σ²_t = V_t − ½/σ²_t,  ∂/∂a_t = M_t m_{t−1} + 2 a_t V_t v_{t−1}
///   paper-diagonal: ∂/∂μ_t = (μ_t − μ_{t−1}) − [t < n](μ_{t+1} − μ_t),
///     ∂/∂v_t = ½(Λ_tt − 1/(v_t + v_{t−1}) − [t < n]/(v_{t+1} + v_t))
/// Not for the markov posterior (use the overload with coef_adj). Allocates only a per-thread
/// buffer of 2T doubles when T grows.
/// @param kl_adj   ∂objective/∂KL (a scalar: the KL enters the objective as one pooled sum)
/// @param mean_adj (T·B) × K, accumulated into
/// @param var_adj  (T·B) × K, accumulated into
/// Other parameters and throws as kl_divergence (plus a shape check of the adjoints).
template <class S>
void kl_divergence_backward(const LatentSpec& spec, const Eigen::Ref<const Mat<S>>& mean,
                            const Eigen::Ref<const Mat<S>>& var,
                            const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, S kl_adj,
                            Eigen::Ref<Mat<S>> mean_adj, Eigen::Ref<Mat<S>> var_adj);

/// The reverse pass of the overload with coef: as above, and for markov also ADDS
/// kl_adj · ∂KL/∂a into coef_adj ((T·B) × K; must be empty for increments and marginal).
/// Not for the learned prior (use the overload with prior).
template <class S>
void kl_divergence_backward(const LatentSpec& spec, const Eigen::Ref<const Mat<S>>& mean,
                            const Eigen::Ref<const Mat<S>>& var,
                            const Eigen::Ref<const Mat<S>>& coef,
                            const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, S kl_adj,
                            Eigen::Ref<Mat<S>> mean_adj, Eigen::Ref<Mat<S>> var_adj,
                            Eigen::Ref<Mat<S>> coef_adj);

/// The KL for every prior and posterior: `prior` holds the learned prior's parameters for
/// spec.prior == learned (a conditional or a transition prior, learned_prior.hpp) and must be empty
/// for wiener and normal. Other parameters as the overload with coef.
/// @throws std::invalid_argument as above, and when prior is given for a fixed prior, missing or
///         of neither kind for the learned one, shaped otherwise than learned_prior.hpp says, or
///         has a variance ≤ 0 (on a valid row for a conditional prior).
template <class S>
S kl_divergence(const LatentSpec& spec, const Eigen::Ref<const Mat<S>>& mean,
                const Eigen::Ref<const Mat<S>>& var, const Eigen::Ref<const Mat<S>>& coef,
                const LearnedPrior<S>& prior, const Eigen::Ref<const ColVec<S>>& mask, Index T,
                Index B, ColVec<S>* per_sequence = nullptr, Eigen::VectorXd* per_dim = nullptr);

/// The reverse pass of the overload with prior: as the overload with coef, and for the learned
/// prior also ADDS kl_adj · ∂KL/∂(its parameters) into prior_adj (null exactly where prior is,
/// shaped alike; empty for the fixed priors; padded rows of a conditional prior receive nothing).
/// With d_t = (a_t − α) m_{t−1} + μ_t and D_t = σ²_t + d_t² + (a_t − α)² v_{t−1}:
///   transition: ∂/∂α = −Σ_t [d_t m_{t−1} + (a_t − α) v_{t−1}]/β²,
///               ∂/∂β² = ½ Σ_t [1/β² − D_t/β⁴]   (summed over the sequences too);
///     the posterior's partials are the Wiener ones above with d_t, (a_t − α) for d_t, (a_t − 1),
///     divided by β² (M_{t−1} = (a_t − α) d_t/β² + a_t M_t, V_{t−1} = ½(a_t − α)²/β² + a_t² V_t,
///     ∂/∂σ²_t = ½(1/β² − 1/σ²_t) + V_t).
///   conditional: ∂/∂μ_p,t = −(m_t − μ_p,t)/σ²_p,t,
///               ∂/∂σ²_p,t = ½ [1/σ²_p,t − (v_t + (m_t − μ_p,t)²)/σ⁴_p,t];
///     the posterior's are the normal ones with M_t = (m_t − μ_p,t)/σ²_p,t + a_{t+1} M_{t+1},
///     V_t = ½/σ²_p,t + a_{t+1}² V_{t+1}.
template <class S>
void kl_divergence_backward(const LatentSpec& spec, const Eigen::Ref<const Mat<S>>& mean,
                            const Eigen::Ref<const Mat<S>>& var,
                            const Eigen::Ref<const Mat<S>>& coef, const LearnedPrior<S>& prior,
                            const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B, S kl_adj,
                            Eigen::Ref<Mat<S>> mean_adj, Eigen::Ref<Mat<S>> var_adj,
                            Eigen::Ref<Mat<S>> coef_adj, const LearnedPriorAdj<S>& prior_adj);

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
extern template float kl_divergence<float>(const LatentSpec&, const Eigen::Ref<const Mat<float>>&,
                                           const Eigen::Ref<const Mat<float>>&,
                                           const Eigen::Ref<const Mat<float>>&,
                                           const Eigen::Ref<const ColVec<float>>&, Index, Index,
                                           ColVec<float>*, Eigen::VectorXd*);
extern template void kl_divergence_backward<float>(
    const LatentSpec&, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
    const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const ColVec<float>>&, Index, Index, float,
    Eigen::Ref<Mat<float>>, Eigen::Ref<Mat<float>>, Eigen::Ref<Mat<float>>);
extern template double kl_divergence<double>(const LatentSpec&, const Eigen::Ref<const Mat<double>>&,
                                           const Eigen::Ref<const Mat<double>>&,
                                           const Eigen::Ref<const Mat<double>>&,
                                           const Eigen::Ref<const ColVec<double>>&, Index, Index,
                                           ColVec<double>*, Eigen::VectorXd*);
extern template void kl_divergence_backward<double>(
    const LatentSpec&, const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
    const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const ColVec<double>>&, Index, Index, double,
    Eigen::Ref<Mat<double>>, Eigen::Ref<Mat<double>>, Eigen::Ref<Mat<double>>);
extern template float kl_divergence<float>(const LatentSpec&, const Eigen::Ref<const Mat<float>>&,
                                           const Eigen::Ref<const Mat<float>>&,
                                           const Eigen::Ref<const Mat<float>>&,
                                           const LearnedPrior<float>&,
                                           const Eigen::Ref<const ColVec<float>>&, Index, Index,
                                           ColVec<float>*, Eigen::VectorXd*);
extern template double kl_divergence<double>(const LatentSpec&,
                                             const Eigen::Ref<const Mat<double>>&,
                                             const Eigen::Ref<const Mat<double>>&,
                                             const Eigen::Ref<const Mat<double>>&,
                                             const LearnedPrior<double>&,
                                             const Eigen::Ref<const ColVec<double>>&, Index, Index,
                                             ColVec<double>*, Eigen::VectorXd*);
extern template void kl_divergence_backward<float>(
    const LatentSpec&, const Eigen::Ref<const Mat<float>>&, const Eigen::Ref<const Mat<float>>&,
    const Eigen::Ref<const Mat<float>>&, const LearnedPrior<float>&,
    const Eigen::Ref<const ColVec<float>>&, Index, Index, float, Eigen::Ref<Mat<float>>,
    Eigen::Ref<Mat<float>>, Eigen::Ref<Mat<float>>, const LearnedPriorAdj<float>&);
extern template void kl_divergence_backward<double>(
    const LatentSpec&, const Eigen::Ref<const Mat<double>>&, const Eigen::Ref<const Mat<double>>&,
    const Eigen::Ref<const Mat<double>>&, const LearnedPrior<double>&,
    const Eigen::Ref<const ColVec<double>>&, Index, Index, double, Eigen::Ref<Mat<double>>,
    Eigen::Ref<Mat<double>>, Eigen::Ref<Mat<double>>, const LearnedPriorAdj<double>&);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_KL_HPP
