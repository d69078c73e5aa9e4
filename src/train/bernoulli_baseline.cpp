#include "seqvi/train/bernoulli_baseline.hpp"

#include <array>
#include <cmath>

namespace seqvi::train {

std::array<double, data::kKeys> key_frequencies(const data::Dataset& dataset) {
  const data::Split& train = dataset.train;
  std::array<double, data::kKeys> on{};
  for (std::int64_t f = 0; f < train.frames(); ++f)
    for (int k = 0; k < data::kKeys; ++k) on[static_cast<std::size_t>(k)] += train.frame(f)[k];
  for (double& p : on) p = (p + 1.0) / (static_cast<double>(train.frames()) + 2.0);
  return on;
}

double independent_bernoulli_nll(const data::Dataset& dataset, const std::string& split_name) {
  const std::array<double, data::kKeys> freq = key_frequencies(dataset);
  std::array<double, data::kKeys> log_p{}, log_q{};
  for (int k = 0; k < data::kKeys; ++k) {
    const double p = freq[static_cast<std::size_t>(k)];
    log_p[static_cast<std::size_t>(k)] = std::log(p);
    log_q[static_cast<std::size_t>(k)] = std::log1p(-p);
  }
  const data::Split& split = dataset.split(split_name);
  double nll = 0;
  for (std::int64_t f = 0; f < split.frames(); ++f)
    for (int k = 0; k < data::kKeys; ++k)
      nll -= split.frame(f)[k] ? log_p[static_cast<std::size_t>(k)] : log_q[static_cast<std::size_t>(k)];
  return split.frames() > 0 ? nll / static_cast<double>(split.frames()) : 0.0;
}

}  // namespace seqvi::train
