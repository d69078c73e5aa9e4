// One conversion from a TOML value to a hyper-parameter value, shared by the sweep configuration's
// [space] and `seqvi train --config`, so that a TOML file means the same in both.
#ifndef SEQVI_SEARCH_TOML_VALUE_HPP
#define SEQVI_SEARCH_TOML_VALUE_HPP

#include "seqvi/core/params.hpp"

#include <toml++/toml.h>

#include <optional>

namespace seqvi::search {

/// `node` as a value of the type of `like` (the rule of core::parse_like, for TOML's types): an
/// integer where an integer is expected; an integer or a float where a number is expected (3 is 3.0);
/// a string; a boolean. nullopt when the node holds another type (also an array or a table).
std::optional<core::Value> toml_value_like(const toml::node& node, const core::Value& like);

}  // namespace seqvi::search

#endif  // SEQVI_SEARCH_TOML_VALUE_HPP
