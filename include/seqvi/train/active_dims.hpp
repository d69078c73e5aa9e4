// Active latent dimensions: how many latent dims carry information, the usual diagnostic of
// posterior collapse (Burda et al. 2016, "Importance weighted autoencoders", sec. 5.2, count
// dims by the variance of the posterior mean; seqvi counts them by their share of the KL, which
// the exact KL of kl.hpp splits per dim because the dims are independent under q and p).
#ifndef SEQVI_TRAIN_ACTIVE_DIMS_HPP
#define SEQVI_TRAIN_ACTIVE_DIMS_HPP

#include <cstdint>
#include <vector>

namespace seqvi::train {

/// A latent dim is active when its KL exceeds this many nats per frame.
inline constexpr double kActiveDimNats = 0.01;

/// The number of entries of `kl_per_dim` (nats/frame per latent dim) above kActiveDimNats; NaN
/// entries count as inactive.
std::int64_t count_active_dims(const std::vector<double>& kl_per_dim);

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_ACTIVE_DIMS_HPP
