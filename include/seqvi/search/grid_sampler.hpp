// Grid search: every combination of a space's categorical choices, each trained once per seed block.
//
// Trial i of (dataset, model) takes grid point i mod N (N = the product of the categorical sizes),
// enumerated in hyper-parameter name order with the last name varying fastest; fixed entries are
// copied. Trials N..2N−1 repeat the grid with other seeds, so `samples = 2 N` trains every point
// with two seeds. The trial's seed is drawn as in random search: a pure function of
// (sweep seed, dataset, model, i). Continuous distributions have no grid: they are an error.
#ifndef SEQVI_SEARCH_GRID_SAMPLER_HPP
#define SEQVI_SEARCH_GRID_SAMPLER_HPP

#include "seqvi/search/sampler.hpp"
#include "seqvi/search/space.hpp"

#include <cstdint>
#include <string>

namespace seqvi::search {

/// The number of grid points: the product of the categorical choices' sizes (1 if all fixed).
/// @throws std::invalid_argument naming the first continuous or integer-range hyper-parameter, or
///         when the product exceeds `limit`
std::int64_t grid_size(const Space& space, std::int64_t limit);

/// Trial `index` of (dataset, model) under grid search. @throws std::invalid_argument for index < 0
/// or a space grid_size rejects
TrialSpec grid_trial(const Space& space, std::uint64_t sweep_seed, const std::string& dataset, const std::string& model,
                     std::int64_t index);

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_GRID_SAMPLER_HPP
