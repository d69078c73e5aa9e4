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
