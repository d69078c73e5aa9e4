// The independent-Bernoulli baseline: every key on with its training-set frequency, independently
// of everything else. A sequence model that does not beat it has learnt nothing about music.
#ifndef SEQVI_TRAIN_BERNOULLI_BASELINE_HPP
#define SEQVI_TRAIN_BERNOULLI_BASELINE_HPP

#include "seqvi/data/piano_roll.hpp"

#include <string>
#include <vector>

namespace seqvi::train {

/// Each key's on-probability estimated from the training split with add-one smoothing:
/// p_k = (n_k + 1) / (frames + 2), k = 0 … D − 1, D the dataset's width (what the baseline below uses).
std::vector<double> key_frequencies(const data::Dataset& dataset);

/// −log p(x) in nats per frame (pooled) of `split` under per-key probabilities estimated from the
/// training split with add-one smoothing: p_k = (n_k + 1) / (frames + 2).
double independent_bernoulli_nll(const data::Dataset& dataset, const std::string& split);

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_BERNOULLI_BASELINE_HPP
