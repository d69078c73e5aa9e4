#include "seqvi/search/sampler.hpp"

#include <cstdio>
#include <stdexcept>

namespace seqvi::search {

std::string TrialSpec::name() const {
  char number[32];
  std::snprintf(number, sizeof number, "%04lld", static_cast<long long>(index));
  return dataset + "-" + model + "-" + number;
}

TrialSpec sample_trial(const Space& space, std::uint64_t sweep_seed, const std::string& dataset,
                       const std::string& model, std::int64_t index) {
  if (index < 0) throw std::invalid_argument("trial index is " + std::to_string(index) + ", must be ≥ 0");
  // One stream per (dataset, model, index); the separator keeps ("a", "bc") and ("ab", "c") apart.
  const std::uint64_t stream =
      core::hash64(dataset + '\x1f' + model) ^ core::mix64(static_cast<std::uint64_t>(index) + 1);
  core::Rng rng(sweep_seed, stream);
  TrialSpec trial;
  trial.dataset = dataset;
  trial.model = model;
  trial.index = index;
  trial.params = sample(space, rng);
  trial.params["model"] = model;
  // The training seed itself (`seqvi train --seed`, a non-negative int64): the draw's top 63 bits —
  // the value sweeps of sweep.h5 format version 1 derived from the whole 64-bit draw they stored,
  // so a configuration trains the same trials as before.
  trial.seed = rng.next_u64() >> 1;
  return trial;
}

}  // namespace seqvi::search
