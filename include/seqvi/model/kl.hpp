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

/// One chunk's arguments to kl_divergence and kl_divergence_backward. Build it in the call, with
/// designated initializers (`{.spec = s, .mean = μ, .var = σ², .mask = m, .T = T, .B = B}`; coef
/// and prior may be left out): the Refs do not own the matrices they view, so these must outlive
/// the struct, and a copied KlInput may point into the original.
template <class S>
struct KlInput {
  /// prior, posterior and KL mode (validated)
  LatentSpec spec;
  /// (T·B) × K posterior means μ (of z_t for marginal, of d_t for increments)
  Eigen::Ref<const Mat<S>> mean;
  /// (T·B) × K posterior variances σ² > 0 on valid rows (padded rows are not read)
  Eigen::Ref<const Mat<S>> var;
  /// markov: the (T·B) × K coefficients a_t ∈ [0, 1] (padded rows unread); empty (the default)
  /// for increments and marginal, whose a is fixed
  Eigen::Ref<const Mat<S>> coef = Eigen::Map<const Mat<S>>(nullptr, 0, 0);
  /// prior learned: its parameters (a conditional or a transition prior, learned_prior.hpp);
  /// empty (the default) for wiener and normal
  LearnedPrior<S> prior{};
  /// T·B, 1 on valid frames, 0 on padding; pre-padded
  Eigen::Ref<const ColVec<S>> mask;
  /// frames per sequence in the chunk
  Index T;
  /// sequences in the chunk
  Index B;
};

/// Where kl_divergence writes the KL's parts (each optional).
template <class S>
struct KlOutputs {
  /// if not null, resized to B and set to each sequence's KL (nats)
  ColVec<S>* per_sequence = nullptr;
  /// if not null, resized to K and set to each latent dim's KL summed over the sequences (nats; the
  /// dims are independent, so they add up to the total)
  Eigen::VectorXd* per_dim = nullptr;
};

/// Where kl_divergence_backward ADDS kl_adj · ∂KL/∂(each input); shaped like KlInput's matrices.
template <class S>
struct KlAdjoints {
  /// (T·B) × K, accumulated into
  Eigen::Ref<Mat<S>> mean;
  /// (T·B) × K, accumulated into
  Eigen::Ref<Mat<S>> var;
  /// markov: (T·B) × K, accumulated into; empty (the default) for increments and marginal
  Eigen::Ref<Mat<S>> coef = Eigen::Map<Mat<S>>(nullptr, 0, 0);
  /// prior learned: null exactly where KlInput::prior is, shaped alike (padded rows of a
  /// conditional prior receive nothing); empty (the default) for wiener and normal
  LearnedPriorAdj<S> prior{};
};

/// KL(q(z | x) ‖ p(z)) summed over valid frames, sequences and latent dims (see the file comment
/// for the formula of each spec), for every prior and posterior. Exact — hence part of a bound —
/// unless spec.kl is paper_diagonal.
///
/// S is float or double (explicitly instantiated; call as `kl_divergence<S>({…})`); sums are
/// accumulated in double.
/// @return the total KL in nats (≥ 0 for exact modes; paper-diagonal is ≥ 0 too, but can be
///         below the exact KL's floor)
/// @throws std::invalid_argument on an invalid spec, shapes that are not (T·B) × K, a mask entry
///         other than 0/1 or not pre-padded, var ≤ 0 on a valid row; coef missing or of another
///         shape for markov, a ∉ [0, 1] on a valid row, coef given for increments or marginal;
///         prior given for a fixed prior, missing or of neither kind for the learned one, shaped
///         otherwise than learned_prior.hpp says, or with a variance ≤ 0 (on a valid row for a
///         conditional prior).
template <class S>
S kl_divergence(const KlInput<S>& in, const KlOutputs<S>& out = {});

/// The reverse pass of kl_divergence: ADDS kl_adj · ∂KL/∂mean into adj.mean, kl_adj · ∂KL/∂var
/// into adj.var, for markov kl_adj · ∂KL/∂a into adj.coef, and for the learned prior
/// kl_adj · ∂KL/∂(its parameters) into adj.prior (padded rows receive nothing). Allocates only a
/// per-thread buffer of 2T doubles when T grows.
/// @param kl_adj  ∂objective/∂KL (a scalar: the KL enters the objective as one pooled sum)
/// @throws std::invalid_argument as kl_divergence, and on adjoints shaped otherwise than the
///         inputs (adj.coef exactly where in.coef is, adj.prior's matrices exactly where
///         in.prior's are).
///
/// Per sequence and dim, t = 1..n over valid frames. Exact forms, through the adjoints
/// M_t = ∂KL/∂m_t, V_t = ∂KL/∂v_t of the marginal moments (M_n = V_n = 0 for wiener), accumulated
/// backwards in O(n):
///   wiener (d_t = (a_t − 1) m_{t−1} + μ_t):
///     M_{t−1} = (a_t − 1) d_t + a_t M_t,   V_{t−1} = ½(a_t − 1)² + a_t² V_t
///     ∂/∂μ_t = d_t + M_t,  ∂/∂σ²_t = ½(1 − 1/σ²_t) + V_t,
///     ∂/∂a_t = (d_t + M_t) m_{t−1} + (a_t − 1 + 2 a_t V_t) v_{t−1}
///   normal: M_t = m_t + a_{t+1} M_{t+1},  V_t = ½ + a_{t+1}² V_{t+1},
///     ∂/∂μ_t = M_t,  ∂/∂σ²_t = V_t − ½/σ²_t,  ∂/∂a_t = M_t m_{t−1} + 2 a_t V_t v_{t−1}
///   paper-diagonal: ∂/∂μ_t = (μ_t − μ_{t−1}) − [t < n](μ_{t+1} − μ_t),
///     ∂/∂v_t = ½(Λ_tt − 1/(v_t + v_{t−1}) − [t < n]/(v_{t+1} + v_t))
/// Learned priors, with d_t = (a_t − α) m_{t−1} + μ_t and D_t = σ²_t + d_t² + (a_t − α)² v_{t−1}:
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
void kl_divergence_backward(const KlInput<S>& in, S kl_adj, KlAdjoints<S> adj);

extern template float kl_divergence<float>(const KlInput<float>&, const KlOutputs<float>&);
extern template double kl_divergence<double>(const KlInput<double>&, const KlOutputs<double>&);
extern template void kl_divergence_backward<float>(const KlInput<float>&, float, KlAdjoints<float>);
extern template void kl_divergence_backward<double>(const KlInput<double>&, double, KlAdjoints<double>);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_KL_HPP
