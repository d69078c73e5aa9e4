// Weight initialisation as in the paper's Table 2 (Bayer & Osendorfer 2014; Sutskever et al. 2013
// for sparse recurrent initialisation).
//
// Dense matrices: W_ij ~ N(0, σ²). Recurrent matrices (row-vector convention h_t = f(h_{t−1} W + …),
// so column j holds the incoming weights of unit j): draw N(0, σ²), keep ν randomly chosen incoming
// connections per unit (all when ν = 0, "none"), then scale W so that its spectral radius — the
// largest |eigenvalue| of the real non-symmetric matrix — equals ρ.
#ifndef SEQVI_TRAIN_INIT_HPP
#define SEQVI_TRAIN_INIT_HPP

#include "seqvi/core/rng.hpp"
#include "seqvi/model/types.hpp"

namespace seqvi::train {

/// The ceiling on the initial variance of a weight matrix fed by `fan_in` units (a layer reading
/// hidden units or latents: the latent heads, the generating MLP, the output layer): 4 / fan_in. The
/// paper's Table-2 σ²_in (1e-1 … 1e-4) is the variance of the input weights, which read sparse binary
/// keys; applied unchanged to a layer reading n hidden units of size up to 1 it starts that layer's
/// pre-activations with a variance of up to n·σ²_in — 60 for hidden 600 at σ²_in = 0.1: posterior
/// means of ±8, an initial KL of ~190 nats/frame, a trial spent shrinking it (docs/latent-forms.md,
/// "The fan-in ceiling"). Capped at 4/n, those pre-activations start with a standard deviation of at
/// most 2 (LeCun's 1/n gives 1); 4 rather than 1 keeps every configuration whose σ²_in ≤ 4/n — the
/// default 1e-2 up to a fan-in of 400, so launch/table1's runs — exactly as before.
inline constexpr double kFanInCeiling = 4.0;

/// min(sigma2, kFanInCeiling / fan_in): the variance `initialize_parameters` draws a non-input weight
/// matrix with. @throws std::invalid_argument if fan_in < 1.
double capped_weight_variance(double sigma2, long fan_in);

/// Fills W with N(0, sigma2) entries. @throws std::invalid_argument if sigma2 < 0.
template <class S>
void init_dense(model::Mat<S>& W, double sigma2, core::Rng& rng);

/// Sparse recurrent initialisation: N(0, sigma2), `incoming` (ν) non-zeros per column (0 = all),
/// scaled to spectral radius `radius` (ρ > 0). W must be square. Redraws (at most 100 times) if the
/// sparse draw is nilpotent (spectral radius 0, possible for tiny ν).
/// @throws std::invalid_argument for a non-square W, sigma2 ≤ 0, incoming < 0 or radius ≤ 0;
///         std::runtime_error if no draw has a non-zero spectral radius.
template <class S>
void init_recurrent(model::Mat<S>& W, double sigma2, int incoming, double radius, core::Rng& rng);

/// The largest |λ| over the eigenvalues of a real square matrix (computed in double).
template <class S>
double spectral_radius(const model::Mat<S>& W);

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_INIT_HPP
