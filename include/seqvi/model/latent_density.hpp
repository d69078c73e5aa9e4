// Log densities of a latent sequence under the prior p(z) and the posterior q(z | x), per sequence,
// for importance weighting: log w = log p(x | z) + log p(z) − log q(z | x) with z from reparam.hpp
// (Burda et al. 2016; the bound of Bayer & Osendorfer 2014 ("STORN") is E_q[log w]). Values only.
//
// Per sequence b (valid frames t = 1..n, sums also over the K latent dims), with
// log N(x; m, v) = −½[(x − m)²/v + ln v + ln 2π], z_0 = 0:
//   prior wiener:           log p(z) = Σ_t log N(z_t − z_{t−1}; 0, 1)
//   prior normal:           log p(z) = Σ_t log N(z_t; 0, 1)
//   prior learned:          log p(z) = Σ_t log N(z_t; α z_{t−1}, β²)     (transition, VRAE)
//                           log p(z) = Σ_t log N(z_t; μ_p,t, σ²_p,t)      (conditional, VOSP)
//                           (learned_prior.hpp; wiener and normal are its fixed cases α = 1 and
//                           α = 0 with mean 0 and variance 1, the same code)
//   posterior increments:   log q(z) = Σ_t log N(z_t − z_{t−1}; μ_t, v_t)
//                           (the density of the increments: the running sum has Jacobian 1)
//   posterior marginal:     log q(z) = Σ_t log N(z_t; μ_t, v_t)
//   posterior markov:       log q(z) = Σ_t log N(z_t − a_t z_{t−1}; μ_t, v_t)
//                           (one code path: increments is a ≡ 1, marginal a ≡ 0; the map from
//                           the innovations to z is unit lower-triangular, Jacobian 1)
// The differencing restarts at each sequence's first valid frame t0_b = T − len_b (z_0 = 0 there);
// padded rows are not read; a sequence of length 0 has log density 0. Units: nats.
// E_q[log q(z) − log p(z)] = the exact KL of kl.hpp (the paper-diagonal mode is not a KL).
#ifndef SEQVI_MODEL_LATENT_DENSITY_HPP
#define SEQVI_MODEL_LATENT_DENSITY_HPP

#include "seqvi/model/latent.hpp"
#include "seqvi/model/learned_prior.hpp"
#include "seqvi/model/types.hpp"

namespace seqvi::model {

/// Per-sequence log p(z) in nats (see the file comment), accumulated in double.
/// S is float or double (explicitly instantiated; call as `log_prior_density<S>(…)`).
/// @param prior  wiener or normal (the learned prior needs its parameters: the overload below)
/// @param z      (T·B) × K latent sequence, time-major (types.hpp)
/// @param mask   T·B, 1 on valid frames, 0 on padding; pre-padded
/// @param T, B   frames per sequence, sequences in the chunk
/// @return B values
/// @throws std::invalid_argument on z not having T·B rows, or a mask entry other than 0/1 or not
///         pre-padded.
template <class S>
ColVec<S> log_prior_density(Prior prior, const Eigen::Ref<const Mat<S>>& z, const Eigen::Ref<const ColVec<S>>& mask,
                            Index T, Index B);

/// The same for every prior: `learned` holds the learned prior's parameters for prior learned
/// (learned_prior.hpp) and must be empty for wiener and normal.
/// @throws std::invalid_argument as above, and as kl_divergence on `learned`.
template <class S>
ColVec<S> log_prior_density(Prior prior, const LearnedPrior<S>& learned, const Eigen::Ref<const Mat<S>>& z,
                            const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B);

/// Per-sequence log q(z | x) in nats (see the file comment), accumulated in double.
/// Not for markov (use the overload with coef).
/// @param posterior  increments or marginal
/// @param z          (T·B) × K latent sequence
/// @param mean, var  (T·B) × K posterior parameters (var > 0 on valid rows), as given to reparam
/// Other parameters as log_prior_density.
/// @return B values
/// @throws std::invalid_argument on shapes other than (T·B) × K, a bad mask, or var ≤ 0 on a valid
///         row.
template <class S>
ColVec<S> log_posterior_density(Posterior posterior, const Eigen::Ref<const Mat<S>>& z,
                                const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                                const Eigen::Ref<const ColVec<S>>& mask, Index T, Index B);

/// The same for every posterior: coef is the (T·B) × K matrix of a_t ∈ [0, 1] for markov
/// (padded rows unread), empty for increments and marginal.
/// @throws std::invalid_argument as above, and on coef of another shape or a ∉ [0, 1].
template <class S>
ColVec<S> log_posterior_density(Posterior posterior, const Eigen::Ref<const Mat<S>>& z,
                                const Eigen::Ref<const Mat<S>>& mean, const Eigen::Ref<const Mat<S>>& var,
                                const Eigen::Ref<const Mat<S>>& coef, const Eigen::Ref<const ColVec<S>>& mask, Index T,
                                Index B);

extern template ColVec<float> log_prior_density<float>(Prior, const Eigen::Ref<const Mat<float>>&,
                                                       const Eigen::Ref<const ColVec<float>>&, Index, Index);
extern template ColVec<double> log_prior_density<double>(Prior, const Eigen::Ref<const Mat<double>>&,
                                                         const Eigen::Ref<const ColVec<double>>&, Index, Index);
extern template ColVec<float> log_prior_density<float>(Prior, const LearnedPrior<float>&,
                                                       const Eigen::Ref<const Mat<float>>&,
                                                       const Eigen::Ref<const ColVec<float>>&, Index, Index);
extern template ColVec<double> log_prior_density<double>(Prior, const LearnedPrior<double>&,
                                                         const Eigen::Ref<const Mat<double>>&,
                                                         const Eigen::Ref<const ColVec<double>>&, Index, Index);
extern template ColVec<float> log_posterior_density<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                                           const Eigen::Ref<const Mat<float>>&,
                                                           const Eigen::Ref<const Mat<float>>&,
                                                           const Eigen::Ref<const ColVec<float>>&, Index, Index);
extern template ColVec<double> log_posterior_density<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                                             const Eigen::Ref<const Mat<double>>&,
                                                             const Eigen::Ref<const Mat<double>>&,
                                                             const Eigen::Ref<const ColVec<double>>&, Index, Index);
extern template ColVec<float> log_posterior_density<float>(Posterior, const Eigen::Ref<const Mat<float>>&,
                                                           const Eigen::Ref<const Mat<float>>&,
                                                           const Eigen::Ref<const Mat<float>>&,
                                                           const Eigen::Ref<const Mat<float>>&,
                                                           const Eigen::Ref<const ColVec<float>>&, Index, Index);
extern template ColVec<double> log_posterior_density<double>(Posterior, const Eigen::Ref<const Mat<double>>&,
                                                             const Eigen::Ref<const Mat<double>>&,
                                                             const Eigen::Ref<const Mat<double>>&,
                                                             const Eigen::Ref<const Mat<double>>&,
                                                             const Eigen::Ref<const ColVec<double>>&, Index, Index);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_LATENT_DENSITY_HPP
