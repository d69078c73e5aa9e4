#include "seqvi/train/active_dims.hpp"

namespace seqvi::train {

std::int64_t count_active_dims(const std::vector<double>& kl_per_dim) {
  std::int64_t n = 0;
  for (double kl : kl_per_dim)
    if (kl > kActiveDimNats) ++n;
  return n;
}

}  // namespace seqvi::train
