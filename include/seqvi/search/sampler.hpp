// Random search: trial i of (dataset, model) in a sweep is a pure function of
// (sweep seed, dataset, model, i) — independent of rank count, arrival order or other trials.
#ifndef SEQVI_SEARCH_SAMPLER_HPP
#define SEQVI_SEARCH_SAMPLER_HPP

#include "seqvi/search/space.hpp"

#include <cstdint>
#include <string>

namespace seqvi::search {

/// A trial as the sweep defines it: what to train, with which hyper-parameters and seed.
struct TrialSpec {
  std::string dataset;     ///< dataset short name, e.g. "jsb"
  std::string model;       ///< "vrae" | "vosp" | "rnn" | "fdrnn"
  std::int64_t index = 0;  ///< i: the i-th sample for (dataset, model)
  std::uint64_t seed = 0;  ///< the trial's training seed, < 2^63: `seqvi train --seed` with it reproduces the trial
  Params params;           ///< sampled hyper-parameters (including "model")

  /// "jsb-vosp-0007": unique within a sweep, safe as a file name.
  std::string name() const;
};

/// Samples trial `index` of (dataset, model). @throws std::invalid_argument for index < 0
TrialSpec sample_trial(const Space& space, std::uint64_t sweep_seed, const std::string& dataset,
                       const std::string& model, std::int64_t index);

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_SAMPLER_HPP
