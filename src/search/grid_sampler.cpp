#include "seqvi/search/grid_sampler.hpp"

#include <limits>
#include <stdexcept>

namespace seqvi::search {

std::int64_t grid_size(const Space& space, std::int64_t limit) {
  std::int64_t n = 1;
  for (const auto& [name, d] : space) {
    if (std::holds_alternative<Fixed>(d)) continue;
    const auto* c = std::get_if<Categorical>(&d);
    if (!c)
      throw std::invalid_argument("hyper-parameter '" + name +
                                  "' is a range; grid search needs a list of choices or a fixed value");
    if (c->choices.empty()) throw std::invalid_argument("hyper-parameter '" + name + "': categorical with no choices");
    const auto k = static_cast<std::int64_t>(c->choices.size());
    if (n > limit / k) throw std::invalid_argument("the grid has more than " + std::to_string(limit) + " points");
    n *= k;
  }
  return n;
}

TrialSpec grid_trial(const Space& space, std::uint64_t sweep_seed, const std::string& dataset, const std::string& model,
                     std::int64_t index) {
  // The trial's seed comes from the same per-trial stream random search uses (sample_trial with
  // nothing to sample): a pure function of (sweep seed, dataset, model, index).
  TrialSpec trial = sample_trial(Space{}, sweep_seed, dataset, model, index);
  const std::int64_t n = grid_size(space, std::numeric_limits<std::int64_t>::max());
  std::int64_t point = index % n;
  // Last name fastest: walk the names backwards, peeling one mixed-radix digit each.
  for (auto it = space.rbegin(); it != space.rend(); ++it) {
    const auto& [name, d] = *it;
    if (const auto* f = std::get_if<Fixed>(&d)) {
      trial.params[name] = f->value;
      continue;
    }
    const auto& choices = std::get<Categorical>(d).choices;
    const auto k = static_cast<std::int64_t>(choices.size());
    trial.params[name] = choices[static_cast<std::size_t>(point % k)];
    point /= k;
  }
  trial.params["model"] = model;
  return trial;
}

}  // namespace seqvi::search
