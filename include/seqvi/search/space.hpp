// The hyper-parameter search space: one distribution per hyper-parameter, sampled by random search.
//
// The default is the paper's Table 2 (Bayer & Osendorfer 2014) plus the choices the paper leaves
// open; a sweep's TOML overrides any entry (sweep_config.hpp). Values are plain (int, double,
// string, bool) so that this layer knows nothing of models; train/ turns them into a typed config.
#ifndef SEQVI_SEARCH_SPACE_HPP
#define SEQVI_SEARCH_SPACE_HPP

#include "seqvi/core/params.hpp"
#include "seqvi/core/rng.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace seqvi::search {

using core::Params;
using core::to_string;
using core::Value;

struct Fixed {
  Value value;
};
struct Categorical {
  std::vector<Value> choices;  ///< non-empty; sampled uniformly
};
struct Uniform {
  double low, high;  ///< low ≤ high; a double in [low, high)
};
struct LogUniform {
  double low, high;  ///< 0 < low ≤ high; exp of a uniform in [ln low, ln high)
};
struct IntUniform {
  std::int64_t low, high;  ///< low ≤ high; an integer in [low, high]
};
using Distribution = std::variant<Fixed, Categorical, Uniform, LogUniform, IntUniform>;

/// A search space: distributions by hyper-parameter name.
using Space = std::map<std::string, Distribution>;

/// Draws one value. @throws std::invalid_argument for an empty or inverted distribution.
Value sample(const Distribution& d, core::Rng& rng);
/// Draws every hyper-parameter in name order.
Params sample(const Space& space, core::Rng& rng);
/// Checks every distribution is well-formed (non-empty, low ≤ high, log bounds > 0).
/// @throws std::invalid_argument naming the hyper-parameter
void validate(const Space& space);

/// The paper's Table 2 and seqvi's choices for what it leaves open (docs/sweeps.md lists them).
Space default_space();

/// The names default_space() knows; a sweep may only set these (unknown keys are errors).
std::vector<std::string> known_hyperparameters();

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_SPACE_HPP
