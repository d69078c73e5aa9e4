#include "seqvi/train/bernoulli_baseline.hpp"

#include <cmath>
#include <vector>

namespace seqvi::train {

std::vector<double> key_frequencies(const data::Dataset& dataset) {
  const data::Split& train = dataset.train;
  const auto D = static_cast<std::size_t>(train.width);
  std::vector<double> on(D, 0.0);
  for (std::int64_t f = 0; f < train.frames(); ++f)
    for (std::size_t k = 0; k < D; ++k) on[k] += train.frame(f)[k];
  for (double& p : on) p = (p + 1.0) / (static_cast<double>(train.frames()) + 2.0);
  return on;
}

double independent_bernoulli_nll(const data::Dataset& dataset, const std::string& split_name) {
  const std::vector<double> freq = key_frequencies(dataset);
  const std::size_t D = freq.size();
  std::vector<double> log_p(D), log_q(D);
  for (std::size_t k = 0; k < D; ++k) {
    log_p[k] = std::log(freq[k]);
    log_q[k] = std::log1p(-freq[k]);
  }
  const data::Split& split = dataset.split(split_name);
  double nll = 0;
  for (std::int64_t f = 0; f < split.frames(); ++f)
    for (std::size_t k = 0; k < D && k < static_cast<std::size_t>(split.width); ++k)
      nll -= split.frame(f)[k] ? log_p[k] : log_q[k];
  return split.frames() > 0 ? nll / static_cast<double>(split.frames()) : 0.0;
}

}  // namespace seqvi::train
